/**
 * BGZF end-of-file markers in the reads stage-in concatenates. BGZF (SAM/BAM format specification, "The BGZF
 * compression format") ends a file with an empty gzip member, its end-of-file marker; bgzip and BGZF-writing
 * demultiplexers write one per stream, and a FASTQ may hold several streams. fastp 1.3.0–1.3.6 stops reading at
 * the first marker it meets (OpenGene/fastp#711, fixed by #712): the reads after it are dropped silently. A
 * marker holds no data, so leaving the inner ones out changes nothing a correct reader sees.
 */

/** The end-of-file marker: a BGZF block holding no data (28 bytes). */
export const BGZF_EOF = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');

/** Bytes of a BGZF block header up to and including BSIZE. */
const HEADER_BYTES = 18;

/** A gzip member header with BGZF's one extra subfield, `BC` of two bytes (BSIZE = block size − 1). */
function isBgzfHeader(bytes: Buffer, at: number): boolean {
  return (
    bytes[at] === 0x1f &&
    bytes[at + 1] === 0x8b &&
    bytes[at + 2] === 8 &&
    (bytes[at + 3]! & 4) !== 0 &&
    bytes.readUInt16LE(at + 10) === 6 &&
    bytes[at + 12] === 0x42 &&
    bytes[at + 13] === 0x43 &&
    bytes.readUInt16LE(at + 14) === 2
  );
}

/**
 * Passes a gzip stream through without its BGZF end-of-file markers, block by block; `seen.endedWithMarker`
 * says whether the stream's last block was one (so the last file of a concatenation can end with one again).
 * A stream, or the rest of one, that is not BGZF (a plain gzip member) passes through as it is.
 */
export async function* withoutBgzfEofMarkers(source: AsyncIterable<Buffer>, seen: { endedWithMarker: boolean }): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  let bgzf = true;
  seen.endedWithMarker = false;
  for await (const chunk of source) {
    if (!bgzf) {
      yield chunk;
      continue;
    }
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let at = 0;
    const blocks: Buffer[] = [];
    while (pending.length - at >= HEADER_BYTES) {
      if (!isBgzfHeader(pending, at)) {
        bgzf = false;
        break;
      }
      const size = pending.readUInt16LE(at + 16) + 1;
      if (pending.length - at < size) break;
      const block = pending.subarray(at, at + size);
      seen.endedWithMarker = block.equals(BGZF_EOF);
      if (!seen.endedWithMarker) blocks.push(block);
      at += size;
    }
    if (blocks.length > 0) yield Buffer.concat(blocks);
    pending = pending.subarray(at);
    if (!bgzf && pending.length > 0) {
      seen.endedWithMarker = false;
      yield pending;
      pending = Buffer.alloc(0);
    }
  }
  if (pending.length > 0) {
    // A stream that ends inside a block: passed on as it is, for the reader to report.
    seen.endedWithMarker = false;
    yield pending;
  }
}
