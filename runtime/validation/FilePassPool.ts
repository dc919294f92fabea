import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { workerThreadEntry } from '../workerThreadEntry.ts';
import type { FileIdentity, FilePass, FileVerdict } from '../../validation/fileVerdict.ts';
import type { ValidationOptions } from '../../validation/types.ts';

export interface FilePassRequest {
  id: number;
  file: FileIdentity & { name: string };
  options: ValidationOptions & { sha256?: boolean };
}
export type FilePassReply = { id: number; verdict: FileVerdict } | { id: number; error: { name: string; message: string } };

/**
 * Threads for file passes: one per core, at most 8, or `LANDFALL_FILE_PASS_THREADS`. A pass's zlib runs on the
 * thread pool, so a pass thread leaves much of its core to others; on 2 cores, one thread per core made the
 * landing-latency bench's starts 1.2-1.5x sooner than one thread (2026-12-04, README).
 */
export function filePassThreads(cores = availableParallelism(), env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env.LANDFALL_FILE_PASS_THREADS);
  if (Number.isInteger(override) && override > 0) return override;
  return Math.max(1, Math.min(cores, 8));
}

interface Thread {
  worker: Worker;
  busy: boolean;
}

/**
 * The embedded runtime's file passes, in a bounded pool of worker threads: a landed FASTQ is read, inflated
 * and scanned off the event loop that serves every other handler, so validation as files land does not hold
 * up landing, completeness or starts. Requests beyond the pool wait in order. A thread that dies fails its
 * request (the handler's retry runs it again) and is replaced.
 *
 * @example
 * const pool = new FilePassPool(layout.buckets);
 * const verdict = await pool.pass({ name, bucket, key, size, etag }, { legacyNoCalls: false });
 * await pool.close();
 */
export class FilePassPool {
  readonly #bucketsDir: string;
  readonly #size: number;
  readonly #threads: Thread[] = [];
  readonly #queue: Array<{ request: FilePassRequest; settle: (reply: FilePassReply) => void }> = [];
  readonly #pending = new Map<number, { thread: Thread; settle: (reply: FilePassReply) => void }>();
  /** Passes waiting or running, by what they read and how: an identical request shares the one already there. */
  readonly #passes = new Map<string, Promise<FileVerdict>>();
  #nextId = 1;
  #closed = false;

  constructor(bucketsDir: string, size = filePassThreads()) {
    this.#bucketsDir = bucketsDir;
    this.#size = size;
  }

  /**
   * The pass as the handlers' seam (Services.filePass). A pass of the same bytes (identity, name and options)
   * already waiting or running is shared: a sample concluded while its files' own passes wait their turn (a
   * run's per-sample markers) read each file twice, doubling the pool's work.
   */
  readonly pass: FilePass = (file, options) => {
    if (this.#closed) return Promise.reject(new Error('the file-pass pool is closed: the runtime is stopping'));
    const key = JSON.stringify([file.bucket, file.key, file.versionId ?? null, file.etag, file.size, file.name, options]);
    const running = this.#passes.get(key);
    if (running) return running;
    const pass = this.#enqueue(file, options);
    this.#passes.set(key, pass);
    const forget = () => this.#passes.delete(key);
    pass.then(forget, forget);
    return pass;
  };

  #enqueue(...[file, options]: Parameters<FilePass>): Promise<FileVerdict> {
    return new Promise<FileVerdict>((resolve, reject) => {
      const request: FilePassRequest = { id: this.#nextId++, file: { ...file }, options: { ...options } };
      this.#queue.push({
        request,
        settle: (reply) => {
          if ('verdict' in reply) resolve(reply.verdict);
          else reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }));
        },
      });
      this.#dispatch();
    });
  }

  /** No pass is running or waiting for a thread. */
  get idle(): boolean {
    return this.#queue.length === 0 && this.#pending.size === 0;
  }

  /** Stops every thread; passes still running fail (their handlers are retried by the next runtime). */
  async close(): Promise<void> {
    this.#closed = true;
    const threads = this.#threads.splice(0);
    await Promise.all(threads.map((thread) => thread.worker.terminate()));
    for (const { settle } of this.#queue.splice(0)) settle({ id: 0, error: { name: 'Error', message: 'the runtime stopped' } });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const thread = this.#threads.find((each) => !each.busy) ?? (this.#threads.length < this.#size ? this.#start() : undefined);
      if (!thread) return;
      const { request, settle } = this.#queue.shift()!;
      thread.busy = true;
      thread.worker.ref();
      this.#pending.set(request.id, { thread, settle });
      thread.worker.postMessage(request);
    }
  }

  #start(): Thread {
    // Compiled: dist/cli/filePassWorker.mjs; from the sources: the TypeScript through tsx (tests, `npm run landfall`).
    const { url, execArgv } = workerThreadEntry('filePassWorker', new URL('./filePassWorker.ts', import.meta.url));
    const worker = new Worker(url, { workerData: { bucketsDir: this.#bucketsDir }, execArgv });
    // An idle pool does not keep the runtime's process alive.
    worker.unref();
    const thread: Thread = { worker, busy: false };
    worker.on('message', (reply: FilePassReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      thread.busy = false;
      worker.unref();
      pending?.settle(reply);
      this.#dispatch();
    });
    worker.on('error', (error) => this.#lost(thread, error.message));
    worker.on('exit', (code) => this.#lost(thread, `file-pass thread exited with ${code}`));
    this.#threads.push(thread);
    return thread;
  }

  #lost(thread: Thread, why: string): void {
    const at = this.#threads.indexOf(thread);
    if (at < 0) return;
    this.#threads.splice(at, 1);
    for (const [id, pending] of this.#pending)
      if (pending.thread === thread) {
        this.#pending.delete(id);
        pending.settle({ id, error: { name: 'Error', message: why } });
      }
    if (!this.#closed) this.#dispatch();
  }
}
