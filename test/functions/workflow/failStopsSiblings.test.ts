/**
 * A sample whose step failed for good: its execution is over, so a sibling step still running in Batch and a
 * later step held behind the run's early steps would compute what no workflow task is left to publish.
 * `Record sample failure` stops them — the running job terminated (a real process on the local executor), the
 * held job claimed so it is never submitted — and says why on their steps. Real catalog and folder storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedStepOf } from '../../../functions/catalog/Steps.ts';
import { failSample } from '../../../functions/workflow/finishSample.ts';
import { declaredActions } from '../../../stacks/permissions.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';
import { createExecutor, type ExecutorHarness, nodeJob } from '../../runtime/executor/executorFixture.ts';

const TEAM = 'genomics';
const RUN = '261205_LH00417_0995_B22SIBLING';

describe('a failed step stops the rest of its sample', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: ExecutorHarness;
  beforeAll(async () => {
    harness = await startServicesHarness();
    executor = createExecutor();
    await executor.executor.start();
    harness.services.jobs = executor.executor;
  });
  afterAll(async () => {
    await executor?.dispose();
    await harness?.stop();
  });

  it('terminates the running sibling, claims the held step, and marks both with the reason', async () => {
    // Prepare: qc failed; trim runs (a process that would run for minutes); profile is held behind early steps
    const ref = { team: TEAM, runId: RUN, sampleId: 'S1', version: 1 };
    const { catalog } = harness.services;
    await catalog.samples.claimVersion(ref, 'hash-s1', [], 'RUNNING');
    const executionName = `${TEAM}-${RUN}-S1-v1-g0`;
    const job = (step: string) => ({
      ...ref,
      jobName: `${executionName}-${step}`,
      step,
      taskToken: `token-${step}`,
      executionName,
      region: 'eu-west-1',
      workBucket: harness.names.results,
      workPrefix: `work/${executionName}/${step}/`,
      submittedAt: new Date().toISOString(),
    });
    await catalog.steps.put({ ...ref, step: 'qc', status: 'FAILED', jobName: job('qc').jobName, region: 'eu-west-1' });
    const { jobId } = await executor.executor.submit(nodeJob(job('trim').jobName, 'setInterval(() => undefined, 1000)'));
    await catalog.jobs.record({ ...job('trim'), jobId });
    await catalog.steps.put({ ...ref, step: 'trim', status: 'RUNNING', jobName: job('trim').jobName, jobId, region: 'eu-west-1' });
    await catalog.jobs.defer({ ...job('profile'), deferredSpec: '{}' });
    await catalog.steps.put({ ...ref, step: 'profile', status: 'RUNNING', jobName: job('profile').jobName, region: 'eu-west-1' });
    // Act
    const result = await failSample(harness.services, {
      executionName,
      sample: { ...ref, pipeline: 'demo', generation: 0, inputs: [] },
      error: { Error: 'States.TaskFailed', Cause: 'qc exited 3' },
    });
    const ended = await executor.executor.waitUntilDone(jobId);
    // Assess
    expect(result.outcome).toBe('failed');
    expect(ended.status).toBe('FAILED');
    // In AWS that stop is failSample's TerminateJob call: its role must allow it (an AccessDenied was only logged).
    expect(declaredActions('failSample')).toContain('batch:TerminateJob');
    expect(await catalog.jobs.claimDeferred(job('profile').jobName)).toBe(false); // already claimed: never submitted
    const steps = await catalog.steps.list(ref);
    expect(steps.map((step) => `${step.step} ${step.status}`).sort()).toEqual(['profile FAILED', 'qc FAILED', 'trim FAILED']);
    expect(steps.find((step) => step.step === 'trim')).toMatchObject({ error: 'stopped: the sample failed in qc', stopped: true });
    // …and the sample, its messages and `landfall logs` still name the step that failed, not one stopped beside it
    expect(failedStepOf(steps)?.step).toBe('qc');
    expect((await catalog.samples.get(ref))?.detail).toBe('failed in qc: qc exited 3');
  }, 30_000);
});
