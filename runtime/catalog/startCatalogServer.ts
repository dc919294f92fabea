import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { type CatalogCredentials, verifySignature } from './verifySignature.ts';

export type { CatalogCredentials } from './verifySignature.ts';

const require = createRequire(import.meta.url);
closeFinishedLevelIterators();
writeItemsWithTheirIndexes();
cacheTableDescriptions();
readItemsInPlace();
// dynalite is CommonJS without types: a DynamoDB-compatible server on LevelDB.
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

/** dynalite refuses bodies over 16 MiB; a request is refused before it is read past that too. */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

export interface CatalogServer {
  port: number;
  endpoint: string;
  /** What a client must sign its requests with (SigV4, as for DynamoDB); anything else is refused. */
  credentials: CatalogCredentials;
  close(): Promise<void>;
  /**
   * Stops the server (idle connections dropped, new ones refused, LevelDB closed), stays down for `downMs`,
   * then listens again on the same port over the same data directory (dynalite reopens it).
   */
  restart(downMs: number): Promise<void>;
}

/**
 * One request handed to the server without a socket: the runtime's own client, through the catalog thread's
 * port (see catalogThreadHandler.ts). Header names are lower case, as Node gives them to a server.
 */
export interface CatalogExchange {
  method: string;
  /** The request target, e.g. `/` (query strings included). */
  url: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The server's answer to a {@link CatalogExchange}: what it would have written to the socket. */
export interface CatalogAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The server as its own thread holds it: also answers requests that come without a socket. */
export interface LocalCatalogServer extends CatalogServer {
  /**
   * Serves one request as dynalite serves one from the socket, without the HTTP parsing on either side: the
   * SDK client's HTTP handling was most of a catalog call's cost on the runtime's event loop. The request need
   * not be signed, and a signature is not checked — only code holding the thread's port can call this. While the
   * server is closed or restarting it rejects with code `ECONNREFUSED`, as the socket would, so the SDK retries.
   */
  exchange(request: CatalogExchange): Promise<CatalogAnswer>;
}

export interface CatalogServerOptions {
  /** @default 0 (any free port) */
  port?: number;
  /** The credentials clients must sign with. @default a fresh random secret for this server */
  credentials?: CatalogCredentials;
}

/** A fresh per-state-dir secret for the local catalog (the access key id names it; the secret is random). */
export function newCatalogCredentials(): CatalogCredentials {
  return { accessKeyId: 'landfall-local', secretAccessKey: randomBytes(32).toString('base64url') };
}

/**
 * Starts the local DynamoDB-compatible server (dynalite, LevelDB on disk) bound to 127.0.0.1 only, serving
 * only requests signed (AWS SigV4, as DynamoDB checks them) with `credentials`: a local process that cannot
 * read the secret (kept in the state dir, mode 0600) is refused as DynamoDB refuses a wrong key, and cannot
 * read any team's items or task tokens. Tables become ACTIVE at once (`createTableMs: 0`), so no SDK waiter
 * is needed.
 */
export async function startCatalogServer(dataDir: string, options: CatalogServerOptions = {}): Promise<LocalCatalogServer> {
  const credentials = options.credentials ?? newCatalogCredentials();
  const server = dynalite({ path: dataDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Every request is checked before dynalite sees it: take its handler and call it only for signed requests.
  const serveDynalite = server.listeners('request')[0] as (request: IncomingMessage, response: ServerResponse) => void;
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    void authorize(request, response, credentials, serveDynalite).catch((error: unknown) => {
      if (!response.headersSent) refuse(response, 500, 'InternalServerError', (error as Error).message);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  // Exchanges being answered: a close or restart lets them finish before LevelDB closes, and refuses new ones.
  const exchanges = new Set<Promise<CatalogAnswer>>();
  let refusingExchanges = false;
  const finishExchanges = async () => {
    refusingExchanges = true;
    await Promise.allSettled([...exchanges]);
  };
  return {
    port: actualPort,
    endpoint: `http://127.0.0.1:${actualPort}`,
    credentials,
    exchange: (request) => {
      if (refusingExchanges)
        return Promise.reject(Object.assign(new Error('connect ECONNREFUSED: the catalog server is down'), { code: 'ECONNREFUSED' }));
      const answer = answerWithoutSocket(request, serveDynalite);
      exchanges.add(answer);
      const forget = () => exchanges.delete(answer);
      answer.then(forget, forget);
      return answer;
    },
    close: async () => {
      await finishExchanges();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections would hold the close; requests in flight finish first.
        (server as Server & { closeIdleConnections(): void }).closeIdleConnections();
      });
    },
    restart: async (downMs) => {
      await finishExchanges();
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
      refusingExchanges = false;
      if (closeError) throw new Error(`the catalog server was restarted, but closing it reported: ${closeError.message}`);
    },
  };
}

/** Reads the request, checks its signature, and hands it (body replayed) to dynalite, or refuses it. */
async function authorize(
  request: IncomingMessage,
  response: ServerResponse,
  credentials: CatalogCredentials,
  serveDynalite: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_REQUEST_BYTES) return refuse(response, 413, 'ValidationException', 'Request body over 16 MiB');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const refusal = await verifySignature(
    { method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, body },
    credentials,
  );
  if (refusal) return refuse(response, refusal.type === 'MissingAuthenticationTokenException' ? 403 : 400, refusal.type, refusal.message);
  // dynalite reads the body from the request stream: give it one that replays what was read.
  const replay = Object.assign(Readable.from([body]), { headers: request.headers, method: request.method, url: request.url });
  serveDynalite(replay as unknown as IncomingMessage, response);
}

/**
 * What an unsigned exchange carries to dynalite in place of a signature. dynalite never checks a signature, only
 * that an Authorization header of this shape and a date are there; the socket's requests are checked before it
 * ({@link authorize}), and an exchange needs none: only code holding the thread's port can send one. Signing
 * each request was about a fifth of a catalog call's cost on the runtime's event loop (~55 of ~250 µs).
 */
const UNSIGNED_EXCHANGE_HEADERS = {
  authorization: 'AWS4-HMAC-SHA256 Credential=landfall-local/20000101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=unsigned',
  'x-amz-date': '20000101T000000Z',
};

/** Hands a request to dynalite with a stand-in for the socket's response: what dynalite writes is the answer. */
function answerWithoutSocket(
  request: CatalogExchange,
  serveDynalite: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<CatalogAnswer> {
  return new Promise<CatalogAnswer>((resolve) => {
    const headers: Record<string, string> = {};
    const answer = (statusCode: number, body: string | Uint8Array = '') =>
      resolve({ statusCode, headers, body: typeof body === 'string' ? Buffer.from(body) : body });
    if (request.body.byteLength > MAX_REQUEST_BYTES) {
      headers['content-type'] = 'application/x-amz-json-1.0';
      answer(413, JSON.stringify({ __type: 'com.amazon.coral.service#ValidationException', message: 'Request body over 16 MiB' }));
      return;
    }
    // What dynalite uses of a ServerResponse: statusCode, setHeader, end (and a contentType it sets itself).
    const response = {
      statusCode: 200,
      setHeader: (name: string, value: string | number) => {
        headers[name.toLowerCase()] = String(value);
      },
      end: (body?: string | Uint8Array) => answer(response.statusCode, body),
    };
    const body = Buffer.from(request.body.buffer, request.body.byteOffset, request.body.byteLength);
    const sent = request.headers.authorization ? request.headers : { ...request.headers, ...UNSIGNED_EXCHANGE_HEADERS };
    const replay = Object.assign(Readable.from([body]), { headers: sent, method: request.method, url: request.url });
    serveDynalite(replay as unknown as IncomingMessage, response as unknown as ServerResponse);
  });
}

function refuse(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify({ __type: `com.amazon.coral.service#${type}`, message }));
}

/**
 * dynalite 4.0.0 turns each LevelDB iterator into a stream whose end calls `iterator.return()` to close it,
 * but abstract-level's iterators have no `return()`: every Query and Scan left one LevelDB iterator open
 * (each pinning a snapshot and native memory) — thousands in a busy day, never freed. Giving abstract-level's
 * iterators the `return()` dynalite expects (close, as the async-iterator protocol's return does) closes each
 * one when its stream ends or is destroyed. Applied to the abstract-level copy dynalite's LevelDB uses.
 */
function closeFinishedLevelIterators(): void {
  const levelRequire = createRequire(require.resolve('dynalite'));
  const abstractLevel = createRequire(levelRequire.resolve('classic-level'))('abstract-level') as Record<string, { prototype: object }>;
  for (const name of ['AbstractIterator', 'AbstractKeyIterator', 'AbstractValueIterator']) {
    const prototype = abstractLevel[name]?.prototype as { close?: () => Promise<void> } | undefined;
    if (!prototype?.close || 'return' in prototype) continue;
    Object.defineProperty(prototype, 'return', {
      configurable: true,
      writable: true,
      value: async function closeIterator(this: { close(): Promise<void> }) {
        await this.close();
        return { done: true, value: undefined };
      },
    });
  }
}

/** What dynalite's `db` module offers that {@link writeItemsWithTheirIndexes} uses (CommonJS, untyped). */
interface DynaliteDb {
  create(options: object): DynaliteStore;
  updateIndexes(store: DynaliteStore, table: DynaliteTable, existing: DynaliteItem | null, item: DynaliteItem | null, cb: Callback): void;
  getIndexActions(
    indexes: readonly { IndexName: string }[],
    existing: DynaliteItem | null,
    item: DynaliteItem | null,
    table: DynaliteTable,
  ): { puts: { index: string; key: string; item: DynaliteItem }[]; deletes: { index: string; key: string }[] };
  createKey(item: DynaliteItem, table: DynaliteTable): string;
}
type DynaliteItem = Record<string, unknown>;
/** One write of a LevelDB batch, as dynalite's database takes it. */
type LevelOperation = { type: 'put' | 'del'; key: string; value?: unknown };
type Callback = (error?: Error | null) => void;
interface DynaliteTable {
  TableName: string;
  LocalSecondaryIndexes?: { IndexName: string }[];
  GlobalSecondaryIndexes?: { IndexName: string }[];
}
interface DynaliteStore {
  db: DynaliteLevel;
  tableDb: DynaliteTableDb;
}
/** dynalite's LevelDB (classic-level), with the callback methods dynalite wraps it in. */
interface DynaliteLevel {
  status: string;
  get(key: string, cb?: (error: Error | null, value?: unknown) => void): unknown;
  getSync(key: string): unknown;
  put(key: string, value: unknown, cb?: Callback): unknown;
  del(key: string, cb?: Callback): unknown;
  batch(operations: LevelOperation[], cb: Callback): void;
}
/** The `table~` part of dynalite's database: one JSON table description per table name. */
interface DynaliteTableDb {
  get(name: string, cb: (error: Error | null | undefined, table?: DynaliteTable) => void): void;
  put(name: string, table: DynaliteTable, cb: Callback): void;
  del(name: string, cb: Callback): void;
  batch(operations: LevelOperation[], cb: Callback): void;
}

/**
 * dynalite 4.0.0 writes an item's index entries (deletes, then puts) and then the item, each its own LevelDB
 * write: a runtime killed between them left an item whose index entry was gone — a sample VALIDATING in its
 * record that no status query returned, so the start-up sweep never re-validated it (the crash-recovery flake).
 * DynamoDB keeps an item and its indexes consistent. Here the index changes and the item's own write go to
 * LevelDB as ONE batch (atomic on disk); dynalite then writes the item again, the same value. Every item
 * write (PutItem, UpdateItem, DeleteItem, BatchWriteItem) goes through `updateIndexes`. Keys follow dynalite's
 * one-database layout: `item-<table>~<key>`, `index-<local|global>~<table>~<index>~<key>`.
 *
 * dynalite's write of the item again, which follows at once (in the batch's callback), is answered without
 * writing: in a catalog under load it was a third of the thread pool's LevelDB work and one more wait per write
 * (issue 20). Only that very write is skipped — the same key and the same item object, while the callback runs.
 *
 * Writes that come while one is with LevelDB go together as the next batch (a group commit): each hand-over to
 * libuv's thread pool cost the catalog thread more than the write itself under load. A group is one atomic
 * batch, and each write is answered only once its group is on disk. Two writes of one item are never in one
 * group: dynalite holds the item's lock until its write is answered.
 */
function writeItemsWithTheirIndexes(): void {
  const db = createRequire(require.resolve('dynalite'))('./db') as DynaliteDb;
  const DELETED = Symbol('deleted');
  type Writer = { key: string; value: unknown; cb: Callback };
  /** Per store: the batch with LevelDB, the writes waiting for it, and what a finished batch wrote under each key. */
  type StoreWrites = { writing: boolean; waiting: { operations: LevelOperation[]; writers: Writer[] }; written: Map<string, unknown> };
  const stores = new WeakMap<DynaliteStore, StoreWrites>();
  const create = db.create;
  db.create = function createWritingTogether(options) {
    const store = create(options);
    const writes: StoreWrites = { writing: false, waiting: { operations: [], writers: [] }, written: new Map() };
    stores.set(store, writes);
    const level = store.db;
    const { put, del } = level;
    level.put = (key, value, cb) => {
      if (cb && writes.written.get(key) === value) return void process.nextTick(cb, null);
      return put.call(level, key, value, cb);
    };
    level.del = (key, cb) => {
      if (cb && writes.written.get(key) === DELETED) return void process.nextTick(cb, null);
      return del.call(level, key, cb);
    };
    return store;
  };
  const writeWaiting = (store: DynaliteStore, writes: StoreWrites) => {
    const { operations, writers } = writes.waiting;
    writes.waiting = { operations: [], writers: [] };
    writes.writing = true;
    store.db.batch(operations, (error) => {
      writes.writing = false;
      if (writes.waiting.writers.length > 0) writeWaiting(store, writes);
      let thrown: unknown;
      for (const { key, value, cb } of writers) {
        if (!error) writes.written.set(key, value);
        try {
          cb(error);
        } catch (caught) {
          thrown ??= caught; // every writer is answered; the first error is thrown after
        } finally {
          writes.written.delete(key);
        }
      }
      if (thrown !== undefined) throw thrown;
    });
  };
  db.updateIndexes = function updateIndexesWithItem(store, table, existing, item, cb) {
    const written = item ?? existing;
    if (!written) return cb();
    const operations: LevelOperation[] = [];
    for (const kind of ['Local', 'Global'] as const) {
      const indexes = table[`${kind}SecondaryIndexes`] ?? [];
      const { puts, deletes } = db.getIndexActions(indexes, existing, item, table);
      const prefix = (index: string) => `index-${kind.toLowerCase()}~${table.TableName}~${index}~`;
      // Deletes first, as dynalite orders them: an entry whose key did not change is put after.
      for (const { index, key } of deletes) operations.push({ type: 'del', key: prefix(index) + key });
      for (const { index, key, item: entry } of puts) operations.push({ type: 'put', key: prefix(index) + key, value: entry });
    }
    const itemKey = `item-${table.TableName}~${db.createKey(written, table)}`;
    operations.push(item ? { type: 'put', key: itemKey, value: item } : { type: 'del', key: itemKey });
    const writes = stores.get(store);
    if (!writes) return store.db.batch(operations, cb);
    writes.waiting.operations.push(...operations);
    writes.waiting.writers.push({ key: itemKey, value: item ?? DELETED, cb });
    if (!writes.writing) writeWaiting(store, writes);
  };
}

/**
 * dynalite reads the table's description from LevelDB (a get and a JSON decode) at the start of every request —
 * in a traced pipeline run, two thirds of the catalog thread's LevelDB reads, for a value that changes only
 * when a table is created, updated or deleted. Each store keeps the descriptions it read, as JSON (every reader
 * gets its own copy to change, as from LevelDB); every write of a description (those three actions, and
 * dynalite's status changes after them) goes through `tableDb.put`/`del`/`batch` and drops the name before and
 * after it, and a read that overlapped a write is not kept.
 */
function cacheTableDescriptions(): void {
  const db = createRequire(require.resolve('dynalite'))('./db') as DynaliteDb;
  const create = db.create;
  db.create = function createWithTableCache(options) {
    const store = create(options);
    const tableDb = store.tableDb;
    const cached = new Map<string, string>();
    const writes = new Map<string, number>(); // changes every time a write of the name starts or ends
    const written = (name: string) => {
      cached.delete(name);
      writes.set(name, (writes.get(name) ?? 0) + 1);
    };
    const read = tableDb.get.bind(tableDb);
    tableDb.get = (name, cb) => {
      const json = cached.get(name);
      if (json !== undefined) return process.nextTick(cb, null, JSON.parse(json) as DynaliteTable);
      const before = writes.get(name) ?? 0;
      read(name, (error, table) => {
        if (!error && table && (writes.get(name) ?? 0) === before) cached.set(name, JSON.stringify(table));
        cb(error, table);
      });
    };
    // dynalite always passes a callback; one that is missing is tolerated (the write is then fire-and-forget).
    const after = (names: string[], cb: Callback | undefined) => (error?: Error | null) => {
      for (const name of names) written(name);
      cb?.(error);
    };
    const put = tableDb.put.bind(tableDb);
    tableDb.put = (name, table, cb) => {
      written(name);
      put(name, table, after([name], cb));
    };
    const del = tableDb.del.bind(tableDb);
    tableDb.del = (name, cb) => {
      written(name);
      del(name, after([name], cb));
    };
    const batch = tableDb.batch.bind(tableDb);
    tableDb.batch = (operations, cb) => {
      const names = operations.map((operation) => operation.key);
      for (const name of names) written(name);
      batch(operations, after(names, cb));
    };
    return store;
  };
}

/**
 * An item is read with LevelDB's synchronous get on the catalog thread, not as a task for libuv's thread pool:
 * a read from LevelDB's memory or the page cache takes microseconds, while the pool's queue (shared with every
 * file read of the process) made each read of a PutItem, UpdateItem or GetItem wait — the catalog's answers
 * lagged most under load (issue 20). The answer still comes on a later tick, as dynalite expects. Only item
 * keys, and only while no write of that key is under way (then, and for anything else, the pool's read as before).
 */
function readItemsInPlace(): void {
  const db = createRequire(require.resolve('dynalite'))('./db') as DynaliteDb;
  const create = db.create;
  db.create = function createReadingItemsInPlace(options) {
    const store = create(options);
    const level = store.db;
    const writing = new Map<string, number>(); // per key, its writes under way
    const track = (keys: string[], cb: Callback | undefined): Callback => {
      for (const key of keys) writing.set(key, (writing.get(key) ?? 0) + 1);
      return (error) => {
        for (const key of keys) {
          const left = (writing.get(key) ?? 1) - 1;
          if (left > 0) writing.set(key, left);
          else writing.delete(key);
        }
        cb?.(error);
      };
    };
    const { get, put, del, batch } = level;
    level.put = (key, value, cb) => put.call(level, key, value, track([key], cb));
    level.del = (key, cb) => del.call(level, key, track([key], cb));
    level.batch = (operations, cb) =>
      batch.call(
        level,
        operations,
        track(
          operations.map((operation) => operation.key),
          cb,
        ),
      );
    level.get = (key, cb) => {
      if (!cb || !key.startsWith('item-') || writing.has(key) || level.status !== 'open') return get.call(level, key, cb);
      let value: unknown;
      try {
        value = level.getSync(key);
      } catch {
        return get.call(level, key, cb); // as the pool's read would fail, or succeed once the database is open
      }
      process.nextTick(cb, null, value);
    };
    return store;
  };
}
