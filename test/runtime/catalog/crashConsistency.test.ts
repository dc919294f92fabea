/**
 * The local catalog killed in the middle of writes keeps every item and its index entry together, as
 * DynamoDB does. dynalite wrote an item's index changes and the item as separate LevelDB writes: a runtime
 * SIGKILLed between them left a sample VALIDATING in its record that no status query returned, so crash
 * recovery never saw it (test/e2e/crashRecovery.test.ts failed on it now and then).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../functions/catalog/Catalog.ts';
import { newCatalogCredentials } from '../../../runtime/catalog/startCatalogServer.ts';

const TABLE = 'landfall-catalog';
const ITEMS = 24;
const KILLS = 8;
/** Each LevelDB write waits this long first: the writes of one request are far apart, as under a loaded disk. */
const WRITE_DELAY_MS = '15';
const credentials = newCatalogCredentials();

async function startServerProcess(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const entry = path.join(import.meta.dirname, '../../support/catalogServerProcess.ts');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', entry, dataDir, credentials.accessKeyId, credentials.secretAccessKey, WRITE_DELAY_MS],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  for await (const line of createInterface({ input: child.stdout! })) {
    const { port } = JSON.parse(line) as { port: number };
    return { child, endpoint: `http://127.0.0.1:${port}` };
  }
  throw new Error(`the catalog server process exited (${child.exitCode}) before it listened`);
}

const documents = (endpoint: string) =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials, maxAttempts: 1 }));

describe('the local catalog killed mid-write (SIGKILL, as a crashed runtime)', () => {
  let dataDir: string;
  let server: { child: ChildProcess; endpoint: string } | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-catalog-kill-'));
  });
  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`leaves every item with exactly its own index entry, over ${KILLS} kills during status changes`, async () => {
    const inconsistencies: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      // Prepare: a server over the same data; items whose status (and so their index key) keeps changing
      server = await startServerProcess(dataDir);
      if (kill === 0)
        await new Catalog(TABLE, new DynamoDBClient({ endpoint: server.endpoint, region: 'eu-west-1', credentials })).ensureTable();
      const client = documents(server.endpoint);
      let writing = true;
      let written = 0;
      const writers = Array.from({ length: 8 }, async (_, writer) => {
        for (let round = 0; writing; round++) {
          const item = (writer * 3 + round) % ITEMS;
          const status = `S${(kill + round) % 3}`;
          await client
            .send(
              new UpdateCommand({
                TableName: TABLE,
                Key: { pk: `ITEM#${item}`, sk: '#ITEM' },
                UpdateExpression: 'SET #status = :status, gsi1pk = :pk, gsi1sk = :sk',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': status, ':pk': 'ITEMS', ':sk': `${status}#ITEM#${item}` },
              }),
            )
            .then(() => written++)
            .catch(() => {
              writing = false; // the server is gone
            });
        }
      });
      // Act: killed while the writers are busy (once the first writes went through: a cold server on a busy
      // machine may take longer than the pause to answer its first)
      for (const deadline = Date.now() + 30_000; written === 0 && writing && Date.now() < deadline; )
        await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 150 + ((kill * 37) % 100)));
      server.child.kill('SIGKILL');
      await new Promise((resolve) => server!.child.once('exit', resolve));
      writing = false;
      await Promise.all(writers);
      expect(written).toBeGreaterThan(0);
      // Assess: after a restart, the index holds one entry per item, matching the item
      server = await startServerProcess(dataDir);
      const reader = documents(server.endpoint);
      const items = (await reader.send(new ScanCommand({ TableName: TABLE, ConsistentRead: true }))).Items ?? [];
      const indexed =
        (
          await reader.send(
            new QueryCommand({
              TableName: TABLE,
              IndexName: 'gsi1',
              KeyConditionExpression: 'gsi1pk = :pk',
              ExpressionAttributeValues: { ':pk': 'ITEMS' },
            }),
          )
        ).Items ?? [];
      const expected = items
        .filter((item) => item.gsi1pk === 'ITEMS')
        .map((item) => `${item.pk} ${item.status}`)
        .sort();
      const actual = indexed.map((entry) => `${entry.pk} ${entry.status}`).sort();
      if (JSON.stringify(actual) !== JSON.stringify(expected))
        inconsistencies.push(`after kill ${kill + 1}: items say [${expected.join(', ')}], the index says [${actual.join(', ')}]`);
      server.child.kill('SIGKILL');
      await new Promise((resolve) => server!.child.once('exit', resolve));
      server = undefined;
    }
    expect(inconsistencies).toEqual([]);
  }, 120_000);
});
