/**
 * The part of a FASTQ header that R1 and R2 of one fragment share: the leading `@` (if any), the
 * comment after the first space or tab (`1:N:0:ACGT+TTGA`) and a trailing `/1` or `/2` (older
 * Illumina and SRA style) are removed.
 *
 * @example
 * mateName('@A00123:8:HXX:1:1101:1000:2000 2:N:0:ACGT+TTGA'); // 'A00123:8:HXX:1:1101:1000:2000'
 * mateName('read7/1'); // 'read7'
 */
export function mateName(header: string): string {
  let end = header.length;
  for (let i = 0; i < end; i++) {
    const c = header.charCodeAt(i);
    if (c === 32 || c === 9) {
      end = i;
      break;
    }
  }
  const start = header.charCodeAt(0) === 64 ? 1 : 0;
  if (end - start >= 2 && header.charCodeAt(end - 2) === 47) {
    const mate = header.charCodeAt(end - 1);
    if (mate === 49 || mate === 50) end -= 2;
  }
  return header.slice(start, end);
}
