import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../functions/catalog/Catalog.ts';
import { signNothing } from '../../../runtime/catalog/catalogThreadHandler.ts';
import { type CatalogThread, startCatalogThread } from '../../../runtime/catalog/startCatalogThread.ts';

/** A POST from another process (the test's own thread blocked meanwhile when `spawnSync` runs it): status and __type. */
const POST_FROM_CHILD = `
const [endpoint, size] = process.argv.slice(1);
fetch(endpoint, {
  method: 'POST',
  headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Scan' },
  body: size ? 'x'.repeat(Number(size)) : '{"TableName":"landfall-catalog"}',
}).then(async (response) => console.log(response.status, (await response.json()).__type), (error) => console.log('failed', error.cause?.code ?? error.message));
`;

describe('startCatalogThread (the catalog server on its own worker thread, issue 20)', () => {
  let dir: string;
  let server: CatalogThread;
  const client = (credentials = server.credentials) =>
    new DynamoDBClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 });
  /** The runtime's own client: requests as messages to the thread, no socket. */
  const portClient = () =>
    new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: server.credentials,
      maxAttempts: 1,
      requestHandler: server.requestHandler(4),
    });
  const postFromChild = (size?: number) =>
    spawnSync(process.execPath, ['-e', POST_FROM_CHILD, server.endpoint, String(size ?? '')], {
      encoding: 'utf8',
      timeout: 20_000,
    }).stdout.trim();

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-catalog-thread-'));
    server = await startCatalogThread(dir);
    const catalog = new Catalog('landfall-catalog', client());
    await catalog.ensureTable();
    await catalog.facts.claim('kept-fact', 'Sample Landed');
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves on 127.0.0.1 a client that signs with the server’s secret, and refuses another key', async () => {
    // Act
    const { Items } = await client().send(new ScanCommand({ TableName: 'landfall-catalog' }));
    const other = client({ accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' }).send(new ScanCommand({ TableName: 'landfall-catalog' }));
    // Assess
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Items?.length).toBe(1);
    await expect(other).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  });

  it('serves requests sent as messages the same items and the same errors as its socket', async () => {
    // Prepare
    const item = { pk: { S: 'PORT#1' }, sk: { S: 'ITEM' }, note: { S: 'é'.repeat(3) }, n: { N: '7' } };
    // Act: written through the thread's port, read back through the socket and the port; then a conditional write that must fail
    await portClient().send(new PutItemCommand({ TableName: 'landfall-catalog', Item: item }));
    const viaSocket = await client().send(new GetItemCommand({ TableName: 'landfall-catalog', Key: { pk: item.pk, sk: item.sk } }));
    const viaPort = await portClient().send(new GetItemCommand({ TableName: 'landfall-catalog', Key: { pk: item.pk, sk: item.sk } }));
    const again = portClient().send(
      new PutItemCommand({ TableName: 'landfall-catalog', Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    // Assess
    expect(viaSocket.Item).toEqual(item);
    expect(viaPort.Item).toEqual(item);
    await expect(again).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('serves unsigned requests sent as messages (only this process holds the port), and still refuses them on its socket', async () => {
    // Prepare: clients that sign nothing, one sending through the thread's port, one over the socket
    const unsignedPort = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: server.credentials,
      maxAttempts: 1,
      requestHandler: server.requestHandler(4),
      signer: signNothing,
    });
    const unsignedSocket = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: server.credentials,
      maxAttempts: 1,
      signer: signNothing,
    });
    const item = { pk: { S: 'PORT#unsigned' }, sk: { S: 'ITEM' }, n: { N: '1' } };
    // Act
    await unsignedPort.send(new PutItemCommand({ TableName: 'landfall-catalog', Item: item }));
    const viaPort = await unsignedPort.send(new GetItemCommand({ TableName: 'landfall-catalog', Key: { pk: item.pk, sk: item.sk } }));
    const viaSocket = unsignedSocket.send(new GetItemCommand({ TableName: 'landfall-catalog', Key: { pk: item.pk, sk: item.sk } }));
    // Assess
    expect(viaPort.Item).toEqual(item);
    await expect(viaSocket).rejects.toMatchObject({ name: 'MissingAuthenticationTokenException' });
    // The later tests count the table's items
    await unsignedPort.send(new DeleteItemCommand({ TableName: 'landfall-catalog', Key: { pk: item.pk, sk: item.sk } }));
  });

  it('answers while this thread is blocked (the server runs on its own event loop), refusing the unsigned request', () => {
    // Act: spawnSync blocks this thread until the child has its answer (a server on this thread could not give one)
    const answer = postFromChild();
    // Assess
    expect(answer).toBe('403 com.amazon.coral.service#MissingAuthenticationTokenException');
  });

  it('refuses a body over 16 MiB before reading it all', () => {
    // Act
    const answer = postFromChild(16 * 1024 * 1024 + 1);
    // Assess
    expect(answer).toBe('413 com.amazon.coral.service#ValidationException');
  });

  it('restarts on the same port over the same data, refusing requests while it is down', async () => {
    // Act: scan until one is refused or the restart is over
    let restarted = false;
    const restarting = server.restart(1500).then(() => (restarted = true));
    let refusedWhileDown = false;
    while (!refusedWhileDown && !restarted)
      refusedWhileDown = await client()
        .send(new ScanCommand({ TableName: 'landfall-catalog' }))
        .then(
          () => false,
          () => true,
        );
    await restarting;
    const { Items } = await client().send(new ScanCommand({ TableName: 'landfall-catalog' }));
    // Assess
    expect(refusedWhileDown).toBe(true);
    expect(Items?.length).toBe(2);
  });

  it('finishes the requests sent as messages that it has when it restarts, refuses later ones with ECONNREFUSED, then serves again', async () => {
    // Prepare
    const port = portClient();
    const scan = () =>
      port.send(new ScanCommand({ TableName: 'landfall-catalog' })).then(
        (answer) => `items ${answer.Items?.length}`,
        (error: { code?: string; name?: string }) => error.code ?? error.name ?? 'error',
      );
    // Act: 40 scans on their way (4 at a time with the thread) when the restart starts; one while it is down; one after
    const sent = Array.from({ length: 40 }, scan);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const restarting = server.restart(800);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const whileDown = await scan();
    await restarting;
    const after = await scan();
    // Assess: each scan was answered in full or refused as a closed port refuses — none cut off by LevelDB closing
    const outcomes = await Promise.all(sent);
    expect(outcomes.filter((outcome) => outcome !== 'items 2' && outcome !== 'ECONNREFUSED')).toEqual([]);
    expect(outcomes).toContain('items 2');
    expect(whileDown).toBe('ECONNREFUSED');
    expect(after).toBe('items 2');
  });

  it('closes cleanly: the data directory opens again in a new thread, with what was written', async () => {
    // Prepare
    await server.close();
    // Act
    const closedHandler = server.requestHandler(1);
    server = await startCatalogThread(dir);
    const { Items } = await client().send(new ScanCommand({ TableName: 'landfall-catalog' }));
    const toClosed = new DynamoDBClient({
      endpoint: server.endpoint,
      region: 'eu-west-1',
      credentials: server.credentials,
      maxAttempts: 1,
      requestHandler: closedHandler,
    }).send(new ScanCommand({ TableName: 'landfall-catalog' }));
    // Assess: what was written is there; the closed thread's handler refuses as a closed port would
    expect(Items?.length).toBe(2);
    await expect(toClosed).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
