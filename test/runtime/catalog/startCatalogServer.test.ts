import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  ScanCommand,
  type TableDescription,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../functions/catalog/Catalog.ts';
import { type CatalogServer, startCatalogServer } from '../../../runtime/catalog/startCatalogServer.ts';

describe('startCatalogServer (the local DynamoDB-compatible catalog)', () => {
  let dir: string;
  let server: CatalogServer;
  const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
    new DynamoDBClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-catalog-auth-'));
    server = await startCatalogServer(dir);
    const catalog = new Catalog('landfall-catalog', client(server.credentials));
    await catalog.ensureTable();
    await catalog.facts.claim('secret-fact', 'Sample Landed'); // an item another team must not read
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves a client that signs with the state dir’s secret', async () => {
    // Act
    const { Items } = await client(server.credentials).send(new ScanCommand({ TableName: 'landfall-catalog' }));
    // Assess
    expect(Items?.length).toBeGreaterThan(0);
  });

  it.each([
    {
      case: 'the old fixed local credentials',
      credentials: { accessKeyId: 'landfall-local', secretAccessKey: 'landfall-local' },
      error: 'InvalidSignatureException',
    },
    { case: 'another access key', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' }, error: 'UnrecognizedClientException' },
  ])('refuses $case as DynamoDB would (finding 5: any local process could scan every item)', async ({ credentials, error }) => {
    // Act
    const attempt = client(credentials).send(new ScanCommand({ TableName: 'landfall-catalog' }));
    // Assess
    await expect(attempt).rejects.toMatchObject({ name: error });
  });

  it('closes the LevelDB iterator of every query (dynalite left one open per Query: memory that never came back)', async () => {
    // Prepare: count closes of abstract-level's value iterators (the ones dynalite's queries read through)
    const levelRequire = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const abstractLevel = createRequire(levelRequire.resolve('classic-level'))('abstract-level') as {
      AbstractValueIterator: { prototype: { close(): Promise<void> } };
    };
    const prototype = abstractLevel.AbstractValueIterator.prototype;
    const close = prototype.close;
    let closed = 0;
    prototype.close = function countedClose(this: unknown) {
      closed++;
      return close.call(this);
    };
    const catalog = new Catalog('landfall-catalog', client(server.credentials));
    try {
      // Act
      for (let i = 0; i < 50; i++) await catalog.samples.listInRun('genomics', 'RUN1');
    } finally {
      prototype.close = close;
    }
    // Assess
    expect(closed).toBeGreaterThanOrEqual(50);
  });

  it('reads a table description from LevelDB once, not at every request (two thirds of its reads in a traced run)', async () => {
    // Prepare: count LevelDB reads of table descriptions (dynalite keys them `table~<name>`)
    const levelRequire = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { ClassicLevel } = levelRequire('classic-level') as {
      ClassicLevel: { prototype: { _get(key: unknown, ...rest: unknown[]): unknown } };
    };
    const get = ClassicLevel.prototype._get;
    let descriptionReads = 0;
    ClassicLevel.prototype._get = function countedGet(this: unknown, key: unknown, ...rest: unknown[]) {
      if (String(key instanceof Uint8Array ? Buffer.from(key) : key).startsWith('table~')) descriptionReads++;
      return get.call(this, key, ...rest);
    };
    const catalog = new Catalog('landfall-catalog', client(server.credentials));
    try {
      // Act
      for (let i = 0; i < 50; i++) await catalog.facts.claim(`fact-${i}`, 'Sample Landed');
    } finally {
      ClassicLevel.prototype._get = get;
    }
    // Assess
    expect(descriptionReads).toBeLessThanOrEqual(1);
  });

  it('writes an item to LevelDB once, and reads items without the thread pool (issue 20: each wait of a write under load)', async () => {
    // Prepare: count LevelDB's calls on item keys (dynalite keys them `item-<table>~…`): writes, and reads by way of
    // the thread pool (_get) or in place (_getSync)
    const levelRequire = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { ClassicLevel } = levelRequire('classic-level') as {
      ClassicLevel: { prototype: Record<'_get' | '_getSync' | '_put' | '_batch', (...args: unknown[]) => unknown> };
    };
    const prototype = ClassicLevel.prototype;
    const originals = { _get: prototype._get, _getSync: prototype._getSync, _put: prototype._put, _batch: prototype._batch };
    const counts = { poolReads: 0, inPlaceReads: 0, puts: 0, batchedWrites: 0, batches: 0 };
    const isItem = (key: unknown) => String(key instanceof Uint8Array ? Buffer.from(key) : key).startsWith('item-');
    prototype._get = function (this: unknown, key: unknown, ...rest: unknown[]) {
      if (isItem(key)) counts.poolReads++;
      return originals._get.call(this, key, ...rest);
    };
    prototype._getSync = function (this: unknown, key: unknown, ...rest: unknown[]) {
      if (isItem(key)) counts.inPlaceReads++;
      return originals._getSync.call(this, key, ...rest);
    };
    prototype._put = function (this: unknown, key: unknown, ...rest: unknown[]) {
      if (isItem(key)) counts.puts++;
      return originals._put.call(this, key, ...rest);
    };
    prototype._batch = function (this: unknown, operations: unknown, ...rest: unknown[]) {
      const items = (operations as { key: unknown }[]).filter((operation) => isItem(operation.key)).length;
      counts.batchedWrites += items;
      if (items > 0) counts.batches++;
      return originals._batch.call(this, operations, ...rest);
    };
    const catalog = new Catalog('landfall-catalog', client(server.credentials));
    let claimed: boolean[];
    let wentOut: boolean;
    try {
      // Act: 10 conditional puts (each reads the item first), 10 updates (the same), a read of one
      claimed = [];
      for (let i = 0; i < 10; i++) claimed.push(await catalog.facts.claim(`once-${i}`, 'Sample Landed'));
      for (let i = 0; i < 10; i++) await catalog.facts.markPublished(`once-${i}`);
      wentOut = await catalog.facts.wentOut('once-3');
    } finally {
      Object.assign(prototype, originals);
    }
    // Assess: every write in one batch with its indexes and none again; every read in place; and what was written
    // is what is read, here and from LevelDB's disk after a restart
    expect(claimed).toEqual(Array(10).fill(true));
    expect(wentOut).toBe(true);
    expect(counts).toEqual({ poolReads: 0, inPlaceReads: 21, puts: 0, batchedWrites: 20, batches: 20 });
    await server.restart(0);
    expect(await catalog.facts.wentOut('once-7')).toBe(true);
    expect(await catalog.facts.claim('once-7', 'Sample Landed')).toBe(false);
  });

  it('writes what comes while a write is with LevelDB together, each answered once its batch is on disk (a group commit)', async () => {
    // Prepare: count LevelDB batches
    const levelRequire = createRequire(createRequire(import.meta.url).resolve('dynalite'));
    const { ClassicLevel } = levelRequire('classic-level') as { ClassicLevel: { prototype: { _batch: (...args: unknown[]) => unknown } } };
    const batch = ClassicLevel.prototype._batch;
    let batches = 0;
    ClassicLevel.prototype._batch = function (this: unknown, ...args: unknown[]) {
      batches++;
      return batch.apply(this, args);
    };
    const catalog = new Catalog('landfall-catalog', client(server.credentials));
    let claimed: boolean[];
    let claimedAgain: boolean[];
    try {
      // Act: 40 claims at once, then the same 40 again at once (each a conditional put: only the first may claim)
      const keys = Array.from({ length: 40 }, (_, i) => `together-${i}`);
      claimed = await Promise.all(keys.map((key) => catalog.facts.claim(key, 'Sample Landed')));
      claimedAgain = await Promise.all(keys.map((key) => catalog.facts.claim(key, 'Sample Landed')));
    } finally {
      ClassicLevel.prototype._batch = batch;
    }
    // Assess: every claim made once, in fewer batches than writes; all of them on disk after a restart
    expect(claimed).toEqual(Array(40).fill(true));
    expect(claimedAgain).toEqual(Array(40).fill(false));
    expect(batches).toBeLessThan(40);
    await server.restart(0);
    const afterRestart = await Promise.all(Array.from({ length: 40 }, (_, i) => catalog.facts.claim(`together-${i}`, 'Sample Landed')));
    expect(afterRestart).toEqual(Array(40).fill(false));
  });

  it('serves every change of a table: new throughput, a deleted table, a table created again with another key', async () => {
    // Prepare: a provisioned table, read so its description is kept
    const dynamo = client(server.credentials);
    const TableName = 'described';
    const attribute = (name: string) => ({ AttributeName: name, AttributeType: 'S' as const });
    const throughput = (units: number) => ({ ReadCapacityUnits: units, WriteCapacityUnits: units });
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [attribute('pk')],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        ProvisionedThroughput: throughput(1),
      }),
    );
    // A new table is CREATING for a moment even with createTableMs 0 (DynamoDB answers ResourceNotFound then, so
    // does dynalite): wait for ACTIVE, as Catalog.ensureTable does.
    const activeWhen = async (holds: (table: TableDescription) => boolean) => {
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
        const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
        if (Table?.TableStatus === 'ACTIVE' && holds(Table)) return Table;
      }
      return undefined;
    };
    await activeWhen(() => true);
    await dynamo.send(new PutItemCommand({ TableName, Item: { pk: { S: 'a' } } }));
    // Act 1: new throughput (dynalite writes the description twice: UPDATING, then ACTIVE with the new units)
    await dynamo.send(new UpdateTableCommand({ TableName, ProvisionedThroughput: throughput(5) }));
    const active = await activeWhen((table) => table.ProvisionedThroughput?.ReadCapacityUnits === 5);
    // Act 2: the table deleted, then created again keyed by another attribute
    await dynamo.send(new DeleteTableCommand({ TableName }));
    const afterDelete = dynamo.send(new GetItemCommand({ TableName, Key: { pk: { S: 'a' } } }));
    await expect(afterDelete).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await dynamo.send(
      new CreateTableCommand({
        TableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [attribute('id')],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    await activeWhen((table) => table.KeySchema?.[0]?.AttributeName === 'id');
    const oldKey = await dynamo.send(new PutItemCommand({ TableName, Item: { pk: { S: 'c' } } })).catch((error: unknown) => error);
    await dynamo.send(new PutItemCommand({ TableName, Item: { id: { S: 'c' } } }));
    // Assess
    expect(active?.ProvisionedThroughput?.WriteCapacityUnits).toBe(5);
    expect(oldKey).toMatchObject({ name: 'ValidationException' });
    expect((await dynamo.send(new GetItemCommand({ TableName, Key: { id: { S: 'c' } } }))).Item).toEqual({ id: { S: 'c' } });
    expect((await dynamo.send(new ScanCommand({ TableName }))).Items).toEqual([{ id: { S: 'c' } }]);
  });

  it('refuses an unsigned request and a signed one whose body was changed', async () => {
    // Prepare: a correctly signed ListTables, captured on the wire, then replayed as a Scan
    let captured: { headers: Record<string, string>; body: string } | undefined;
    const spy = client(server.credentials);
    spy.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string };
        // fetch sets the length (and the same host) itself
        const { 'content-length': _length, host: _host, ...headers } = request.headers;
        captured = { headers, body: request.body };
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await spy.send(new ListTablesCommand({}));
    const post = (headers: Record<string, string>, body: string) =>
      fetch(server.endpoint, { method: 'POST', headers, body }).then(async (response) => ({
        status: response.status,
        type: ((await response.json()) as { __type: string }).__type,
      }));
    // Act
    const unsigned = await post(
      { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' },
      '{"TableName":"landfall-catalog"}',
    );
    const tampered = await post({ ...captured!.headers, 'x-amz-target': 'DynamoDB_20120810.Scan' }, '{"TableName":"landfall-catalog"}');
    const replayed = await post(captured!.headers, captured!.body);
    // Assess
    expect(unsigned).toEqual({ status: 403, type: 'com.amazon.coral.service#MissingAuthenticationTokenException' });
    expect(tampered).toEqual({ status: 400, type: 'com.amazon.coral.service#InvalidSignatureException' });
    expect(replayed.status).toBe(200);
  });
});
