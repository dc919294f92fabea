import { Worker } from 'node:worker_threads';
import { workerThreadEntry } from '../workerThreadEntry.ts';
import type { CatalogThreadReply, CatalogThreadRequest, CatalogThreadStart } from './catalogThreadMessages.ts';
import { type CatalogServer, type CatalogServerOptions, newCatalogCredentials } from './startCatalogServer.ts';

/** How long a closing thread may take to finish its requests and close LevelDB before it is ended. */
const CLOSE_GRACE_MS = 1200;

export interface CatalogThreadOptions extends CatalogServerOptions {
  /** Called if the thread ends without being closed (the catalog is then gone: the caller stops). */
  onUnexpectedExit?: (message: string) => void;
}

/**
 * {@link startCatalogServer}'s server — 127.0.0.1 only, signed requests only, the 16 MiB body limit — run on
 * its own worker thread: dynalite's request handling, signature checks and LevelDB encoding then take the
 * second core instead of the runtime's event loop, where they were the largest CPU cost between handlers.
 * Same interface: `restart` (the test-only fault) and `close` are passed to the thread. The thread dies with
 * the process, so a killed runtime leaves no server holding the data directory's LevelDB lock.
 */
export async function startCatalogThread(dataDir: string, options: CatalogThreadOptions = {}): Promise<CatalogServer> {
  const credentials = options.credentials ?? newCatalogCredentials();
  const start: CatalogThreadStart = { dataDir, port: options.port ?? 0, credentials };
  const entry = workerThreadEntry('catalogThread', new URL('./catalogThread.ts', import.meta.url));
  const thread = new Worker(entry.url, { workerData: start, execArgv: entry.execArgv });
  const restarts = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextRestart = 0;
  let closing = false;
  let exited = false;
  let lastError: Error | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    let listening = false;
    thread.on('message', (reply: CatalogThreadReply) => {
      if (reply.type === 'listening') {
        listening = true;
        resolve(reply.port);
        return;
      }
      const waiter = restarts.get(reply.id);
      restarts.delete(reply.id);
      if (reply.error) waiter?.reject(new Error(reply.error));
      else waiter?.resolve();
    });
    thread.on('error', (error) => {
      lastError = error;
      if (!listening) reject(error);
    });
    thread.on('exit', (code) => {
      exited = true;
      if (!listening) reject(lastError ?? new Error(`the catalog thread ended (exit code ${code}) before it listened`));
      for (const waiter of restarts.values()) waiter.reject(new Error('the catalog thread ended'));
      restarts.clear();
      if (!closing) options.onUnexpectedExit?.(`the catalog server's thread ended: ${lastError?.message ?? `exit code ${code}`}`);
    });
  });
  const send = (request: CatalogThreadRequest) => thread.postMessage(request);
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    close: async () => {
      if (closing || exited) return;
      closing = true;
      const ended = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      send({ type: 'close' });
      // Requests in flight finish and LevelDB closes; a thread that cannot within the grace is ended.
      const timer = setTimeout(() => void thread.terminate(), CLOSE_GRACE_MS);
      await ended;
      clearTimeout(timer);
    },
    restart: (downMs) =>
      new Promise<void>((resolve, reject) => {
        const id = nextRestart++;
        restarts.set(id, { resolve, reject });
        send({ type: 'restart', id, downMs });
      }),
  };
}
