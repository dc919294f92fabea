/**
 * One measured pass in a fresh process, so timings do not share a warm heap and peak RSS (VmHWM)
 * belongs to this pass alone. Prints one JSON line: `{ ms, peakRssMb, result }`.
 *
 *   node --import tsx bench/validationWorker.ts validate <file.fastq.gz>
 *   node --import tsx bench/validationWorker.ts bare <file.fastq.gz>
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { READ_CHUNK, validateFile } from '../validation/validateFile.ts';

async function peakRssMb(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : process.memoryUsage().rss / 1024 / 1024;
}

/** The practical limit: read, MD5 of the stored bytes, gunzip, count newlines — nothing else. */
async function bare(path: string) {
  const md5 = createHash('md5');
  const input = createReadStream(path, { highWaterMark: READ_CHUNK });
  input.on('data', (chunk) => md5.update(chunk));
  let lines = 0;
  for await (const chunk of input.pipe(createGunzip({ chunkSize: 512 * 1024 })) as AsyncIterable<Buffer>) {
    let at = chunk.indexOf(10);
    while (at >= 0) {
      lines++;
      at = chunk.indexOf(10, at + 1);
    }
  }
  return { md5: md5.digest('hex'), reads: lines / 4, reasons: [] as unknown[] };
}

/** Exactly what `landfall validate <file>` runs: MD5, gzip integrity, every record, statistics. */
async function validate(path: string) {
  const { files } = await validateFile(path);
  const [file] = files;
  return { md5: file!.md5, reads: file!.stats?.reads ?? 0, reasons: file!.reasons, stats: file!.stats };
}

const [mode, path] = process.argv.slice(2);
if ((mode !== 'validate' && mode !== 'bare') || !path) {
  process.stderr.write('usage: validationWorker.ts validate|bare <file.fastq.gz>\n');
  process.exit(2);
}
const started = performance.now();
const result = mode === 'validate' ? await validate(path) : await bare(path);
const ms = performance.now() - started;
process.stdout.write(`${JSON.stringify({ ms, peakRssMb: await peakRssMb(), result })}\n`);
