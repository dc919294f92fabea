import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { movableCopy } from './gunzipFeed.mjs';
import type { NativeOutcome } from './nativeFeed.mjs';

const WORKER = new URL('./inflateWorker.mjs', import.meta.url);

/**
 * Whether the worker's file is here: beside the sources (tests, the CLI and the runtime, compiled or not), but
 * not in the job-program bundle of the step image (dist/job alone), whose validator inflates in its own thread.
 */
export function inflateWorkerPresent(): boolean {
  return existsSync(fileURLToPath(WORKER));
}

/** Stored bytes sent to the worker and not yet taken by its zlib: a few read chunks, so memory stays bounded. */
const INPUT_AHEAD = 4 * 1024 * 1024;

/** Size of the buffers stored chunks travel in: a local file's read size (validateFile.ts READ_CHUNK). */
const INPUT_BUFFER = 1024 * 1024;

type FromWorker =
  | { type: 'data'; bytes: Uint8Array<ArrayBuffer> }
  | { type: 'taken'; bytes: Uint8Array<ArrayBuffer>; failed: boolean }
  | { type: 'finished'; outcome: NativeOutcome };

/**
 * The gunzip of gunzipFeed.mjs run in a worker thread (inflateWorker.mjs): the same writes, tail slices and
 * outcome, but zlib inflates continuously while this thread hashes and scans. Decompressed chunks reach
 * `onData` in order on this thread, and their memory is reused once `onData` returns: it must not keep them.
 * Worth its start (a worker thread, tens of milliseconds) on large files only.
 */
export class OffThreadGunzip {
  readonly #worker: Worker;
  readonly #outcome: Promise<NativeOutcome>;
  #inFlight = 0;
  /** Input buffers the worker handed back, to be filled again. */
  readonly #spares: ArrayBuffer[] = [];
  #resumeInput: (() => void) | undefined;
  #failed = false;
  #consumerError: { error: unknown } | undefined;

  /** With `native`, igzip inflates (nativeFeed.mjs): the outcome may then be `inconclusive`. */
  constructor(onData: (chunk: Buffer) => void, options: { native?: boolean } = {}) {
    const worker = new Worker(WORKER, { workerData: { native: options.native === true } });
    this.#worker = worker;
    this.#outcome = new Promise<NativeOutcome>((resolve, reject) => {
      const stop = (error: unknown) => {
        this.#failed = true;
        this.#wakeInput();
        reject(error);
      };
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'data') {
          const chunk = Buffer.from(message.bytes.buffer, message.bytes.byteOffset, message.bytes.byteLength);
          if (this.#consumerError === undefined) {
            try {
              onData(chunk);
            } catch (error) {
              // As in the main-thread pass: the consumer's error ends the inflating and is thrown by finish().
              this.#consumerError = { error };
              this.#failed = true;
            }
          }
          worker.postMessage({ type: 'consumed', bytes: message.bytes }, [message.bytes.buffer]);
        } else if (message.type === 'taken') {
          this.#inFlight -= message.bytes.length;
          this.#spares.push(message.bytes.buffer);
          if (message.failed) this.#failed = true;
          if (this.#inFlight <= INPUT_AHEAD) this.#wakeInput();
        } else if (this.#consumerError) {
          reject(this.#consumerError.error);
        } else {
          resolve(message.outcome);
        }
      });
      worker.on('error', stop);
      worker.on('exit', (code) => stop(new Error(`the inflate worker stopped (exit code ${code}) before it finished`)));
    });
    // Handled here so Node does not call it unhandled before finish() awaits it.
    this.#outcome.catch(() => undefined);
  }

  #wakeInput(): void {
    const resume = this.#resumeInput;
    this.#resumeInput = undefined;
    resume?.();
  }

  #send(type: 'chunk' | 'tail', chunk: Buffer): Promise<void> | undefined {
    // After a failure zlib would drop the writes anyway (gunzipFeed.mjs): the bytes need not travel.
    if (this.#failed) return undefined;
    const bytes = movableCopy(this.#spares, chunk, INPUT_BUFFER);
    // Counted before it moves: a moved buffer reads as empty here.
    this.#inFlight += bytes.length;
    this.#worker.postMessage({ type, bytes }, [bytes.buffer]);
    if (this.#inFlight <= INPUT_AHEAD) return undefined;
    return new Promise((resolve) => (this.#resumeInput = resolve));
  }

  /** Resolves when the worker can take more. */
  async write(chunk: Buffer): Promise<void> {
    await this.#send('chunk', chunk);
  }

  /** The last stored chunk: the worker writes it to zlib in small slices (gunzipFeed.mjs `writeTail`). */
  async writeTail(chunk: Buffer): Promise<void> {
    await this.#send('tail', chunk);
  }

  /** Ends the input and waits until every decompressed chunk reached `onData`; throws what `onData` threw. */
  async finish(): Promise<NativeOutcome> {
    this.#worker.postMessage({ type: 'end' });
    try {
      return await this.#outcome;
    } finally {
      void this.#worker.terminate();
    }
  }

  destroy(): void {
    void this.#worker.terminate();
  }
}
