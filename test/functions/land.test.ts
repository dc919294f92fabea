/**
 * The land handler under duplicates, through its composed middy chain, against the real local
 * DynamoDB-compatible server: the catalog's conditional write answers every repeat, with no idempotency
 * store in front of it (three requests more per object, and nothing it stopped that the write does not).
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableNames } from '../../config/defineConfig.ts';
import { handler } from '../../functions/land.ts';
import { objectReplayed } from '../../functions/landing/replayObjects.ts';
import { ensureIdempotencyTable } from '../../functions/shared/idempotency.ts';
import { localContext } from '../../runtime/lambda/invokeLocally.ts';
import { applyEnvironment, localAwsEnvironment } from '../../runtime/localAwsEnvironment.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = '261123_LH00417_0500_B22IDEMP1';
const KEY = `incoming/${TEAM}/${RUN}/notes.txt`;

describe('land handler idempotency', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let client: DynamoDBClient;
  const savedEnv = { ...process.env };
  const s3Event = (etag: string, size: number, requestId?: string) => ({
    version: '0',
    id: crypto.randomUUID(),
    source: 'aws.s3',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [`arn:aws:s3:::${harness.names.landing}`],
    'detail-type': 'Object Created',
    detail: {
      version: '0',
      bucket: { name: harness.names.landing },
      object: { key: KEY, size, etag },
      reason: 'PutObject',
      ...(requestId ? { 'request-id': requestId } : {}),
    },
  });
  const gatewayEvent = (size: number) => ({
    version: '0',
    id: crypto.randomUUID(),
    source: 'aws.storagegateway',
    account: '000000000000',
    time: new Date().toISOString(),
    region: 'eu-west-1',
    resources: [],
    'detail-type': 'Storage Gateway Object Upload Event',
    detail: {
      'object-size': size,
      'modification-time': new Date().toISOString(),
      'object-key': KEY,
      'event-type': 'object-upload-complete',
      prefix: `incoming/${TEAM}/${RUN}/`,
      'bucket-name': harness.names.landing,
    },
  });
  const land = (event: unknown) =>
    handler(event as Parameters<typeof handler>[0], localContext('land', 30_000)) as Promise<{ outcome: string }>;
  const idempotencyItems = async () =>
    (await client.send(new ScanCommand({ TableName: tableNames(harness.services.config).idempotency }))).Items ?? [];

  beforeAll(async () => {
    harness = await startServicesHarness();
    applyEnvironment(
      localAwsEnvironment({
        region: 'eu-west-1',
        catalogEndpoint: harness.catalogEndpoint,
        catalogCredentials: harness.catalogCredentials,
      }),
    );
    client = new DynamoDBClient({});
    await ensureIdempotencyTable(client, tableNames(harness.services.config).idempotency);
  });
  afterAll(async () => {
    process.env = savedEnv;
    await harness?.stop();
  });

  it('records an object once for 20 concurrent S3 events and a Storage Gateway event, one catalog request each', async () => {
    // Prepare
    const info = await harness.folders.put(harness.names.landing, KEY, Buffer.from('run notes\n'));
    const etag = info.etag.replaceAll('"', '');
    const catalog = harness.services.catalog;
    const recordFile = catalog.runs.recordFile.bind(catalog.runs);
    const writes: boolean[] = [];
    catalog.runs.recordFile = async (...args) => {
      const result = await recordFile(...args);
      writes.push(result.changed);
      return result;
    };
    // Act
    const outcomes = await Promise.all([
      ...Array.from({ length: 20 }, () => land(s3Event(etag, info.size))),
      land(gatewayEvent(info.size)),
    ]);
    const later = await land(s3Event(etag, info.size));
    // Assess: every event asked the catalog once, and exactly one of them recorded (and evaluated) the object
    catalog.runs.recordFile = recordFile;
    expect(writes).toHaveLength(22);
    expect(writes.filter(Boolean)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'recorded')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === 'duplicate')).toHaveLength(20);
    expect(later).toEqual({ outcome: 'duplicate' });
    expect(await harness.services.catalog.runs.listFiles(TEAM, RUN)).toHaveLength(1);
    expect(await idempotencyItems()).toEqual([]);
  });

  it('records a changed object (new identity) again', async () => {
    const info = await harness.folders.put(harness.names.landing, KEY, Buffer.from('run notes, corrected\n'));
    const result = await land(s3Event(info.etag.replaceAll('"', ''), info.size));
    expect(result.outcome).toBe('recorded');
    expect((await harness.services.catalog.runs.listFiles(TEAM, RUN))[0]!.etag).toBe(info.etag);
  });

  it('records an object the sweep re-drives when no event recorded it, and a re-drive of a recorded one changes nothing', async () => {
    // Prepare: an object whose events were all lost
    const key = `incoming/${TEAM}/${RUN}/late.txt`;
    const info = await harness.folders.put(harness.names.landing, key, Buffer.from('late\n'));
    // Sweep's re-drive: Landfall's own event (PutEvents refuses S3's source)
    const redrive = () => land({ ...objectReplayed(info, () => `redrive:${key}`, { redrive: true }), id: crypto.randomUUID() });
    // Act
    const first = await redrive();
    const again = await redrive();
    // Assess
    expect(first.outcome).toBe('recorded');
    expect(again).toEqual({ outcome: 'duplicate' });
    expect((await harness.services.catalog.runs.listFiles(TEAM, RUN)).map((file) => file.name).sort()).toEqual(['late.txt', 'notes.txt']);
  });

  it("lands an operator's 'Object Replayed' event like S3's, and a repeat changes nothing", async () => {
    // Prepare: an object nobody announced
    const key = `incoming/${TEAM}/${RUN}/missed.txt`;
    const info = await harness.folders.put(harness.names.landing, key, Buffer.from('missed\n'));
    const replayed = {
      ...objectReplayed(info, () => `replay:${key}`),
      id: crypto.randomUUID(),
      account: '000000000000',
      region: 'eu-west-1',
    };
    // Act
    const first = await land(replayed);
    const again = await land({ ...replayed, id: crypto.randomUUID() });
    // Assess
    expect(first.outcome).toBe('recorded');
    expect(again).toEqual({ outcome: 'duplicate' });
    expect((await harness.services.catalog.runs.listFiles(TEAM, RUN)).map((file) => file.name)).toContain('missed.txt');
  });

  it.each([
    { case: 'a traversal key', key: `incoming/${TEAM}/${RUN}/../../etc/passwd`, reason: /'\.\.' segment|\.\./ },
    { case: 'a control character', key: `incoming/${TEAM}/${RUN}/bell\u0007.fastq.gz`, reason: /control character/ },
    { case: 'a backslash', key: `incoming/${TEAM}/${RUN}/dir\\S1_R1_001.fastq.gz`, reason: /backslash/ },
  ])('refuses $case visibly, before anything is read or cataloged', async ({ key, reason }) => {
    // Prepare
    const before = harness.published.length;
    const event = {
      ...s3Event('0123456789abcdef0123456789abcdef', 10),
      detail: { ...s3Event('x', 10).detail, object: { key, size: 10, etag: '0123456789abcdef0123456789abcdef' } },
    };
    // Act
    const result = (await land(event)) as { outcome: string; reason: string };
    // Assess
    expect(result.outcome).toBe('refused');
    expect(result.reason).toMatch(reason);
    const announced = harness.published.slice(before).filter((e) => e['detail-type'] === 'Unexpected File');
    expect(announced.map((e) => (e.detail as { kind: string }).kind)).toEqual(['unsafe-key']);
    expect((announced[0]!.detail as { message: string }).message).toMatch(/rename the file on the share/);
    expect((await harness.services.catalog.runs.listFiles(TEAM, RUN)).map((file) => file.key)).not.toContain(key);
  });
});
