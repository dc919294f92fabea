import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../../functions/catalog/Catalog.ts';
import { RegionConfig } from '../../../config/schema.ts';
import { placeAndReserve } from '../../../functions/placement/placeAndReserve.ts';
import type { PlacementSetup } from '../../../functions/placement/types.ts';
import { RegionsFullError } from '../../../functions/placement/errors.ts';
import { PRIORITY_BAND } from '../../../functions/workflow/priority.ts';
import type { PlacementJob } from '../../../functions/placement/types.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

const GB = 1024 ** 3;
const regions = [
  RegionConfig.parse({ name: 'eu-west-1', vcpuQuota: 8, preference: 0 }),
  RegionConfig.parse({ name: 'us-east-1', vcpuQuota: 8, preference: 1 }),
  RegionConfig.parse({ name: 'ap-south-1', vcpuQuota: 8, preference: 2 }),
];
const job = (jobName: string, priority = 0, home = 'eu-west-1'): PlacementJob => ({
  jobName,
  vcpus: 4,
  memoryMiB: 1024,
  expectedSeconds: 120,
  inputBytes: GB,
  dataRegions: [home],
  priority,
});

describe('placeAndReserve (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  beforeAll(async () => {
    test = await startTestCatalog();
  });
  afterAll(async () => test.stop());

  const setupFor = (app: string): PlacementSetup => ({
    homeRegion: `eu-west-${app}`,
    // Distinct region names per test keep the load items of tests apart in one table.
    regions: regions.map((region) => ({ ...region, name: region.name.replace(/-1$/, `-${app}`) })),
    health: { unhealthyAfterFailures: 2, windowSeconds: 600 },
  });

  it('spreads concurrent placements from separate clients instead of piling them on the home region', async () => {
    // Prepare: 6 jobs of 4 vCPUs, three 8-vCPU regions: two per region fit at once
    const setup = setupFor('2');
    const clients = Array.from({ length: 6 }, () => test.client());
    // Act
    const decisions = await Promise.all(
      clients.map((client, i) => placeAndReserve(client.regionLoads, setup, job(`concurrent-${i}`, 0, 'eu-west-2'))),
    );
    // Assess
    const perRegion = Object.fromEntries(
      setup.regions.map((region) => [region.name, decisions.filter((d) => d.region === region.name).length]),
    );
    expect(perRegion).toEqual({ 'eu-west-2': 2, 'us-east-2': 2, 'ap-south-2': 2 });
    const loads = await Promise.all(setup.regions.map((region) => test.catalog.regionLoads.get(region.name)));
    expect(loads.map((load) => Object.keys(load.jobs).length)).toEqual([2, 2, 2]);
  });

  it('keeps the reservation of a job placed twice (a retried submission) and releases it once', async () => {
    // Prepare
    const setup = setupFor('3');
    const first = await placeAndReserve(test.catalog.regionLoads, setup, job('retried', 0, 'eu-west-3'));
    // Act
    const again = await placeAndReserve(test.client().regionLoads, setup, job('retried', 0, 'eu-west-3'));
    const released = await test.catalog.regionLoads.release(first.region, 'retried');
    const releasedAgain = await test.catalog.regionLoads.release(first.region, 'retried');
    // Assess
    expect(again).toMatchObject({ region: first.region, reused: true });
    expect([released, releasedAgain]).toEqual([true, false]);
    expect((await test.catalog.regionLoads.get(first.region)).jobs).toEqual({});
  });

  it('gives no new work to a region with recent infrastructure failures, and excludes a region a job moves away from', async () => {
    // Prepare
    const setup = setupFor('4');
    const now = Date.now();
    await test.catalog.regionLoads.recordInfraFailure('eu-west-4', now - 1_000);
    await test.catalog.regionLoads.recordInfraFailure('eu-west-4', now);
    // Act
    const decision = await placeAndReserve(test.catalog.regionLoads, setup, job('avoid-sick-home', 0, 'eu-west-4'));
    const moved = await placeAndReserve(test.catalog.regionLoads, setup, job('moving', 0, 'eu-west-4'), { exclude: ['us-east-4'] });
    // Assess
    expect(decision.region).toBe('us-east-4');
    expect(decision.reasons[0]).toContain('home region eu-west-4 unhealthy (2 infrastructure failures');
    expect(moved.region).toBe('ap-south-4');
  });

  it('refuses a reservation decided on a load read before the region failed, so the placement decides again', async () => {
    // Prepare: a placement read the home region healthy; its infrastructure failure is recorded meanwhile
    const seen = await test.catalog.regionLoads.get('eu-west-20');
    await test.catalog.regionLoads.recordInfraFailure('eu-west-20', Date.now());
    const reservation = { vcpus: 4, memoryMiB: 1024, expectedSeconds: 120, priority: 0, inputBytes: GB, dataRegions: ['eu-west-20'] };
    // Act
    const reserved = await test.catalog.regionLoads.reserve('eu-west-20', 'read-before-failure', reservation, seen.revision);
    // Assess
    expect(reserved).toBe(false);
    expect((await test.catalog.regionLoads.get('eu-west-20')).jobs).toEqual({});
  });

  it('lets an urgent job start at home ahead of the backlog queued there', async () => {
    // Prepare: home holds 4 backlog jobs (16 vCPUs of work on 8)
    const setup = { ...setupFor('5'), regions: setupFor('5').regions.slice(0, 1) };
    for (let i = 0; i < 4; i++) await placeAndReserve(test.catalog.regionLoads, setup, job(`backlog-${i}`, 0, 'eu-west-5'));
    // Act
    const urgent = await placeAndReserve(test.catalog.regionLoads, { ...setupFor('5') }, job('urgent', 100, 'eu-west-5'));
    const backlog = await placeAndReserve(test.catalog.regionLoads, { ...setupFor('5') }, job('late-backlog', 0, 'eu-west-5'));
    // Assess: the urgent job waits only for a first completion at home (60 s) — more than 10 s of staging,
    // so it goes remote at once; the late backlog job goes remote as well
    expect(urgent.candidates.find((c) => c.region === 'eu-west-5')?.queueSeconds).toBe(60);
    expect(backlog.candidates.find((c) => c.region === 'eu-west-5')?.queueSeconds).toBe(240);
    expect(urgent.region).not.toBe('eu-west-5');
  });
  it('sends no more work to a region holding its bound of waiting jobs, and says so when every region does', async () => {
    // Prepare: a bound of 2 waiting jobs per region, three regions
    const base = setupFor('10');
    const setup: PlacementSetup = { ...base, health: { ...base.health, maxQueuedJobs: 2 } };
    // Act: six jobs fill every queue; the seventh finds no room
    const decisions = [];
    for (let i = 0; i < 6; i++)
      decisions.push(await placeAndReserve(test.catalog.regionLoads, setup, job(`bounded-${i}`, 0, 'eu-west-10')));
    const refused = await placeAndReserve(test.catalog.regionLoads, setup, job('bounded-6', 0, 'eu-west-10')).catch(
      (error: unknown) => error,
    );
    // Assess: two per region, then a retryable "wait for room" naming each full region; nothing reserved for it
    expect(decisions.map((decision) => decision.region).sort()).toEqual([
      'ap-south-10',
      'ap-south-10',
      'eu-west-10',
      'eu-west-10',
      'us-east-10',
      'us-east-10',
    ]);
    expect(refused).toBeInstanceOf(RegionsFullError);
    expect((refused as Error).message).toMatch(/eu-west-10 holds 2 waiting jobs \(bound 2\).*us-east-10 holds 2.*ap-south-10 holds 2/);
    const loads = await Promise.all(setup.regions.map((region) => test.catalog.regionLoads.get(region.name)));
    expect(loads.some((load) => load.jobs['bounded-6'] !== undefined)).toBe(false);
  });

  it('lets urgent work past the bound by a fifth, and counts only jobs not yet running as waiting', async () => {
    // Prepare: bound 5 in a single region, full of waiting jobs; one of them starts running
    const base = setupFor('11');
    const setup: PlacementSetup = { ...base, regions: [base.regions[0]!], health: { ...base.health, maxQueuedJobs: 5 } };
    for (let i = 0; i < 5; i++) await placeAndReserve(test.catalog.regionLoads, setup, job(`waiting-${i}`, 0, 'eu-west-11'));
    const normalRefused = await placeAndReserve(test.catalog.regionLoads, setup, job('normal', 0, 'eu-west-11')).catch(
      (error: unknown) => error,
    );
    // Act
    const urgent = await placeAndReserve(test.catalog.regionLoads, setup, job('urgent', PRIORITY_BAND, 'eu-west-11'));
    const secondUrgent = await placeAndReserve(test.catalog.regionLoads, setup, job('urgent-2', PRIORITY_BAND, 'eu-west-11')).catch(
      (error: unknown) => error,
    );
    await test.catalog.regionLoads.markRunning('eu-west-11', 'waiting-0', Date.now());
    const oneRunning = await placeAndReserve(test.catalog.regionLoads, setup, job('normal', 0, 'eu-west-11')).catch(
      (error: unknown) => error,
    );
    await test.catalog.regionLoads.markRunning('eu-west-11', 'waiting-1', Date.now());
    const afterTwoRun = await placeAndReserve(test.catalog.regionLoads, setup, job('normal', 0, 'eu-west-11'));
    // Assess
    expect(normalRefused).toBeInstanceOf(RegionsFullError);
    expect(urgent.region).toBe('eu-west-11'); // 5 waiting < 6 = floor(5 × 1.2)
    expect(secondUrgent).toBeInstanceOf(RegionsFullError); // 6 waiting
    expect(oneRunning).toBeInstanceOf(RegionsFullError); // 4 waiting + the urgent one = 5
    expect(afterTwoRun.region).toBe('eu-west-11'); // 3 + 1 = 4 waiting: room for normal work again
  });
});

describe('RegionLoads.markRunning (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  beforeAll(async () => {
    test = await startTestCatalog();
  });
  afterAll(async () => test.stop());

  it('makes placement count a running job by its remaining time, and ignores a released job', async () => {
    // Prepare: one region of 4 vCPUs, full with one 4-vCPU job expected to take 120 s
    const setup: PlacementSetup = {
      homeRegion: 'eu-west-9',
      regions: [RegionConfig.parse({ name: 'eu-west-9', vcpuQuota: 4 })],
      health: { unhealthyAfterFailures: 2, windowSeconds: 600 },
      now: () => 1_000_000,
    };
    await placeAndReserve(test.catalog.regionLoads, setup, job('long', 0, 'eu-west-9'));
    const queuedView = await placeAndReserve(test.catalog.regionLoads, setup, job('probe-1', 0, 'eu-west-9'));
    await test.catalog.regionLoads.release('eu-west-9', 'probe-1');
    // Act: the job has run for 100 of its 120 s
    const marked = await test.catalog.regionLoads.markRunning('eu-west-9', 'long', 1_000_000 - 100_000);
    const runningView = await placeAndReserve(test.catalog.regionLoads, setup, job('probe-2', 0, 'eu-west-9'));
    const markedReleased = await test.catalog.regionLoads.markRunning('eu-west-9', 'probe-1', 1_000_000);
    // Assess
    expect(queuedView.estimatedStartSeconds).toBe(120);
    expect(marked).toBe(true);
    expect(runningView.estimatedStartSeconds).toBe(20);
    expect(markedReleased).toBe(false);
  });
});

describe("placeAndReserve on this process's view of the loads (against the local DynamoDB-compatible server)", () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  beforeAll(async () => {
    test = await startTestCatalog();
  });
  afterAll(async () => test.stop());

  /** A catalog of its own (a process of its own) that counts its reads of region load items. */
  const countingClient = () => {
    const client = new DynamoDBClient({ endpoint: test.server.endpoint, region: 'eu-west-1', credentials: test.server.credentials });
    const counted = { loadReads: 0 };
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const key = (args.input as { Key?: { sk?: unknown } }).Key;
        if (context.commandName === 'GetItemCommand' && JSON.stringify(key ?? {}).includes('LOAD')) counted.loadReads++;
        return next(args);
      },
      { step: 'initialize', name: 'countLoadReads' },
    );
    return { catalog: new Catalog('landfall-catalog', client), counted };
  };
  const oneRegion = (name: string, maxQueuedJobs: number): PlacementSetup => ({
    homeRegion: name,
    regions: [{ ...RegionConfig.parse({ name: 'eu-west-1', vcpuQuota: 8 }), name }],
    health: { unhealthyAfterFailures: 2, windowSeconds: 600, maxQueuedJobs },
  });

  it('reads a region once for a burst of placements, its own reservations and releases applied to its view', async () => {
    // Prepare
    const setup = oneRegion('eu-west-30', 100);
    const { catalog, counted } = countingClient();
    // Act: ten placements and a release, one after another as a burst of submissions makes them
    for (let i = 0; i < 10; i++) await placeAndReserve(catalog.regionLoads, setup, job(`burst-${i}`, 0, 'eu-west-30'));
    await catalog.regionLoads.release('eu-west-30', 'burst-0');
    const afterRelease = await placeAndReserve(catalog.regionLoads, setup, job('burst-10', 0, 'eu-west-30'));
    // Assess: the first placement read the item (twice when it had to create it); the table holds exactly the
    // jobs reserved, and the view the last placement decided on counted them all (9 of 4 vCPUs queued on 8)
    expect(counted.loadReads).toBeLessThanOrEqual(2);
    const table = await test.client().regionLoads.get('eu-west-30');
    expect(Object.keys(table.jobs).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `burst-${i + 1}`).sort());
    expect(table.revision).toBe(12);
    expect(afterRelease.estimatedStartSeconds).toBe(
      (await placeAndReserve(test.client().regionLoads, setup, job('probe', 0, 'eu-west-30'))).estimatedStartSeconds - 60,
    );
  });

  it('decides again on the table when another process reserved meanwhile, so the bound of waiting jobs holds', async () => {
    // Prepare: a bound of 2; this process placed one job, another process the second
    const setup = oneRegion('eu-west-31', 2);
    const here = countingClient();
    const elsewhere = test.client();
    await placeAndReserve(here.catalog.regionLoads, setup, job('here-1', 0, 'eu-west-31'));
    await placeAndReserve(elsewhere.regionLoads, setup, job('elsewhere-1', 0, 'eu-west-31'));
    const readsBefore = here.counted.loadReads;
    // Act: this process's view still shows one waiting job
    const refused = await placeAndReserve(here.catalog.regionLoads, setup, job('here-2', 0, 'eu-west-31')).catch((error: unknown) => error);
    // Assess: its reservation was refused on the revision, the next round read the table and found the queue full
    expect(refused).toBeInstanceOf(RegionsFullError);
    expect(here.counted.loadReads).toBe(readsBefore + 1);
    expect(Object.keys((await elsewhere.regionLoads.get('eu-west-31')).jobs).sort()).toEqual(['elsewhere-1', 'here-1']);
  });
});
