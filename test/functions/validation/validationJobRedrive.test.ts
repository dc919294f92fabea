/**
 * A sample too large for a function is validated by a Batch job; the same files re-driven (the event again, a
 * retried invocation, the sweep finding the sample VALIDATING while the job still runs) keep that job instead of
 * submitting another: SubmitJob has no idempotency, and the local executor, like Batch, starts a second job for a
 * repeated name. Real folder storage, real catalog, a local executor that queues without running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { landObject } from '../../../functions/landing/landObject.ts';
import { validateLandedSample } from '../../../functions/validation/validateLandedSample.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import type { JobDescription } from '../../../seams/jobs/JobService.ts';
import validationJobsConfig from '../../fixtures/landfall.validation-jobs.config.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

const TEAM = 'genomics';
const R1 = 'S1_S1_L001_R1_001.fastq.gz';
const R2 = 'S1_S1_L001_R2_001.fastq.gz';

describe('a validation job re-driven for the same files', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;
  beforeAll(async () => {
    harness = await startServicesHarness({ config: validationJobsConfig });
    executor = await queueOnlyExecutor(harness);
  });
  afterAll(async () => {
    await executor?.stop();
    await harness?.stop();
  });

  async function landSample(runId: string) {
    const key = (name: string) => `incoming/${TEAM}/${runId}/${name}`;
    for (const [name, bytes] of [
      [R1, gz(reads(40, { mate: 1 }))],
      [R2, gz(reads(40, { mate: 2 }))],
      ['SampleSheet.csv', Buffer.from('[Data]\nSample_ID\nS1\n')],
    ] as const) {
      await harness.folders.put(harness.names.landing, key(name), bytes);
      await landObject(harness.services, { bucket: harness.names.landing, key: key(name) });
    }
  }
  /** The outcome of a conclusion that went to a validation job (any other outcome fails the test). */
  const validate = async (runId: string) => {
    const outcome = await validateLandedSample(harness.services, { team: TEAM, runId, sampleId: 'S1', files: [R1, R2] });
    if (!('jobId' in outcome)) throw new Error(`expected a validation job, got ${JSON.stringify(outcome)}`);
    return outcome;
  };
  const jobsNamed = (jobName: string) => executor.listJobs().filter((job) => job.jobName === jobName);

  it('keeps the queued or running job, and submits again only after it FAILED', async () => {
    // Prepare
    const runId = '261206_LH00417_0990_B22VALJOB';
    await landSample(runId);
    const first = await validate(runId);

    // Act: re-driven while queued; then after the job failed
    const again = await validate(runId);
    await executor.terminate(first.jobId, 'the test fails it');
    await executor.waitUntilDone(first.jobId);
    const afterFailure = await validate(runId);

    // Assess
    expect(first).toMatchObject({ outcome: 'validation-job' });
    expect(again).toEqual({ outcome: 'validation-job-kept', jobName: first.jobName, jobId: first.jobId });
    expect(afterFailure).toMatchObject({ outcome: 'validation-job', jobName: first.jobName });
    expect(afterFailure.jobId).not.toBe(first.jobId);
    expect(jobsNamed(first.jobName).map((job) => job.status)).toEqual(['FAILED', 'RUNNABLE']);
  });

  it('tells the state change of a job that SUCCEEDED again instead of validating a second time', async () => {
    // Prepare: Batch holds a finished job of that name (its conclusion lost); a fake Batch answers for it
    const runId = '261206_LH00417_0991_B22VALJOB';
    await landSample(runId);
    const jobs = harness.services.jobs;
    let submitted = 0;
    let finished: JobDescription | undefined;
    harness.services.jobs = {
      ...jobs,
      findByName: async (jobName, jobQueue, region) => {
        finished = {
          jobId: 'job-finished',
          jobName,
          jobQueue,
          region,
          status: 'SUCCEEDED',
          createdAt: 1,
          startedAt: 2,
          stoppedAt: 3,
          attempts: [],
        };
        return finished.jobId;
      },
      describe: async () => finished,
      submit: async () => {
        submitted++;
        return { jobId: 'never' };
      },
    } as typeof jobs;
    const before = harness.published.length;

    // Act
    const outcome = await validate(runId).finally(() => (harness.services.jobs = jobs));

    // Assess
    const told = harness.published.slice(before).filter((event) => event['detail-type'] === 'Batch Job State Change');
    expect(outcome).toMatchObject({ outcome: 'validation-job-kept', jobId: 'job-finished' });
    expect(submitted).toBe(0);
    expect(told.map((event) => [event.detail.jobId, event.detail.status])).toEqual([['job-finished', 'SUCCEEDED']]);
  });
});
