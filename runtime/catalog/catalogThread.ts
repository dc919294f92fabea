/**
 * The catalog server's own thread (started by startCatalogThread.ts): runs {@link startCatalogServer} — dynalite,
 * the signature check, the body limit — on this worker thread's event loop, so catalog requests are served
 * beside the runtime's handlers instead of between them. Answers the runtime's own catalog requests sent as
 * messages (catalogThreadHandler.ts) as well as those on its socket; told by messages to restart (the test-only
 * fault) or to close; ends when closed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { CatalogThreadAnswer, CatalogThreadReply, CatalogThreadRequest, CatalogThreadStart } from './catalogThreadMessages.ts';
import { startCatalogServer } from './startCatalogServer.ts';

const start = workerData as CatalogThreadStart;
const port = parentPort!;
const server = await startCatalogServer(start.dataDir, { port: start.port, credentials: start.credentials });
const reply = (message: CatalogThreadReply) => port.postMessage(message);
reply({ type: 'listening', port: server.port });

// Answers go back together, as requests come: a message costs both threads more than its contents.
let answers: CatalogThreadAnswer[] = [];
const answer = (one: CatalogThreadAnswer) => {
  answers.push(one);
  if (answers.length === 1)
    setImmediate(() => {
      reply({ type: 'answers', batch: answers });
      answers = [];
    });
};

port.on('message', (request: CatalogThreadRequest) => {
  if (request.type === 'exchanges') {
    for (const { id, exchange } of request.batch)
      server.exchange(exchange).then(
        (answered) => answer({ id, answer: answered }),
        (error: unknown) =>
          answer({
            id,
            error: { message: error instanceof Error ? error.message : String(error), code: (error as { code?: string }).code },
          }),
      );
  } else if (request.type === 'restart') {
    server.restart(request.downMs).then(
      () => reply({ type: 'restarted', id: request.id }),
      (error: unknown) => reply({ type: 'restarted', id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
  } else {
    // LevelDB closed with the server; then nothing keeps this thread's loop alive and the thread ends.
    void server.close().then(() => port.close());
  }
});
