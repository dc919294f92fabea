import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { landfallEvent } from '../../../contracts/events/landfall.ts';
import { markLoggedFactsPublished } from '../../../runtime/bus/loggedFacts.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

describe('Function: markLoggedFactsPublished (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let dir: string;
  beforeAll(async () => {
    test = await startTestCatalog();
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-logged-facts-'));
  });
  afterAll(async () => {
    await test.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const raw = () =>
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: test.server.endpoint,
        region: 'eu-west-1',
        credentials: test.server.credentials,
      }),
    );
  const getFact = async (dedupeKey: string) =>
    (await raw().send(new GetCommand({ TableName: test.catalog.tableName, Key: keys.fact(dedupeKey) }))).Item;
  const eventFor = (dedupeKey: string) =>
    landfallEvent('Region Scaled Down', { region: 'eu-west-1', alarmName: 'idle', warmVcpus: 0, scaledDownAt: 1, dedupeKey });
  const abandonClaim = async (dedupeKey: string) => {
    const claimedAt = new Date().toISOString();
    await raw().send(
      new PutCommand({
        TableName: test.catalog.tableName,
        Item: {
          ...keys.fact(dedupeKey),
          ...keys.unpublishedFact(dedupeKey, claimedAt),
          detailType: 'Region Scaled Down',
          owner: 'dead-runtime',
          claimedAt,
          event: JSON.stringify(eventFor(dedupeKey)),
        },
      }),
    );
  };

  it("marks published the dead runtime's claims whose events the bus logged, and leaves the rest to the relay", async () => {
    // Prepare: one fact went out before its runtime died (it is in the log), one did not
    const published = 'logged:"quoted" key';
    await abandonClaim(published);
    await abandonClaim('logged:never-published');
    const busLog = path.join(dir, 'events.jsonl');
    await writeFile(
      busLog,
      `${[{ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }, eventFor(published), eventFor('logged:not-claimed')]
        .map((event) => JSON.stringify(event))
        .join('\n')}\n`,
    );
    // Act
    const confirmed = await markLoggedFactsPublished(test.catalog, busLog);
    // Assess
    expect(confirmed.map((fact) => fact.dedupeKey)).toEqual([published]);
    expect(await getFact(published)).toMatchObject({ publishedAt: expect.any(String) });
    expect(await getFact('logged:never-published')).toMatchObject({ owner: 'dead-runtime', event: expect.any(String) });
    expect((await test.catalog.facts.listUnpublished()).map((fact) => fact.dedupeKey)).toEqual(['logged:never-published']);
  });

  it('relays a fact whose line an append cut short: that event was never delivered', async () => {
    // Prepare: a full disk stopped the append after the dedupeKey was written
    const torn = 'logged:torn-by-full-disk';
    await abandonClaim(torn);
    const busLog = path.join(dir, 'torn.jsonl');
    const line = JSON.stringify(eventFor(torn));
    await writeFile(busLog, `${line.slice(0, line.indexOf(torn) + torn.length + 1)}\n`);
    // Act
    const confirmed = await markLoggedFactsPublished(test.catalog, busLog);
    // Assess
    expect(confirmed.map((fact) => fact.dedupeKey)).not.toContain(torn);
    expect((await test.catalog.facts.listUnpublished()).map((fact) => fact.dedupeKey)).toContain(torn);
  });

  it('does nothing without a bus log', async () => {
    // Act
    const confirmed = await markLoggedFactsPublished(test.catalog, path.join(dir, 'missing', 'events.jsonl'));
    // Assess
    expect(confirmed).toEqual([]);
  });
});
