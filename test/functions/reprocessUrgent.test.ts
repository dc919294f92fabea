import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketNames } from '../../config/defineConfig.ts';
import { reprocessSamples } from '../../functions/workflow/reprocessSamples.ts';
import { submitStepJob } from '../../functions/workflow/submitStepJob.ts';
import { SubmitStepPayload } from '../../functions/workflow/payloads.ts';
import { stepPriority } from '../../functions/workflow/priority.ts';
import { LocalBatchExecutor } from '../../runtime/executor/LocalBatchExecutor.ts';
import { LocalWorkflowService } from '../../runtime/workflows/LocalWorkflowService.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import { buildStateMachine } from '../../workflows/asl/buildStateMachine.ts';
import { md5Of } from '../support/stepJobFixture.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';
import regionsConfig from '../fixtures/landfall.regions.config.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';

const team = 'genomics';
const runId = 'run-reprocess-urgent';

/**
 * `landfall reprocess --urgent` as the runtime carries it: the "Reprocess Requested" handler starts the
 * demo pipeline's real ASL (local Step Functions), whose `Run <step>` tasks call the real submitStep; the
 * jobs land in a paused local executor, or wait deferred behind the run's early step.
 */
describe('reprocess --urgent (real handler, ASL, catalog and paused executor)', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;
  let workflows: LocalWorkflowService;

  beforeAll(async () => {
    harness = await startServicesHarness({ config: regionsConfig });
    for (const region of regionsConfig.regions)
      await mkdir(path.join(harness.bucketsDir, bucketNames(regionsConfig).workArea(region.name)), { recursive: true });
    executor = new LocalBatchExecutor({
      regions: regionsConfig.regions.map((region) => ({ name: region.name, vcpus: region.vcpuQuota, memoryMiB: 4096 })),
      stateDir: harness.bucketsDir,
      onStateChange: () => undefined,
    });
    const noop = async () => ({});
    workflows = new LocalWorkflowService({
      stateMachines: { demo: buildStateMachine(demoPipeline) },
      functions: {
        SubmitStepFunctionArn: (payload) => submitStepJob(harness.services, SubmitStepPayload.parse(payload)),
        PublishStepFunctionArn: noop,
        CompleteSampleFunctionArn: noop,
        FailSampleFunctionArn: noop,
      },
    });
    harness.services.jobs = executor;
    harness.services.workflows = workflows;
    for (const sampleId of ['S1', 'S2']) {
      const ref = { team, runId, sampleId };
      const file = {
        name: `${sampleId}_R1.fastq.gz`,
        bucket: harness.names.landing,
        key: `incoming/${team}/${runId}/${sampleId}_R1.fastq.gz`,
        size: 11,
        etag: 'e',
        md5: md5Of(`reads of ${sampleId}`),
        read: 'R1' as const,
        lane: 1,
        reads: 1,
      };
      await harness.folders.put(file.bucket, file.key, `reads of ${sampleId}`);
      await harness.services.catalog.samples.claimVersion(ref, `hash-${sampleId}`, [file], 'COMPLETED');
      await harness.services.catalog.samples.updateVersion({ ...ref, version: 1 }, { pipeline: 'demo' });
      await harness.services.catalog.samples.setStatus(ref, 'COMPLETED', { currentVersion: 1 });
    }
  });

  afterAll(async () => {
    await workflows.stop();
    await executor.stop();
    await harness.stop();
  });

  /** Every step job of the run: submitted to the executor, or deferred behind the early step. */
  const specsOfRun = async (): Promise<JobSpec[]> => {
    const deferred = (await harness.services.catalog.jobs.listDeferred(team, runId)).map((job) => JSON.parse(job.deferredSpec!) as JobSpec);
    const submitted = await Promise.all(
      executor.listJobs().map(async (job) => JSON.parse((await harness.services.catalog.jobs.get(job.jobName))!.spec!) as JobSpec),
    );
    return [...submitted, ...deferred];
  };

  it('runs every step of the urgent sample at urgent priority on the urgent queue, and the other sample as backlog', async () => {
    // Act: S1 reprocessed urgently, S2 as usual
    await reprocessSamples(harness.services, { detail: { team, runId, sampleId: 'S1', urgent: true } });
    await reprocessSamples(harness.services, { detail: { team, runId, sampleId: 'S2' } });
    let specs: JobSpec[] = [];
    for (let tries = 0; tries < 200 && specs.length < 6; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      specs = await specsOfRun();
    }
    // Assess
    const bySample = (sampleId: string) =>
      Object.fromEntries(
        specs
          .filter((spec) => spec.jobName.includes(`-${sampleId}-`))
          .map((spec) => [spec.command[1], { priority: spec.priority, queue: spec.jobQueue.replace(`-${spec.region}-`, '-*-') }]),
      );
    expect(bySample('S1')).toEqual(
      Object.fromEntries(
        demoPipeline.steps.map((step) => [
          step.name,
          { priority: stepPriority(demoPipeline, step.name, { urgent: true }), queue: 'landfall-*-urgent' },
        ]),
      ),
    );
    expect(bySample('S2')).toEqual(
      Object.fromEntries(
        demoPipeline.steps.map((step) => [
          step.name,
          {
            priority: stepPriority(demoPipeline, step.name, { urgent: false }),
            queue: step.early ? 'landfall-*-urgent' : 'landfall-*-normal',
          },
        ]),
      ),
    );
  });
});
