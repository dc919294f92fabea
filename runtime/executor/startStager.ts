import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { workerThreadEntry } from '../workerThreadEntry.ts';
import type { StagerStart } from './stagerThread.ts';

/** Where task runners reach the stager: the url in their task spec, the token in their environment (never a tool's). */
export interface Stager {
  url: string;
  token: string;
  close(): Promise<void>;
}

/**
 * Starts the stager thread (stagerThread.ts) and resolves once it listens on 127.0.0.1. A stager that cannot
 * start is not fatal: task runners then run each phase as its own process, as before.
 */
export async function startStager(): Promise<Stager> {
  const token = randomBytes(24).toString('base64url');
  const entry = workerThreadEntry('stagerThread', new URL('./stagerThread.ts', import.meta.url));
  const thread = new Worker(entry.url, { workerData: { token } satisfies StagerStart, execArgv: entry.execArgv });
  // An idle stager does not keep the runtime's process alive.
  thread.unref();
  let ended = false;
  thread.once('exit', () => (ended = true));
  const port = await new Promise<number>((resolve, reject) => {
    thread.once('message', (message: { type?: string; port?: number }) =>
      message.type === 'listening' && message.port ? resolve(message.port) : reject(new Error('the stager did not listen')),
    );
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the stager thread ended (exit code ${code}) before it listened`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      if (ended) return; // a stager that died earlier: nothing to wait for
      thread.postMessage({ type: 'close' });
      // Phases still running are cut short (their jobs are being stopped too): at most a second's wait.
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      const timer = setTimeout(() => void thread.terminate(), 1000);
      await exited;
      clearTimeout(timer);
    },
  };
}
