/**
 * The practical limit of one pass over a .fastq.gz, as a whole process like `landfall validate`: read it, MD5
 * of the stored bytes, gunzip, count newlines — nothing else. Plain JavaScript, so its start is Node's own.
 * Prints one JSON line: `{ md5, reads }`.
 *
 *   node bench/barePass.mjs <file.fastq.gz>
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';

/** The validator's read size (validation/validateFile.ts READ_CHUNK), so both read the file alike. */
const READ_CHUNK = 1024 * 1024;

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: node bench/barePass.mjs <file.fastq.gz>\n');
  process.exit(2);
}
const md5 = createHash('md5');
const input = createReadStream(path, { highWaterMark: READ_CHUNK });
input.on('data', (chunk) => md5.update(chunk));
let lines = 0;
for await (const chunk of input.pipe(createGunzip({ chunkSize: 512 * 1024 }))) {
  let at = chunk.indexOf(10);
  while (at >= 0) {
    lines++;
    at = chunk.indexOf(10, at + 1);
  }
}
process.stdout.write(`${JSON.stringify({ md5: md5.digest('hex'), reads: lines / 4 })}\n`);
