import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNames } from '../../../config/defineConfig.ts';
import { rebalanceInto } from '../../../functions/placement/rebalanceInto.ts';
import { parseJobManifest, parseManifestRef } from '../../../contracts/jobPayload.ts';
import type { JobSpec } from '../../../seams/jobs/JobService.ts';
import { md5Of, qcJobSpec } from '../../support/stepJobFixture.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import regionsConfig from '../../fixtures/landfall.regions.config.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';

const HOME = 'eu-west-1';
const team = 'genomics';
const runId = 'run-rebalance';

describe('rebalanceInto (real catalog, folders and a paused local executor)', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;
  const jobIds = new Map<string, string>();

  beforeAll(async () => {
    harness = await startServicesHarness({ config: regionsConfig });
    // Never started: submitted jobs stay RUNNABLE, nothing is spawned.
    executor = await queueOnlyExecutor(harness);
    const landing = bucketNames(regionsConfig).landing;
    const loads = harness.services.catalog.regionLoads;
    // Home: two 1-vCPU jobs running (one minute in, 180 s expected) and three queued behind them.
    for (const [i, name] of ['run-a', 'run-b', 'queued-1', 'queued-2', 'queued-3'].entries()) {
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
      jobIds.set(name, jobId);
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
        submittedAt: new Date().toISOString(),
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
      if (name.startsWith('run-')) await loads.markRunning(HOME, name, Date.now() - 60_000);
    }
  });

  afterAll(async () => {
    await executor.stop();
    await harness.stop();
  });

  it('moves the back of the home queue into the region that just freed capacity, once', async () => {
    // Act
    const moved = await rebalanceInto(harness.services, 'us-east-1');
    const again = await rebalanceInto(harness.services, 'us-east-1');
    // Assess: us-east-1 has 2 free vCPUs; the last two queued jobs move, the first queued stays
    expect(moved).toEqual(['queued-3', 'queued-2']);
    expect(again).toEqual([]);
    const home = await harness.services.catalog.regionLoads.get(HOME);
    expect(Object.keys(home.jobs).sort()).toEqual(['queued-1', 'run-a', 'run-b']);
    const east = await harness.services.catalog.regionLoads.get('us-east-1');
    expect(Object.keys(east.jobs).sort()).toEqual(['queued-2-p2', 'queued-3-p2']);
    expect((await executor.describe(jobIds.get('queued-3')!))?.status).toBe('FAILED');
    const replacement = executor.listJobs().find((job) => job.jobName === 'queued-3-p2');
    expect(replacement).toMatchObject({ region: 'us-east-1', status: 'RUNNABLE' });
    const step = await harness.services.catalog.steps.get({ team, runId, sampleId: 'S4', version: 1 }, 'qc');
    expect(step).toMatchObject({ jobName: 'queued-3-p2', region: 'us-east-1' });
    expect(step?.placements?.at(-1)).toMatchObject({
      replaces: 'queued-3',
      why: expect.stringMatching(/^rebalanced: waits ~\d+ s in eu-west-1/),
    });
    // Nothing was copied: the moved job's manifest names the landed input where it is and the new work area,
    // and its 11 bytes count as read across regions.
    const job = await harness.services.catalog.jobs.get('queued-3-p2');
    const spec = JSON.parse(job!.spec!) as JobSpec;
    const ref = parseManifestRef(spec.containers![0]!.environment!);
    const manifest = parseJobManifest((await harness.folders.getBytes(ref.bucket, ref.key)).toString('utf8'), ref.key);
    expect(ref.bucket).toBe(bucketNames(regionsConfig).results);
    expect(manifest).toMatchObject({
      workBucket: bucketNames(regionsConfig).workArea('us-east-1'),
      workPrefix: 'work/queued-3/qc/placement-2/',
    });
    expect(manifest.reads.map((read) => `${read.bucket}/${read.key}`)).toEqual([
      `${bucketNames(regionsConfig).landing}/incoming/${team}/${runId}/S4_R1.fastq.gz`,
    ]);
    expect(job?.stagedBytes).toBe(11);
    expect(await harness.folders.list(bucketNames(regionsConfig).workArea('us-east-1'), 'staging/')).toEqual([]);
  });
});

describe('rebalanceInto with one region', () => {
  it('moves nothing and reads no region load: there is no other queue to take jobs from', async () => {
    // Prepare
    const { default: oneRegionConfig } = await import('../../fixtures/landfall.dna-align.config.ts');
    const harness = await startServicesHarness({ config: oneRegionConfig });
    try {
      const regionLoads = harness.services.catalog.regionLoads;
      let reads = 0;
      const read = regionLoads.get.bind(regionLoads);
      regionLoads.get = (region: string) => {
        reads++;
        return read(region);
      };

      // Act
      const moved = await rebalanceInto(harness.services, 'eu-west-1');

      // Assess
      expect(moved).toEqual([]);
      expect(reads).toBe(0);
    } finally {
      await harness.stop();
    }
  });
});
