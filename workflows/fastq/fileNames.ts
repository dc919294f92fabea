/** What a FASTQ file name says about its contents. */
export interface FastqFileName {
  /** Sample part of the name (`Sample01` in `Sample01_S1_L001_R1_001.fastq.gz`). */
  sample: string;
  /** Read: `R1`/`R2` for mates, `I1`/`I2` for index reads. */
  read: 'R1' | 'R2' | 'I1' | 'I2';
  /** `S<n>` number from the sample sheet order, when the name has one. */
  sampleNumber?: number;
  /** Lane, when the name has `_L00<n>`. */
  lane?: number;
  /**
   * Everything in the name except the read designator: files of one pair share it
   * (`Sample01_S1_L001_{read}_001.fastq.gz`).
   */
  pairKey: string;
}

// Illumina BCL Convert / bcl2fastq: <Sample>_S<n>_L00<lane>_R1_001.fastq.gz (lane part optional with --no-lane-splitting).
const ILLUMINA = /^(.+?)_S(\d+)(?:_L(\d{3}))?_([RI][12])_(\d{3})\.f(?:ast)?q(?:\.gz)?$/;
// Other sources: <sample>.R1.fastq.gz, <sample>_R1.fastq.gz, <sample>_R1_001.fq.gz.
const GENERIC = /^(.+?)[._]([RI][12])(?:[._](\d{3}))?\.f(?:ast)?q(?:\.gz)?$/;

/**
 * Parse a FASTQ file name (a base name, not a path). Returns `undefined` for names that follow
 * neither the Illumina pattern nor the common `<sample>.R1.fastq.gz` / `<sample>_R1.fastq.gz` forms.
 *
 * @example
 * parseFastqFileName('Sample01_S1_L001_R2_001.fastq.gz');
 * // { sample: 'Sample01', read: 'R2', sampleNumber: 1, lane: 1, pairKey: 'Sample01_S1_L001_{read}_001.fastq.gz' }
 */
export function parseFastqFileName(name: string): FastqFileName | undefined {
  const illumina = ILLUMINA.exec(name);
  if (illumina) {
    const [, sample, number, lane, read] = illumina as unknown as [string, string, string, string | undefined, FastqFileName['read']];
    const parsed: FastqFileName = { sample, read, sampleNumber: Number(number), pairKey: pairKeyOf(name, read) };
    if (lane !== undefined) parsed.lane = Number(lane);
    return parsed;
  }
  const generic = GENERIC.exec(name);
  if (generic) {
    const [, sample, read] = generic as unknown as [string, string, FastqFileName['read']];
    return { sample, read, pairKey: pairKeyOf(name, read) };
  }
  return undefined;
}

function pairKeyOf(name: string, read: string): string {
  // The read designator is the last occurrence of `_R1`/`.R1` before the extension.
  const at = Math.max(name.lastIndexOf(`_${read}`), name.lastIndexOf(`.${read}`));
  return `${name.slice(0, at + 1)}{read}${name.slice(at + 1 + read.length)}`;
}
