import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/** Shape of the synthetic reads: Illumina-like headers, 2-colour-era quality spread. */
export interface GeneratorOptions {
  reads: number;
  readLength?: number;
  /** Seed of the xorshift generator, so every machine benches the same bytes. */
  seed?: number;
  /** 1 or 2: written into the header comment (`1:N:0:…`). */
  mate?: 1 | 2;
}

const BASES = Buffer.from('ACGT');
// Quality spread of a HiSeq-style run (full resolution, mostly high): entropy comparable to real data,
// so compressed size and decompressed size both resemble an instrument file.
const QUALITIES = Buffer.from('FFFFFFFFFFFFGGGGGGGGHHHHHHHHIIIIIIIJJJJJJJEEEEDDDDCCBBA@?>=<;:98765#');

/**
 * Synthetic FASTQ text, chunk by chunk (about 1 MiB each), deterministic for a seed.
 *
 * @example await pipeline(Readable.from(fastqChunks({ reads: 1000 })), createWriteStream('x.fastq'));
 */
export function* fastqChunks(options: GeneratorOptions): Generator<Buffer> {
  const readLength = options.readLength ?? 150;
  const mate = options.mate ?? 1;
  let state = (options.seed ?? 0x9e3779b9) | 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const recordBytes = 80 + 2 * readLength + 8;
  const perChunk = Math.max(1, Math.floor((1 << 20) / recordBytes));
  let written = 0;
  while (written < options.reads) {
    const count = Math.min(perChunk, options.reads - written);
    const chunk = Buffer.allocUnsafe(count * recordBytes);
    let p = 0;
    for (let r = 0; r < count; r++) {
      const index = written + r;
      const tile = 1101 + ((index >>> 16) % 64);
      p += chunk.write(
        `@A00123:8:HABCDEFXY:1:${tile}:${10000 + (index & 0xffff)}:${1000 + (next() % 30000)} ${mate}:N:0:ACGTACGT+TTGACCAA\n`,
        p,
        'latin1',
      );
      for (let i = 0; i < readLength; i++) {
        const random = next();
        chunk[p++] = (random & 0x3ff) === 0 ? 0x4e : BASES[random & 3]!;
      }
      chunk[p++] = 0x0a;
      chunk[p++] = 0x2b;
      chunk[p++] = 0x0a;
      for (let i = 0; i < readLength; i++) chunk[p++] = QUALITIES[next() % QUALITIES.length]!;
      chunk[p++] = 0x0a;
    }
    written += count;
    yield chunk.subarray(0, p);
  }
}

/**
 * Writes a `.fastq.gz` of `options.reads` reads to `path` (via a temporary name, renamed when complete),
 * compressing with `pigz` when it is installed (much faster on two cores), else with zlib.
 */
export async function writeFastqGz(path: string, options: GeneratorOptions & { pigz?: boolean }): Promise<void> {
  const temporary = `${path}.partial`;
  const source = Readable.from(fastqChunks(options), { objectMode: false });
  if (options.pigz) {
    const child = spawn('pigz', ['-p', '2', '-6', '-c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const exited = new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`pigz exited with ${code}`))));
    });
    await Promise.all([pipeline(source, child.stdin), pipeline(child.stdout, createWriteStream(temporary)), exited]);
  } else {
    await pipeline(source, createGzip({ level: 6 }), createWriteStream(temporary));
  }
  await rename(temporary, path);
}
