/**
 * A sample too large for a function is validated by a Batch job; the same files re-driven (the event again, a
 * retried invocation, the sweep finding the sample VALIDATING while the job still runs) keep that job instead of
 * submitting another: SubmitJob has no idempotency, and the local executor, like Batch, starts a second job for a
 * repeated name. Its conclusion looks again at the run's checksum documents, as the inline one does. Real folder
 * storage, real catalog, a local executor that queues without running (the job program is run by the test).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobStateChangeEvent } from '../../../contracts/events/batch.ts';
import { landObject } from '../../../functions/landing/landObject.ts';
import { finishValidationJob } from '../../../functions/validation/finishValidationJob.ts';
import { validationJobKeys } from '../../../functions/validation/validationJob.ts';
import { validateLandedSample } from '../../../functions/validation/validateLandedSample.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import type { JobDescription } from '../../../seams/jobs/JobService.ts';
import validationJobsConfig from '../../fixtures/landfall.validation-jobs.config.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';
import { runValidationJob } from '../../../workflows/steps/validateJob.ts';

const TEAM = 'genomics';
const R1 = 'S1_S1_L001_R1_001.fastq.gz';
const R2 = 'S1_S1_L001_R2_001.fastq.gz';

describe('a validation job re-driven for the same files, and concluded', () => {
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

  async function landFile(runId: string, name: string, bytes: Buffer) {
    const key = `incoming/${TEAM}/${runId}/${name}`;
    await harness.folders.put(harness.names.landing, key, bytes);
    await landObject(harness.services, { bucket: harness.names.landing, key });
  }
  /** S1's mates and its sheet; returns the mates' bytes. */
  async function landSample(runId: string) {
    const [r1, r2] = [gz(reads(40, { mate: 1 })), gz(reads(40, { mate: 2 }))];
    await landFile(runId, R1, r1);
    await landFile(runId, R2, r2);
    await landFile(runId, 'SampleSheet.csv', Buffer.from('[Data]\nSample_ID\nS1\n'));
    return [r1, r2] as const;
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

  it('checks the version a job concluded against a manifest that landed while it ran, once it is cataloged', async () => {
    // Prepare: S1 complete and its validation job submitted; then the lab's MD5SUMS, made for other R2 bytes, lands (S1 VALIDATING)
    const runId = '261206_LH00417_0992_B22VALJOB';
    const [r1, r2] = await landSample(runId);
    await landFile(runId, 'CopyComplete.txt', Buffer.from(''));
    const { jobName } = await validate(runId);
    const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
    const wrong = md5(Buffer.from('the bytes the lab hashed'));
    await landFile(runId, 'MD5SUMS', Buffer.from(`${md5(r1)}  ${R1}\n${wrong}  ${R2}\n`));
    const statusWhenLanded = (await harness.services.catalog.samples.get({ team: TEAM, runId, sampleId: 'S1' }))?.status;
    const before = harness.published.length;
    // Act: the job program validates, and its SUCCEEDED state change is handled; nothing lands after
    const keys = validationJobKeys(harness.services.config, jobName);
    await runValidationJob(harness.services.storage, keys.bucket, keys.input);
    const concluded = await finishValidationJob(harness.services, {
      detail: { jobName, status: 'SUCCEEDED' },
    } as unknown as JobStateChangeEvent);
    // Assess: v1 cataloged on the bytes it read, then one message naming the document's line and both MD5s
    const late = harness.published
      .slice(before)
      .filter((event) => event['detail-type'] === 'Unexpected File' && event.detail.runId === runId && event.detail.kind === 'late');
    expect(statusWhenLanded).toBe('VALIDATING');
    expect(concluded).toEqual({ outcome: 'cataloged', version: 1 });
    expect(late.map((event) => [event.detail.sampleId, event.detail.file])).toEqual([['S1', 'MD5SUMS']]);
    expect(late[0]!.detail.message).toContain(`expected ${wrong} (MD5SUMS line 2), found ${md5(r2)}`);
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
