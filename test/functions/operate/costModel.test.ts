/**
 * One cost model, one definition of failed vs re-placed (issue 19): a job stopped because placement moved it
 * to another region ends FAILED in Batch, but the job-state handler records its cost as REPLACED, and the cost
 * model (functions/catalog/costReport.ts, used by `landfall costs`, `landfall runs` and the dashboard) counts it
 * as re-placed: paid for, not failed. Real handler, real catalog (dynalite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchJobStateChangeEvent, type BatchJobStateChangeEvent } from '../../../contracts/events/batch.ts';
import { costReport, samplesCost } from '../../../functions/catalog/costReport.ts';
import { completeJobTask } from '../../../functions/workflow/completeJobTask.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const ref = { team: 'genomics', runId: 'RUN-COST', sampleId: 'S1', version: 1 };
const REGION = 'eu-west-1';

describe('the cost model: failed vs re-placed', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness.stop());

  const finished = (jobName: string, status: 'FAILED' | 'SUCCEEDED', statusReason: string) =>
    batchJobStateChangeEvent({
      jobName,
      jobId: `id-${jobName}`,
      jobQueue: `arn:aws:batch:${REGION}:000000000000:job-queue/landfall-${REGION}-normal`,
      status,
      statusReason,
      region: REGION,
      createdAt: 1_000,
      startedAt: 2_000,
      stoppedAt: 62_000,
      attempts: [{ startedAt: 2_000, stoppedAt: 62_000, exitCode: status === 'FAILED' ? 137 : 0, statusReason }],
    }) as unknown as BatchJobStateChangeEvent;

  it('records a job moved to another region as REPLACED, and the model counts it re-placed, not failed', async () => {
    // Prepare: the trim job was moved elsewhere (replaceJob marks it before terminating it)
    const job = {
      ...ref,
      step: 'trim',
      taskToken: 'token',
      executionName: 'exec',
      region: REGION,
      workBucket: 'work',
      workPrefix: 'work/exec/trim/',
      submittedAt: new Date().toISOString(),
    };
    await harness.services.catalog.jobs.record({ ...job, jobName: 'trim-job', replacedBy: 'trim-job-p2' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING');
    await harness.services.catalog.runs.recordFile(ref.team, ref.runId, {
      name: 'S1_R1.fastq.gz',
      bucket: 'landing',
      key: `incoming/${ref.team}/${ref.runId}/S1_R1.fastq.gz`,
      size: 1,
      etag: 'e',
    } as never);

    // Act: Batch reports the terminated job FAILED
    const outcome = await completeJobTask(harness.services, finished('trim-job', 'FAILED', 'moved to another region: region lost'));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect((await harness.services.catalog.costs.listForSample(ref)).map((item) => item.status)).toEqual(['REPLACED']);
    const totals = await samplesCost(harness.services.catalog, [ref]);
    expect(totals).toMatchObject({ jobs: 1, failedJobs: 0, replacedJobs: 1 });
    expect(totals.estimatedUsd).toBeGreaterThan(0);
    const report = await costReport(harness.services.catalog, [ref.team], { runId: ref.runId });
    expect(report.runs[0]).toMatchObject({ jobs: 1, failedJobs: 0, replacedJobs: 1, estimatedUsd: totals.estimatedUsd });
  });

  it('records a job stopped with its sample as STOPPED, leaves its step marked stopped, and counts it neither failed nor re-placed', async () => {
    // Prepare: the sample failed in qc; stopVersionJobs marked profile stopped, then terminated its job
    const stoppedRef = { ...ref, sampleId: 'S2' };
    const job = {
      ...stoppedRef,
      jobName: 'profile-job',
      step: 'profile',
      taskToken: 'token-profile',
      executionName: 'exec-s2',
      region: REGION,
      workBucket: 'work',
      workPrefix: 'work/exec-s2/profile/',
      submittedAt: new Date().toISOString(),
    };
    await harness.services.catalog.jobs.record(job);
    await harness.services.catalog.steps.put({
      ...stoppedRef,
      step: 'profile',
      status: 'FAILED',
      jobName: 'profile-job',
      region: REGION,
      error: 'stopped: the sample failed in qc',
      stopped: true,
    });

    // Act: Batch reports the terminated job FAILED
    const outcome = await completeJobTask(harness.services, finished('profile-job', 'FAILED', 'stopped: the sample failed in qc'));

    // Assess
    expect(outcome).toMatchObject({ outcome: 'ignored' });
    expect((await harness.services.catalog.costs.listForSample(stoppedRef)).map((item) => item.status)).toEqual(['STOPPED']);
    expect(await harness.services.catalog.steps.get(stoppedRef, 'profile')).toMatchObject({
      status: 'FAILED',
      stopped: true,
      error: 'stopped: the sample failed in qc',
    });
    expect(await samplesCost(harness.services.catalog, [stoppedRef])).toMatchObject({ jobs: 1, failedJobs: 0, replacedJobs: 0 });
  });
});
