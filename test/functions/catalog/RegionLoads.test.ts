import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeReservation, encodeReservation, type StoredReservation } from '../../../functions/catalog/RegionLoads.ts';
import { keys } from '../../../functions/catalog/tableDesign.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

const reservation = (i: number): Omit<StoredReservation, 'runningSince' | 'submittedAt'> => ({
  vcpus: 2,
  memoryMiB: 4096,
  expectedSeconds: 612.5,
  priority: 50 + i,
  reservedAt: '2026-12-05T23:45:00.123Z',
  inputBytes: 10_485_760 + i,
  dataRegions: ['eu-west-1', 'eu-central-1'],
});
/** A step job's name as Landfall makes them: long (team, run, sample, version, execution hash, step, hash). */
const jobName = (i: number) => `genomics-261210_LH00417_0101_A22LATENCY-Sample${String(i).padStart(4, '0')}-v1-g0-73588ae7e4-qc-4eb60d1a6b`;

describe('RegionLoads (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  /** The table itself, for items as an earlier Landfall stored them and for what is stored. */
  let doc: DynamoDBDocumentClient;
  const TableName = 'landfall-catalog';
  beforeAll(async () => {
    test = await startTestCatalog();
    const { endpoint, credentials } = test.server;
    doc = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region: 'eu-west-1', credentials }));
  });
  afterAll(async () => test.stop());

  it('stores a reservation as one string and reads it back whole, with and without its optional fields', () => {
    // Prepare
    const full = reservation(1);
    const bare = { vcpus: 1, memoryMiB: 512, expectedSeconds: 60, priority: 0, reservedAt: '2026-12-05T00:00:00.000Z' };
    // Act
    const encoded = encodeReservation(full);
    // Assess
    expect(encoded).toBe('2 4096 612.5 51 1796514300123 10485761 eu-west-1,eu-central-1');
    expect(decodeReservation(encoded)).toEqual(full);
    expect(decodeReservation(encodeReservation(bare))).toEqual(bare);
    expect(decodeReservation(encoded, 111, 222)).toEqual({ ...full, submittedAt: 111, runningSince: 222 });
  });

  it('reserves, marks submitted and running, and releases, keeping the first hand-over time', async () => {
    // Prepare
    const loads = test.catalog.regionLoads;
    const { revision } = await loads.get('rl-west-1');
    // Act
    const reserved = await loads.reserve('rl-west-1', jobName(1), reservation(1), revision);
    const lost = await loads.reserve('rl-west-1', jobName(2), reservation(2), revision);
    await loads.markSubmitted('rl-west-1', jobName(1), 1000);
    await loads.markSubmitted('rl-west-1', jobName(1), 2000);
    await loads.markRunning('rl-west-1', jobName(1), 3000);
    const held = await loads.get('rl-west-1');
    const released = await loads.release('rl-west-1', jobName(1));
    const releasedAgain = await loads.release('rl-west-1', jobName(1));
    // Assess: a decision on a stale revision loses; the reservation reads back with both marks; release once
    expect([reserved, lost]).toEqual([true, false]);
    expect(held.revision).toBe(revision + 1);
    expect(held.jobs[jobName(1)]).toEqual({ ...reservation(1), reservedAt: expect.any(String), submittedAt: 1000, runningSince: 3000 });
    expect([released, releasedAgain]).toEqual([true, false]);
    expect(await loads.get('rl-west-1')).toMatchObject({ jobs: {}, revision: revision + 2 });
    expect(await loads.markRunning('rl-west-1', jobName(1), 4000)).toBe(false);
  });

  it('reads, marks and releases reservations an earlier Landfall stored as maps, in an item without the mark maps', async () => {
    // Prepare: the item as Landfall stored it before (each reservation a map, its marks inside)
    const legacy = { ...reservation(3), submittedAt: 500, runningSince: 600 };
    await doc.send(
      new PutCommand({
        TableName,
        Item: {
          ...keys.regionLoad('rl-legacy-1'),
          region: 'rl-legacy-1',
          revision: 7,
          jobs: { [jobName(3)]: legacy, [jobName(4)]: reservation(4) },
          infraFailures: [],
        },
      }),
    );
    const loads = test.client().regionLoads; // a process that has not seen the item yet
    // Act
    const marked = await loads.markSubmitted('rl-legacy-1', jobName(4), 900);
    const read = await loads.get('rl-legacy-1');
    const released = await loads.release('rl-legacy-1', jobName(3));
    // Assess
    expect(marked).toBe(true);
    expect(read.jobs).toEqual({ [jobName(3)]: legacy, [jobName(4)]: { ...reservation(4), submittedAt: 900 } });
    expect(released).toBe(true);
    expect(Object.keys((await loads.get('rl-legacy-1')).jobs)).toEqual([jobName(4)]);
  });

  it('holds 2,500 reservations of long job names in one item below DynamoDB’s 400 KB limit', async () => {
    // Prepare: what 2,500 reservations (a region's queue bound, 1,500, and 1,000 running) make as stored
    const jobs = Object.fromEntries(Array.from({ length: 2500 }, (_, i) => [jobName(i), encodeReservation(reservation(i))]));
    const item = { ...keys.regionLoad('rl-big-1'), region: 'rl-big-1', revision: 1, jobs, submitted: {}, running: {}, infraFailures: [] };
    // Act: the server refuses items over 400 KB (ValidationException), as DynamoDB does
    await doc.send(new PutCommand({ TableName, Item: item }));
    const stored = await doc.send(new GetCommand({ TableName, Key: keys.regionLoad('rl-big-1') }));
    const load = await test.catalog.regionLoads.get('rl-big-1');
    // Assess
    expect(Object.keys(stored.Item?.jobs ?? {})).toHaveLength(2500);
    expect(load.jobs[jobName(2499)]).toEqual(reservation(2499));
  });
});
