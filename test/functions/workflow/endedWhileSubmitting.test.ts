/**
 * A sample cancelled (or failed in another step) while one of its step jobs is being submitted: the cancel's
 * stopVersionJobs finds no job id to terminate yet, or no held job to claim, so the submission itself must see
 * the version ended once its job exists and stop it; otherwise the job runs to the end for a sample whose
 * execution is gone. Real catalog, a local Batch executor that never dispatches (jobs stay queued until
 * terminated), and the real `landfall cancel` code; only the moment the cancel lands is arranged, by running it
 * inside the submission's own call to Batch (or to the held-job list).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelSamples } from '../../../functions/operate/cancelSamples.ts';
import { failSample } from '../../../functions/workflow/finishSample.ts';
import { submitStepJob } from '../../../functions/workflow/submitStepJob.ts';
import type { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import { queueOnlyExecutor, startServicesHarness } from '../../support/servicesHarness.ts';
import { runStepPayload } from '../../support/stepJobFixture.ts';

const TEAM = 'genomics';
const RUN = '261206_LH00417_0996_B22CANCELX';
const OTHER_RUN = '261206_LH00417_0997_B22FAILEDX';

describe('a version that ends while its step job is being submitted', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;

  beforeAll(async () => {
    harness = await startServicesHarness();
    // Never started: a submitted job stays RUNNABLE, as one that has not reached a host yet.
    executor = await queueOnlyExecutor(harness);
  });

  afterAll(async () => {
    await executor?.stop();
    await harness?.stop();
  });

  const runningSample = async (sampleId: string, runId = RUN) => {
    const ref = { team: TEAM, runId, sampleId, version: 1 };
    await harness.services.catalog.samples.claimVersion(ref, `hash-${sampleId}`, [], 'RUNNING');
    await harness.services.catalog.samples.updateVersion(ref, { pipeline: 'demo' });
    await harness.services.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1, detail: 'running' });
    return ref;
  };
  /** qc as a published step records it (it gates the run's later steps). */
  const publishedQc = (ref: { team: string; runId: string; sampleId: string; version: number }) =>
    harness.services.catalog.steps.put({
      ...ref,
      step: 'qc',
      status: 'SUCCEEDED',
      jobName: `${ref.team}-${ref.runId}-${ref.sampleId}-v1-g0-qc`,
      region: 'eu-west-1',
      publishedAt: new Date().toISOString(),
    });
  const cancel = (sampleId: string) => cancelSamples(harness.services, { team: TEAM, runId: RUN, sampleId, by: 'the test' });

  it('terminates a job whose sample was cancelled while Batch was being asked to run it', async () => {
    // Prepare: the cancel lands after the step is RUNNING in the catalog but before the job has an id
    const ref = await runningSample('S1');
    const submit = executor.submit.bind(executor);
    let cancelled: Awaited<ReturnType<typeof cancel>> | undefined;
    executor.submit = async (spec) => {
      cancelled = await cancel('S1');
      return submit(spec);
    };
    // Act
    let result: Awaited<ReturnType<typeof submitStepJob>>;
    try {
      result = await submitStepJob(harness.services, runStepPayload(RUN, 'S1', 'qc', { executionName: `${TEAM}-${RUN}-S1-v1-g0` }));
    } finally {
      executor.submit = submit;
    }
    // Assess: the cancel could stop nothing (no job id yet) …
    expect(cancelled?.cancelled).toEqual([{ sampleId: 'S1', version: 1, stoppedExecution: false, terminatedJobs: [], heldJobs: [] }]);
    // … so the submission stopped its own job, and the step says why, as a stopped step (not a failure of its own)
    expect(result.outcome).toBe('stopped');
    const job = executor.listJobs().find((candidate) => candidate.jobName === result.jobName);
    expect(job).toMatchObject({ status: 'FAILED', statusReason: 'cancelled by the test (landfall cancel)' });
    expect(await harness.services.catalog.steps.get(ref, 'qc')).toMatchObject({
      status: 'FAILED',
      stopped: true,
      error: 'cancelled by the test (landfall cancel)',
    });
  }, 30_000);

  it('never submits a held step whose sample was cancelled while it was being held', async () => {
    // Prepare: S2's trim waits for the run's early steps (S3's qc has not published); the cancel lands just
    // before the held job is written, so the cancel's list of held jobs does not have it
    const ref = await runningSample('S2');
    await runningSample('S3');
    await publishedQc(ref);
    const jobs = harness.services.catalog.jobs;
    const defer = jobs.defer.bind(jobs);
    jobs.defer = async (job) => {
      await cancel('S2');
      return defer(job);
    };
    // Act
    let result: Awaited<ReturnType<typeof submitStepJob>>;
    try {
      result = await submitStepJob(harness.services, runStepPayload(RUN, 'S2', 'trim', { executionName: `${TEAM}-${RUN}-S2-v1-g0` }));
    } finally {
      jobs.defer = defer;
    }
    // Assess: the held job is claimed already, so no release can ever submit it, and Batch never saw it
    expect(result.outcome).toBe('stopped');
    expect(await jobs.claimDeferred(result.jobName)).toBe(false);
    expect(executor.listJobs().some((candidate) => candidate.jobName === result.jobName)).toBe(false);
    expect(await harness.services.catalog.steps.get(ref, 'trim')).toMatchObject({ status: 'FAILED', stopped: true });
  }, 30_000);

  it('never submits a step held between the cancel listing the held jobs and stopping them', async () => {
    // Prepare: S4's trim is held (S3's qc still pending) right after the cancel has read the run's held jobs
    const ref = await runningSample('S4');
    await publishedQc(ref);
    const jobs = harness.services.catalog.jobs;
    const listDeferred = jobs.listDeferred.bind(jobs);
    let held: Awaited<ReturnType<typeof submitStepJob>> | undefined;
    jobs.listDeferred = async (team, runId) => {
      const listed = await listDeferred(team, runId);
      held ??= await submitStepJob(harness.services, runStepPayload(RUN, 'S4', 'trim', { executionName: `${TEAM}-${RUN}-S4-v1-g0` }));
      return listed;
    };
    // Act
    try {
      await cancel('S4');
    } finally {
      jobs.listDeferred = listDeferred;
    }
    // Assess: the cancel marked the version before listing, so the submission saw it and claimed its own job
    expect(held?.outcome).toBe('stopped');
    expect(await jobs.claimDeferred(held!.jobName)).toBe(false);
    expect(await harness.services.catalog.steps.get(ref, 'trim')).toMatchObject({ status: 'FAILED', stopped: true });
  }, 30_000);

  it('terminates a job whose sample failed in another step while Batch was being asked to run it', async () => {
    // Prepare: trim fails for good (its workflow records the failure) while profile's job is being submitted;
    // another run, where no early step is pending
    const ref = await runningSample('S5', OTHER_RUN);
    const executionName = `${TEAM}-${OTHER_RUN}-S5-v1-g0`;
    await publishedQc(ref);
    await harness.services.catalog.steps.put({
      ...ref,
      step: 'trim',
      status: 'FAILED',
      jobName: `${executionName}-trim`,
      region: 'eu-west-1',
    });
    await harness.services.catalog.samples.markEarlyStepsDone(ref);
    const submit = executor.submit.bind(executor);
    executor.submit = async (spec) => {
      await failSample(harness.services, {
        executionName,
        sample: { ...ref, pipeline: 'demo', generation: 0, inputs: [] },
        error: { Error: 'States.TaskFailed', Cause: 'trim exited 3' },
      });
      return submit(spec);
    };
    // Act
    let result: Awaited<ReturnType<typeof submitStepJob>>;
    try {
      result = await submitStepJob(harness.services, runStepPayload(OTHER_RUN, 'S5', 'profile', { executionName }));
    } finally {
      executor.submit = submit;
    }
    // Assess
    expect(result.outcome).toBe('stopped');
    const reason = 'stopped: the sample failed (States.TaskFailed: trim exited 3)';
    expect(executor.listJobs().find((candidate) => candidate.jobName === result.jobName)).toMatchObject({
      status: 'FAILED',
      statusReason: reason,
    });
    expect(await harness.services.catalog.steps.get(ref, 'profile')).toMatchObject({ status: 'FAILED', stopped: true, error: reason });
  }, 30_000);
});
