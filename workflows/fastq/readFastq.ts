import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { FastqError, FastqGzipError } from './errors.ts';
import { FastqParser, type FastqRecord } from './FastqParser.ts';

export interface ReadFastqOptions {
  /** Bytes per read from disk (and per gunzip output chunk). Small values only make sense in tests. @default 1 MiB */
  chunkSize?: number;
}

const DEFAULT_CHUNK = 1 << 20;

/** True when the file starts with the gzip magic bytes; the extension is not trusted. */
export async function isGzipFile(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Stream a FASTQ file (plain or gzip, detected from its first bytes; concatenated gzip members
 * are read as one stream) as batches of records, one batch per decompressed chunk. Batches keep
 * the per-record cost low for the step programs; use {@link readFastq} when one record at a time reads better.
 *
 * @throws FastqFormatError malformed FASTQ, with file and line
 * @throws FastqGzipError corrupt or truncated gzip, with file and the first unreadable line
 * @throws FastqError the file cannot be opened or read
 * @example
 * for await (const batch of readFastqBatches('S1_R1_001.fastq.gz')) reads += batch.length;
 */
export async function* readFastqBatches(path: string, options: ReadFastqOptions = {}): AsyncGenerator<FastqRecord[]> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const parser = new FastqParser(path);
  let source: Readable | undefined;
  let stream: Readable | undefined;
  try {
    const gzip = await isGzipFile(path);
    source = createReadStream(path, { highWaterMark: chunkSize });
    stream = source;
    if (gzip) {
      const gunzip = createGunzip({ chunkSize: Math.max(chunkSize, 64) });
      // pipe() does not forward errors: a read error must end the gunzip stream we iterate.
      source.on('error', (err) => gunzip.destroy(err));
      stream = source.pipe(gunzip);
    }
    for await (const chunk of stream) {
      const out: FastqRecord[] = [];
      parser.push((chunk as Buffer).toString('latin1'), out);
      if (out.length > 0) yield out;
    }
    const out: FastqRecord[] = [];
    parser.end(out);
    if (out.length > 0) yield out;
  } catch (err) {
    if (err instanceof FastqError) throw err;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('Z_')) throw new FastqGzipError(path, parser.line + 1, err);
    throw new FastqError(path, `${path}: cannot read FASTQ: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    source?.destroy();
    stream?.destroy();
  }
}

/**
 * Stream a FASTQ file (plain or gzip) one record at a time.
 *
 * @example
 * for await (const record of readFastq('S1_R1_001.fastq.gz')) console.log(record.line, record.name);
 */
export async function* readFastq(path: string, options: ReadFastqOptions = {}): AsyncGenerator<FastqRecord> {
  for await (const batch of readFastqBatches(path, options)) yield* batch;
}

/**
 * Pulls records one at a time out of batches without an `await` per record; used to walk R1 and
 * R2 in lock step.
 *
 * @example
 * const cursor = new FastqCursor(readFastqBatches(r1));
 * for (let record = await cursor.next(); record; record = await cursor.next()) ...
 */
export class FastqCursor {
  readonly #batches: AsyncIterator<FastqRecord[]>;
  #batch: FastqRecord[] = [];
  #index = 0;
  #done = false;
  #count = 0;

  constructor(batches: AsyncIterable<FastqRecord[]>) {
    this.#batches = batches[Symbol.asyncIterator]();
  }

  /** Records returned so far. */
  get count(): number {
    return this.#count;
  }

  /** The next record, or `undefined` at end of file. Returns a plain value while the current batch lasts. */
  next(): FastqRecord | undefined | Promise<FastqRecord | undefined> {
    if (this.#index < this.#batch.length) {
      this.#count++;
      return this.#batch[this.#index++];
    }
    return this.#refill();
  }

  async #refill(): Promise<FastqRecord | undefined> {
    while (!this.#done) {
      const result = await this.#batches.next();
      if (result.done) {
        this.#done = true;
        break;
      }
      if (result.value.length > 0) {
        this.#batch = result.value;
        this.#index = 1;
        this.#count++;
        return this.#batch[0];
      }
    }
    return undefined;
  }

  /** Stop reading early (closes the file). */
  async close(): Promise<void> {
    this.#done = true;
    await this.#batches.return?.(undefined);
  }
}
