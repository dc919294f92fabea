/**
 * A region whose queue does not drain (jobs handed to Batch wait past the stall window with room free)
 * gets no new work, and the sweep moves its waiting jobs elsewhere; full regions and held jobs are fine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNames, defineConfig } from '../../../config/defineConfig.ts';
import { placeAndReserve } from '../../../functions/placement/placeAndReserve.ts';
import { queueDrain } from '../../../functions/placement/regionHealth.ts';
import { moveStalledJobs, replaceJob } from '../../../functions/placement/replaceJob.ts';
import { placementSetup } from '../../../functions/placement/stepPlacement.ts';
import { md5Of, qcJobSpec } from '../../support/stepJobFixture.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import regionsConfig from '../../fixtures/landfall.regions.config.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';

const MIN = 60_000;
const NOW = Date.parse('2026-11-23T12:00:00Z');

describe('queueDrain', () => {
  it.each([
    { case: 'a submitted job waiting past the window with room free', jobs: [{ vcpus: 1, submittedAt: NOW - 20 * MIN }], draining: false },
    { case: 'a submitted job waiting less than the window', jobs: [{ vcpus: 1, submittedAt: NOW - 5 * MIN }], draining: true },
    { case: 'a job held behind early steps (never submitted)', jobs: [{ vcpus: 1 }], draining: true },
    {
      case: 'a long wait in a full region',
      jobs: [
        { vcpus: 2, runningSince: NOW - 60 * MIN },
        { vcpus: 1, submittedAt: NOW - 20 * MIN },
      ],
      draining: true,
    },
    {
      case: 'a long wait beside a running job with room for it',
      jobs: [
        { vcpus: 1, runningSince: NOW - 60 * MIN },
        { vcpus: 1, submittedAt: NOW - 20 * MIN },
      ],
      draining: false,
    },
    { case: 'running jobs only', jobs: [{ vcpus: 2, submittedAt: NOW - 90 * MIN, runningSince: NOW - 80 * MIN }], draining: true },
  ])('$case → draining: $draining', ({ jobs, draining }) => {
    const judged = queueDrain(jobs, 2, NOW, 900);
    expect(judged.draining).toBe(draining);
    if (!draining)
      expect(judged.reason).toMatch(
        /^queue not draining: 1 job handed to Batch over 900 s ago has not started though \d of 2 vCPUs are free$/,
      );
  });
});

describe('moveStalledJobs (real catalog and folders, a paused local executor)', () => {
  const HOME = 'eu-west-1';
  const team = 'genomics';
  const runId = 'run-stalled';
  const config = defineConfig({ ...regionsConfig, placement: { ...regionsConfig.placement, queueStallSeconds: 900 } });
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;

  beforeAll(async () => {
    harness = await startServicesHarness({ config });
    // Never started: submitted jobs stay RUNNABLE, as in a region whose compute does not come up.
    executor = await queueOnlyExecutor(harness);
    const landing = bucketNames(config).landing;
    const loads = harness.services.catalog.regionLoads;
    // Home: one job submitted 20 minutes ago that never started, one submitted a minute ago.
    for (const [i, [name, submittedAt]] of (
      [
        ['stuck', NOW - 20 * MIN],
        ['fresh', NOW - MIN],
      ] as const
    ).entries()) {
      const sampleId = `S${i}`;
      const ref = { team, runId, sampleId };
      await harness.folders.put(landing, `incoming/${team}/${runId}/${sampleId}_R1.fastq.gz`, `reads of ${sampleId}`);
      const file = {
        name: `${sampleId}_R1.fastq.gz`,
        bucket: landing,
        key: `incoming/${team}/${runId}/${sampleId}_R1.fastq.gz`,
        size: 11,
        etag: 'e',
        md5: md5Of(`reads of ${sampleId}`),
        read: 'R1' as const,
        lane: 1,
        reads: 1,
      };
      await harness.services.catalog.samples.claimVersion(ref, `hash-${sampleId}`, [file], 'RUNNING');
      const spec = await qcJobSpec(harness.services, {
        jobName: name,
        team,
        runId,
        sampleId,
        region: HOME,
        workPrefix: `work/${name}/qc/`,
        file,
      });
      const { jobId } = await executor.submit(spec);
      await harness.services.catalog.jobs.record({
        ...ref,
        version: 1,
        jobName: name,
        step: 'qc',
        taskToken: `token-${name}`,
        executionName: `exec-${name}`,
        region: HOME,
        workBucket: 'landfall-results',
        workPrefix: `work/${name}/qc/`,
        submittedAt: new Date(submittedAt).toISOString(),
        jobId,
        spec: JSON.stringify(spec),
      });
      await harness.services.catalog.steps.put({
        ...ref,
        version: 1,
        step: 'qc',
        status: 'RUNNING',
        jobName: name,
        region: HOME,
        placements: [],
      });
      const { revision } = await loads.get(HOME);
      await loads.reserve(
        HOME,
        name,
        { vcpus: 1, memoryMiB: 512, expectedSeconds: 180, priority: 0, inputBytes: 11, dataRegions: [HOME] },
        revision,
      );
      await loads.markSubmitted(HOME, name, submittedAt);
    }
  });

  afterAll(async () => {
    await executor?.stop();
    await harness?.stop();
  });

  it('gives the region no new work while its queue does not drain', async () => {
    const decision = await placeAndReserve(
      harness.services.catalog.regionLoads,
      { ...placementSetup(config), now: () => NOW },
      { jobName: 'new-job', vcpus: 1, memoryMiB: 512, expectedSeconds: 60, inputBytes: 0, dataRegions: [HOME], priority: 0 },
    );
    expect(decision.region).not.toBe(HOME);
    expect(decision.candidates.find((candidate) => candidate.region === HOME)).toMatchObject({
      eligible: false,
      excludedBecause: expect.stringMatching(/queue not draining/),
    });
    await harness.services.catalog.regionLoads.release(decision.region, 'new-job');
  });

  it('moves the job that waited past the window, once, and leaves the fresh one', async () => {
    // Act
    const moved = await moveStalledJobs(harness.services, NOW);
    const again = await moveStalledJobs(harness.services, NOW);
    // Assess
    expect(moved).toEqual(['stuck']);
    expect(again).toEqual([]);
    expect(Object.keys((await harness.services.catalog.regionLoads.get(HOME)).jobs)).toEqual(['fresh']);
    const step = await harness.services.catalog.steps.get({ team, runId, sampleId: 'S0', version: 1 }, 'qc');
    expect(step?.placements?.at(-1)).toMatchObject({ jobName: 'stuck-p2', replaces: 'stuck' });
    expect(step?.placements?.at(-1)?.why).toMatch(/region eu-west-1 queue not draining/);
    expect(executor.listJobs().find((job) => job.jobName === 'stuck-p2')?.region).not.toBe(HOME);
  });

  it('moves a waiting job out of a region that turned unhealthy, however short its wait', async () => {
    // Prepare: 'fresh' was placed at home in the moment it failed, after the failure's move had listed its jobs
    const loads = harness.services.catalog.regionLoads;
    await loads.recordInfraFailure(HOME, NOW - MIN);
    // Act
    const moved = await moveStalledJobs(harness.services, NOW);
    // Assess
    expect(moved).toEqual(['fresh']);
    expect((await loads.get(HOME)).jobs).toEqual({});
    const step = await harness.services.catalog.steps.get({ team, runId, sampleId: 'S1', version: 1 }, 'qc');
    expect(step?.placements?.at(-1)).toMatchObject({ jobName: 'fresh-p2', replaces: 'fresh' });
    expect(step?.placements?.at(-1)?.why).toBe('region eu-west-1 unhealthy: 1 infrastructure failure in the last 600 s');
  });

  it('leaves a job where it is, not stopped and movable later, when no other region can take it', async () => {
    // Prepare: every region has just failed
    const now = Date.now();
    const job = await harness.services.catalog.jobs.get('fresh-p2');
    for (const region of config.regions) await harness.services.catalog.regionLoads.recordInfraFailure(region.name, now);
    // Act: the sweep, and a move asked for directly (as a failure's or a rebalance's would)
    const moved = await moveStalledJobs(harness.services, now);
    const asked = await replaceJob(harness.services, 'fresh-p2', 'asked directly');
    // Assess
    expect(moved).toEqual([]);
    expect(asked).toBe(false);
    expect((await harness.services.catalog.regionLoads.get(job!.region)).jobs).toHaveProperty(['fresh-p2']);
    expect((await harness.services.catalog.jobs.get('fresh-p2'))?.replacedBy).toBeUndefined();
    expect(executor.listJobs().find((listed) => listed.jobName === 'fresh-p2')?.status).toBe('RUNNABLE');
  });
});
