import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

/** A long NovaSeq-style header: instrument, run, flowcell, lane, tile, x, y, then the mate comment. */
export function illuminaName(index: number, mate: 1 | 2 = 1): string {
  return `A00123:8:HABCDEFXY:1:${1101 + (index % 7)}:${10000 + index}:${2000 + ((index * 37) % 9000)} ${mate}:N:0:ACGTACGT+TTGACCAA`;
}

export interface RecordSpec {
  /** The title: the header line after '@' (name, then an optional description after a blank). */
  name: string;
  sequence: string;
  quality?: string;
  /** Text after '+' on the separator line (the format allows the title again). @default '' */
  plus?: string;
}

/** One FASTQ record as Cock et al. (2010) define it; quality defaults to 'I' per base. */
export function record({ name, sequence, quality, plus }: RecordSpec): string {
  return `@${name}\n${sequence}\n+${plus ?? ''}\n${quality ?? 'I'.repeat(sequence.length)}\n`;
}

/** `count` valid records with Illumina names and deterministic sequences. */
export function reads(count: number, options: { mate?: 1 | 2; length?: number; from?: number } = {}): string {
  const length = options.length ?? 20;
  let text = '';
  for (let i = 0; i < count; i++) {
    const index = (options.from ?? 0) + i;
    let sequence = '';
    for (let j = 0; j < length; j++) sequence += 'ACGT'[(index * 7 + j * 3) % 4];
    text += record({
      name: illuminaName(index, options.mate),
      sequence,
      quality: 'FFFF:,#?I'.repeat(Math.ceil(length / 9)).slice(0, length),
    });
  }
  return text;
}

export function gz(text: string | Buffer): Buffer {
  return gzipSync(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
}

/** A stream of `bytes` in chunks of `size` (small sizes cut records, lines and gzip headers anywhere). */
export function streamOf(bytes: Buffer, size = 1 << 20): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks, { objectMode: false });
}
