import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { ValidationReason } from '../catalog/types.ts';

export interface FastqInspection {
  md5: string;
  /** Bytes of the stored (compressed) object. */
  size: number;
  reads: number;
  bases: number;
  reasons: ValidationReason[];
}

const AT = 0x40;
const PLUS = 0x2b;
const NEWLINE = 0x0a;
const CR = 0x0d;

/**
 * One streaming pass over a stored `.fastq.gz`: MD5 of the stored bytes, full gunzip (CRC and length
 * trailers are checked by zlib), and FASTQ structure — 4-line records, `@` header, `+` separator, equal
 * sequence and quality length, complete last record. Stops collecting after the first few reasons.
 *
 * @example const { md5, reads, reasons } = await inspectFastq(await storage.get(bucket, key), 'S1_R1.fastq.gz');
 */
export async function inspectFastq(body: Readable, fileName: string): Promise<FastqInspection> {
  const md5 = createHash('md5');
  let size = 0;
  const reasons: ValidationReason[] = [];
  let line = 0; // 1-based number of the line being read
  let lineLength = 0;
  let firstByte = -1;
  let atLineStart = true;
  let sequenceLength = 0;
  let reads = 0;
  let bases = 0;

  const fail = (message: string, at = line) => {
    if (reasons.length < 5) reasons.push({ file: fileName, line: at, message });
  };
  const endLine = () => {
    const kind = (line - 1) % 4;
    if (kind === 0 && firstByte !== AT) fail(`record ${Math.floor((line - 1) / 4) + 1}: expected a header line starting with '@', found ${firstByte < 0 ? 'an empty line' : JSON.stringify(String.fromCharCode(firstByte))}`);
    if (kind === 1) sequenceLength = lineLength;
    if (kind === 2 && firstByte !== PLUS) fail(`record ${Math.floor((line - 1) / 4) + 1}: expected the '+' separator line, found ${firstByte < 0 ? 'an empty line' : JSON.stringify(String.fromCharCode(firstByte))}`);
    if (kind === 3) {
      if (lineLength !== sequenceLength) fail(`record ${Math.floor((line - 1) / 4) + 1}: quality length ${lineLength} differs from sequence length ${sequenceLength}`);
      reads++;
      bases += sequenceLength;
    }
  };

  const gunzip = createGunzip();
  const tap = body.on('data', (chunk: Buffer) => {
    md5.update(chunk);
    size += chunk.length;
  });
  const decompressed = tap.pipe(gunzip);
  body.on('error', (error) => gunzip.destroy(error));
  try {
    for await (const chunk of decompressed as AsyncIterable<Buffer>) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (atLineStart) {
          line++;
          firstByte = byte === NEWLINE || byte === CR ? -1 : byte;
          atLineStart = false;
        }
        if (byte === NEWLINE) {
          endLine();
          lineLength = 0;
          atLineStart = true;
        } else if (byte !== CR) {
          lineLength++;
        }
      }
    }
  } catch (error) {
    fail(`not a complete gzip file: ${(error as Error).message}`);
    return { md5: md5.digest('hex'), size, reads, bases, reasons };
  }
  if (!atLineStart) endLine(); // last line without a newline
  if (line % 4 !== 0) fail(`incomplete last record: the file ends after line ${line}, inside record ${Math.floor((line - 1) / 4) + 1}`);
  if (reads === 0 && reasons.length === 0) fail('contains no reads', 0);
  return { md5: md5.digest('hex'), size, reads, bases, reasons };
}
