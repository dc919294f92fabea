import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { FastqError } from './errors.ts';
import type { FastqRecord } from './FastqParser.ts';

export interface FastqWriterOptions {
  /** zlib level; 6 is gzip's default and a good speed/size balance for FASTQ. @default 6 */
  level?: number;
}

/** What a closed writer wrote. */
export interface FastqWriterSummary {
  path: string;
  records: number;
  /** Uncompressed bytes. */
  bytes: number;
}

// Records are joined into one string and handed to zlib in ~256 KiB pieces: one write per record
// would spend more time in stream bookkeeping than in compression.
const FLUSH_AT = 256 * 1024;

/**
 * Writes FASTQ records to a `.fastq.gz` file (one gzip member). Text is encoded as latin1, the
 * same mapping the reader uses, so a record read and written again is byte-identical.
 * The output is deterministic: Node's gzip header carries no timestamp.
 *
 * @example
 * const writer = new FastqWriter('out/S1_R1.trimmed.fastq.gz');
 * await writer.write({ name: 'r1', sequence: 'ACGT', plus: '', quality: 'IIII' });
 * const { records } = await writer.close();
 */
export class FastqWriter {
  readonly path: string;
  readonly #gzip: Gzip;
  readonly #done: Promise<void>;
  #pending = '';
  #records = 0;
  #bytes = 0;
  #error: unknown;
  #closed = false;

  constructor(path: string, options: FastqWriterOptions = {}) {
    this.path = path;
    this.#gzip = createGzip({ level: options.level ?? 6 });
    this.#done = pipeline(this.#gzip, createWriteStream(path)).catch((err: unknown) => {
      this.#error = err;
      throw err;
    });
    // Surface the error from write()/close(); avoid an unhandled rejection in between.
    this.#done.catch(() => undefined);
  }

  /** Records written so far. */
  get records(): number {
    return this.#records;
  }

  /**
   * Queue one record. Returns a promise only when a buffer was handed to zlib and it asked to
   * wait (back-pressure); `await` it either way.
   */
  write(record: Pick<FastqRecord, 'name' | 'sequence' | 'plus' | 'quality'>): void | Promise<void> {
    if (this.#closed) throw new FastqError(this.path, `${this.path}: write after close`);
    this.#pending += `@${record.name}\n${record.sequence}\n+${record.plus}\n${record.quality}\n`;
    this.#records++;
    if (this.#pending.length >= FLUSH_AT) return this.#flush();
    return undefined;
  }

  async #flush(): Promise<void> {
    this.#throwIfFailed();
    const text = this.#pending;
    this.#pending = '';
    this.#bytes += text.length;
    if (!this.#gzip.write(Buffer.from(text, 'latin1'))) {
      try {
        await once(this.#gzip, 'drain');
      } catch (err) {
        this.#fail(err);
      }
    }
  }

  /** Flush, finish the gzip stream and wait until the file is written. */
  async close(): Promise<FastqWriterSummary> {
    if (!this.#closed) {
      if (this.#pending.length > 0) await this.#flush();
      this.#closed = true;
      this.#gzip.end();
    }
    try {
      await this.#done;
    } catch (err) {
      this.#fail(err);
    }
    return { path: this.path, records: this.#records, bytes: this.#bytes };
  }

  /** Abandon the file (on error paths): stops the streams without waiting for data to be written. */
  abort(): void {
    this.#closed = true;
    this.#gzip.destroy();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) this.#fail(this.#error);
  }

  #fail(err: unknown): never {
    throw new FastqError(this.path, `${this.path}: cannot write FASTQ: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}
