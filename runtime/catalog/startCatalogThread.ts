import { Worker } from 'node:worker_threads';
import { workerThreadEntry } from '../workerThreadEntry.ts';
import { CatalogThreadHandler } from './catalogThreadHandler.ts';
import type { CatalogThreadReply, CatalogThreadRequest, CatalogThreadStart } from './catalogThreadMessages.ts';
import {
  type CatalogAnswer,
  type CatalogExchange,
  type CatalogServer,
  type CatalogServerOptions,
  newCatalogCredentials,
} from './startCatalogServer.ts';

/** How long a closing thread may take to finish its requests and close LevelDB before it is ended. */
const CLOSE_GRACE_MS = 1200;

export interface CatalogThreadOptions extends CatalogServerOptions {
  /** Called if the thread ends without being closed (the catalog is then gone: the caller stops). */
  onUnexpectedExit?: (message: string) => void;
}

/** The catalog server on its thread, and a way for this process's clients to reach it without a socket. */
export interface CatalogThread extends CatalogServer {
  /** An SDK request handler that sends requests to the thread as messages (see {@link CatalogThreadHandler}). */
  requestHandler(maxInFlight: number): CatalogThreadHandler;
}

/**
 * {@link startCatalogServer}'s server — 127.0.0.1 only, signed requests only, the 16 MiB body limit — run on
 * its own worker thread: dynalite's request handling, signature checks and LevelDB encoding then take the
 * second core instead of the runtime's event loop, where they were the largest CPU cost between handlers.
 * Same interface: `restart` (the test-only fault) and `close` are passed to the thread. The thread dies with
 * the process, so a killed runtime leaves no server holding the data directory's LevelDB lock.
 */
export async function startCatalogThread(dataDir: string, options: CatalogThreadOptions = {}): Promise<CatalogThread> {
  const credentials = options.credentials ?? newCatalogCredentials();
  const start: CatalogThreadStart = { dataDir, port: options.port ?? 0, credentials };
  const entry = workerThreadEntry('catalogThread', new URL('./catalogThread.ts', import.meta.url));
  const thread = new Worker(entry.url, { workerData: start, execArgv: entry.execArgv });
  const restarts = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextRestart = 0;
  const exchanges = new Map<number, { resolve: (answer: CatalogAnswer) => void; reject: (error: Error) => void }>();
  let nextExchange = 0;
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
      if (reply.type === 'answers') {
        for (const { id, answer, error } of reply.batch) {
          const exchange = exchanges.get(id);
          exchanges.delete(id);
          if (answer) exchange?.resolve(answer);
          else exchange?.reject(Object.assign(new Error(error?.message ?? 'no answer'), { code: error?.code }));
        }
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
      // As a socket whose server died: the SDK may retry, and finds the thread gone.
      for (const exchange of exchanges.values())
        exchange.reject(Object.assign(new Error('socket hang up: the catalog thread ended'), { code: 'ECONNRESET' }));
      exchanges.clear();
      if (!closing) options.onUnexpectedExit?.(`the catalog server's thread ended: ${lastError?.message ?? `exit code ${code}`}`);
    });
  });
  const send = (request: CatalogThreadRequest) => thread.postMessage(request);
  // Requests made in one turn of the event loop go as one message: each message wakes the thread, and posting
  // one cost the runtime's loop ~50 µs, a sixth of a catalog call.
  let outbox: { id: number; exchange: CatalogExchange }[] = [];
  const post = (id: number, exchange: CatalogExchange) => {
    outbox.push({ id, exchange });
    if (outbox.length === 1)
      setImmediate(() => {
        send({ type: 'exchanges', batch: outbox });
        outbox = [];
      });
  };
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    credentials,
    requestHandler: (maxInFlight) =>
      new CatalogThreadHandler(
        (exchange) =>
          new Promise<CatalogAnswer>((resolve, reject) => {
            if (exited) {
              reject(Object.assign(new Error('connect ECONNREFUSED: the catalog thread ended'), { code: 'ECONNREFUSED' }));
              return;
            }
            const id = nextExchange++;
            exchanges.set(id, { resolve, reject });
            post(id, exchange);
          }),
        maxInFlight,
      ),
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
