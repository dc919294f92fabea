/**
 * The local catalog server in a process of its own, so a test can SIGKILL it mid-write:
 * `node --import tsx catalogServerProcess.ts <dataDir> <accessKeyId> <secretAccessKey> [writeDelayMs]` prints
 * `{"port":…}` once it listens, then serves until killed. `writeDelayMs` holds every LevelDB write (put, del,
 * batch) that long before it is issued, so a kill lands between the writes of one request, not only by luck.
 */
import { createRequire } from 'node:module';
import { startCatalogServer } from '../../runtime/catalog/startCatalogServer.ts';

const [dataDir, accessKeyId, secretAccessKey, writeDelayMs] = process.argv.slice(2);
if (!dataDir || !accessKeyId || !secretAccessKey)
  throw new Error('usage: catalogServerProcess.ts <dataDir> <accessKeyId> <secretAccessKey> [writeDelayMs]');
if (writeDelayMs) delayLevelWrites(Number(writeDelayMs));
const server = await startCatalogServer(dataDir, { credentials: { accessKeyId, secretAccessKey } });
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

/** Delays each write of the abstract-level copy dynalite's LevelDB uses (before dynalite binds them). */
function delayLevelWrites(ms: number): void {
  const levelRequire = createRequire(createRequire(import.meta.url).resolve('dynalite'));
  const { AbstractLevel } = createRequire(levelRequire.resolve('classic-level'))('abstract-level') as {
    AbstractLevel: { prototype: Record<'put' | 'del' | 'batch', (...args: unknown[]) => unknown> };
  };
  for (const method of ['put', 'del', 'batch'] as const) {
    const write = AbstractLevel.prototype[method];
    AbstractLevel.prototype[method] = async function delayedWrite(this: unknown, ...args: unknown[]) {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return write.apply(this, args);
    };
  }
}
