/**
 * A step's submission retried by its workflow (a throttled catalog write after the SDK's own retries, a Lambda
 * timeout) after Batch accepted the job: SubmitJob has no idempotency token, so submitting again starts a second
 * Batch job of the same name for one step. The retry keeps the job an earlier attempt recorded, or finds the one
 * Batch accepted before its id was recorded, and completes its own (new) task token when that job already ended.
 * Real catalog and placement, a local Batch executor that never dispatches; each failure is the real error an
 * AWS call would throw, injected once into the catalog call it names. Counted: the SubmitJob calls made and the
 * jobs the executor holds (like Batch, it starts another job for a repeated name).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitStepJob } from '../../../functions/workflow/submitStepJob.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';
import { runStepPayload } from '../../support/stepJobFixture.ts';

const TEAM = 'genomics';
const RUN = '261206_LH00417_0999_B22RETRYSUB';

const throttled = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException' });

describe('a step submission retried after Batch accepted its job', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;
  let submitCalls: string[];

  beforeAll(async () => {
    harness = await startServicesHarness();
    executor = await queueOnlyExecutor(harness);
    const submit = executor.submit.bind(executor);
    executor.submit = async (spec) => {
      submitCalls.push(spec.jobName);
      return submit(spec);
    };
  });
  afterAll(async () => {
    await executor?.stop();
    await harness?.stop();
  });

  const runningSample = async (sampleId: string) => {
    const ref = { team: TEAM, runId: RUN, sampleId, version: 1 };
    await harness.services.catalog.samples.claimVersion(ref, `hash-${sampleId}`, [], 'RUNNING');
    await harness.services.catalog.samples.updateVersion(ref, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1, detail: 'running' });
    return ref;
  };
  /** Makes `method` of `target` throw a throttling error once, then behave. */
  const failOnce = <T extends object>(target: T, method: keyof T & string) => {
    const original = (target[method] as (...args: unknown[]) => unknown).bind(target);
    let failed = false;
    (target as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      if (!failed) {
        failed = true;
        await original(...args);
        throw throttled();
      }
      return original(...args);
    };
    return () => void ((target as Record<string, unknown>)[method] = original);
  };
  const attempt = (sampleId: string, taskToken: string) =>
    submitStepJob(harness.services, { ...runStepPayload(RUN, sampleId, 'qc'), taskToken });

  it('keeps the job whose id the failed attempt recorded, under the retry\u2019s task token', async () => {
    // Prepare: the first attempt submits and records the job id, then a later catalog write is throttled
    await runningSample('S1');
    submitCalls = [];
    const restore = failOnce(harness.services.catalog.regionLoads, 'markSubmitted');
    const first = await attempt('S1', 'token-first').catch((error: unknown) => error);
    restore();
    // Act: the workflow's Retry
    const retried = await attempt('S1', 'token-retry');
    // Assess: one SubmitJob; the job record has that job and the token the workflow now waits on
    expect(first).toMatchObject({ name: 'ThrottlingException' });
    expect(submitCalls).toEqual([retried.jobName]);
    const job = await harness.services.catalog.jobs.get(retried.jobName);
    expect(job).toMatchObject({ jobId: retried.jobId, taskToken: 'token-retry' });
    expect(executor.listJobs().filter((candidate) => candidate.jobName === retried.jobName)).toHaveLength(1);
  }, 30_000);

  it('finds the job Batch accepted when the failed attempt never recorded its id', async () => {
    // Prepare: SubmitJob went through, and recording its id was throttled (the write never happened)
    await runningSample('S2');
    submitCalls = [];
    const jobs = harness.services.catalog.jobs;
    const setJobId = jobs.setJobId.bind(jobs);
    jobs.setJobId = async () => {
      jobs.setJobId = setJobId;
      throw throttled();
    };
    const first = await attempt('S2', 'token-first').catch((error: unknown) => error);
    jobs.setJobId = setJobId;
    const [accepted] = executor.listJobs().filter((candidate) => candidate.jobName === submitCalls[0]);
    // Act
    const retried = await attempt('S2', 'token-retry');
    // Assess
    expect(first).toMatchObject({ name: 'ThrottlingException' });
    expect(submitCalls).toHaveLength(1);
    expect(retried.jobId).toBe(accepted!.jobId);
    expect(await jobs.get(retried.jobName)).toMatchObject({ jobId: accepted!.jobId, taskToken: 'token-retry' });
  }, 30_000);

  it('tells the workflow at once when the kept job ended before the retry (its state change went to the old token)', async () => {
    // Prepare: the job is submitted and recorded, a later write is throttled, and the job fails before the retry
    await runningSample('S3');
    submitCalls = [];
    const restore = failOnce(harness.services.catalog.regionLoads, 'markSubmitted');
    await attempt('S3', 'token-first').catch(() => undefined);
    restore();
    const jobName = submitCalls[0]!;
    const { jobId } = (await harness.services.catalog.jobs.get(jobName))!;
    await executor.terminate(jobId!, 'the test stops it');
    const publishedBefore = harness.published.length;
    // Act
    const retried = await attempt('S3', 'token-retry');
    // Assess: its state change is on the bus again, for the handler to complete the retry's token with
    const told = harness.published
      .slice(publishedBefore)
      .filter((event) => event['detail-type'] === 'Batch Job State Change' && (event.detail as { jobId: string }).jobId === jobId);
    expect(retried.jobId).toBe(jobId);
    expect(submitCalls).toHaveLength(1);
    expect(told.map((event) => (event.detail as { status: string }).status)).toEqual(['FAILED']);
  }, 30_000);
});
