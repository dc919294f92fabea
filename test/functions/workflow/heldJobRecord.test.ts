/**
 * A later step held behind its run's early steps keeps the whole job record a submitted one has: the bytes its
 * job stages across regions, which its cost counts once it runs. The held record replaced the first one
 * without them, so a held step placed outside the home region ran with its transfer missing from the cost report.
 * Real catalog and placement (three regions); the home region's capacity is taken by two long jobs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitStepJob } from '../../../functions/workflow/submitStepJob.ts';
import regionsConfig from '../../fixtures/landfall.regions.config.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';
import { runStepPayload } from '../../support/stepJobFixture.ts';

const TEAM = 'genomics';
const RUN = '261206_LH00417_0998_B22HELDCOST';

describe('a step held behind its run\u2019s early steps', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness({ config: regionsConfig });
  });
  afterAll(async () => harness?.stop());

  it('keeps on its job record the bytes it will stage into the region it was placed in', async () => {
    // Prepare: S1 runs the demo pipeline and its qc (an early step) has not published, so its trim is held;
    // the home region is full for the next hour, so trim goes to another region, reading its inputs from home
    const ref = { team: TEAM, runId: RUN, sampleId: 'S1', version: 1 };
    await harness.services.catalog.samples.claimVersion(ref, 'hash-S1', [], 'RUNNING');
    await harness.services.catalog.samples.updateVersion(ref, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1, detail: 'running' });
    const loads = harness.services.catalog.regionLoads;
    for (const name of ['long-1', 'long-2']) {
      const { revision } = await loads.get('eu-west-1');
      const busy = { vcpus: 1, memoryMiB: 1024, expectedSeconds: 3600, priority: 0, dataRegions: ['eu-west-1'] };
      expect(await loads.reserve('eu-west-1', name, { ...busy, submittedAt: Date.now() }, revision)).toBe(true);
      await loads.markRunning('eu-west-1', name, Date.now());
    }
    const reads = [
      { read: 'R1' as const, size: 4_000_000 },
      { read: 'R2' as const, size: 4_100_000 },
    ];
    // Act
    const result = await submitStepJob(harness.services, runStepPayload(RUN, 'S1', 'trim', { reads }));
    // Assess: held, placed away from home, and its record says what it stages there (both reads)
    expect(result.outcome).toBe('deferred');
    expect(result.region).not.toBe('eu-west-1');
    const [held] = await harness.services.catalog.jobs.listDeferred(TEAM, RUN);
    expect(held).toMatchObject({ jobName: result.jobName, region: result.region, stagedBytes: 8_100_000 });
  }, 30_000);
});
