// Drives one zlib gunzip over the stored chunks of a file, keeping what the gzip checks of hashAndInflate.ts
// need: how many bytes were handed to zlib, how many it consumed, and the zlib error that stopped it.
// Shared by the main-thread pass and the inflate worker (inflateWorker.mjs); plain JavaScript so the worker
// starts without a TypeScript loader. Types: gunzipFeed.d.mts.
import { createGunzip } from 'node:zlib';

// Output chunk of the inflater. Larger than zlib's 16 KiB default: fewer round trips between the thread
// pool and JavaScript, and each one hands the scanner more work while the next chunk inflates.
export const INFLATE_CHUNK = 512 * 1024;

// Decompressed bytes zlib may hold before it waits for the consumer. With Node's default (16 KiB) every
// 512 KiB output chunk fills the buffer, and zlib idles until JavaScript takes the chunk; a few chunks of
// room let it inflate the next ones while the consumer works on this one.
export const INFLATE_AHEAD = 4 * INFLATE_CHUNK;

// Write size for the last stored chunk (see `writeTail`).
export const TAIL_SLICE = 256;

/** Resolves once the stream can take more, or will never need to (closed or failed). */
export function drained(stream) {
  if (stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

export class GunzipFeed {
  #gunzip;
  #consumer;
  #failure;
  #written = 0;
  #lastWrite = Promise.resolve();
  #closed;

  /** `onData` receives the decompressed bytes in order; a promise it returns holds the next chunk back. */
  constructor(onData) {
    // Node hands zlib options on to the stream, including the readable buffer size.
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK, readableHighWaterMark: INFLATE_AHEAD });
    this.#gunzip = gunzip;
    this.#closed = new Promise((resolve) => gunzip.once('close', resolve));
    this.#consumer = (async () => {
      try {
        for await (const chunk of gunzip) {
          const wait = onData(chunk);
          if (wait) await wait;
        }
      } catch (error) {
        // zlib errors (Z_DATA_ERROR, Z_BUF_ERROR, …) are verdicts on the data; anything else is a bug.
        if (!String(error?.code).startsWith('Z_')) throw error;
        this.#failure = { message: error.message, code: error.code };
      }
    })();
    // Handled here so Node does not call it unhandled before `finish` awaits it.
    this.#consumer.catch(() => undefined);
  }

  /** True once zlib failed or the consumer stopped: later writes are dropped, as zlib would drop them. */
  get failed() {
    return this.#gunzip.destroyed || this.#failure !== undefined;
  }

  async write(chunk) {
    if (this.failed) return;
    this.#written += chunk.length;
    let taken;
    this.#lastWrite = new Promise((resolve) => (taken = resolve));
    // The callback runs once zlib has consumed the chunk, or the stream failed or closed without it.
    if (!this.#gunzip.write(chunk, () => taken())) await drained(this.#gunzip);
  }

  /** Resolves once zlib is done with every chunk written so far: their memory may then be reused. */
  settled() {
    // A failed stream never calls back the write it failed in: once closed, it reads nothing more.
    return Promise.race([this.#lastWrite, this.#closed]);
  }

  // zlib drops the output of a write that fails and does not say where the failure is, so small writes
  // at the end (where trailing bytes sit) keep both the loss and the uncertainty small.
  async writeTail(chunk) {
    for (let at = 0; at < chunk.length; at += TAIL_SLICE) await this.write(chunk.subarray(at, at + TAIL_SLICE));
  }

  /** Ends the input and waits for the last output; throws what the consumer threw. */
  async finish() {
    if (!this.#gunzip.destroyed && !this.#gunzip.writableEnded) this.#gunzip.end();
    await this.#consumer;
    return { consumed: this.#gunzip.bytesWritten, written: this.#written, ...(this.#failure ? { failure: this.#failure } : {}) };
  }

  destroy() {
    this.#gunzip.destroy();
  }
}

/**
 * `chunk` copied into memory that can move to the other thread of the inflate worker: a spare buffer that came
 * back from there when one is large enough, else a new one of at least `capacity` bytes (the usual chunk size,
 * so it fits the chunks after this one too). Buffers go back and forth instead of piling up as garbage the
 * collector is slow to notice (hundreds of MB on a large file).
 */
export function movableCopy(spares, chunk, capacity) {
  const spare = spares.pop();
  const buffer = spare && spare.byteLength >= chunk.length ? spare : new ArrayBuffer(Math.max(chunk.length, capacity));
  const bytes = new Uint8Array(buffer, 0, chunk.length);
  bytes.set(chunk);
  return bytes;
}
