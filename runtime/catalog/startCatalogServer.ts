import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const require = createRequire(import.meta.url);
// dynalite is CommonJS without types: a DynamoDB-compatible server on LevelDB.
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface CatalogServer {
  port: number;
  endpoint: string;
  close(): Promise<void>;
  /**
   * Stops the server (idle connections dropped, new ones refused, LevelDB closed), stays down for `downMs`,
   * then listens again on the same port over the same data directory (dynalite reopens it).
   */
  restart(downMs: number): Promise<void>;
}

/**
 * Starts the local DynamoDB-compatible server (dynalite, LevelDB on disk) bound to 127.0.0.1 only.
 * Tables become ACTIVE at once (`createTableMs: 0`), so no SDK waiter is needed.
 */
export async function startCatalogServer(dataDir: string, port = 0): Promise<CatalogServer> {
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    port: actualPort,
    endpoint: `http://127.0.0.1:${actualPort}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    restart: async (downMs) => {
      const closing = new Promise<Error | undefined>((resolve) => server.close((error?: Error) => resolve(error)));
      // Keep-alive connections stay busy under load: drop each the moment it is idle (a request racing onto
      // it is reset, as a crash would), never one mid-request, so the requests in flight finish and dynalite
      // closes LevelDB gracefully instead of waiting out its 30 s shutdown timeout.
      const dropIdle = setInterval(() => (server as Server & { closeIdleConnections(): void }).closeIdleConnections(), 5);
      const closeError = await closing.finally(() => clearInterval(dropIdle));
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(actualPort, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      if (closeError) throw new Error(`the catalog server was restarted, but closing it reported: ${closeError.message}`);
    },
  };
}
