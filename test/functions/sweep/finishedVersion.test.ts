/**
 * A process that died inside `Complete sample` or `Record sample failure`, between finishing the version and
 * setting the sample's status: the version is COMPLETED (or FAILED) and the sample still says RUNNING, with no
 * execution left to end it. The recovery sweep used to look only at READY and RUNNING versions, so the sample
 * stayed RUNNING for ever and its "Sample Completed" never went out (a CI flake of
 * test/e2e/crashRecovery.test.ts, the kill landing in that gap). Real local catalog and folder storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../../support/sweep.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';

describe('a version its execution ended while its sample did not hear', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  /** Executions the test says are alive (an execution about to end its sample itself). */
  const live = new Set<string>();
  const started: string[] = [];
  beforeAll(async () => {
    harness = await startServicesHarness();
    harness.services.workflows.describeExecution = async (arn) => (live.has(arn) ? { status: 'RUNNING' } : undefined) as never;
    harness.services.workflows.startExecution = async ({ name }) => {
      started.push(name);
      return { executionArn: `arn:aws:states:eu-west-1:000000000000:execution:demo:${name}`, startDate: new Date() };
    };
  });
  afterAll(async () => harness?.stop());

  /** A sample whose generation-1 execution finished its version as `status` and died before the rest. */
  async function diedEnding(runId: string, status: 'COMPLETED' | 'FAILED') {
    const { catalog } = harness.services;
    const ref = { team: TEAM, runId, sampleId: 'S1', version: 1 };
    await catalog.samples.claimVersion(ref, `hash-${runId}`, [], 'READY');
    for (const generation of [0, 1]) {
      const executionName = `${TEAM}-${runId}-S1-v1-g${generation}`;
      await catalog.executions.markStarted(ref, {
        ...ref,
        executionName,
        executionArn: `arn:aws:states:eu-west-1:000000000000:execution:demo:${executionName}`,
        pipeline: 'demo',
        generation,
        startedAt: new Date().toISOString(),
        reason: generation === 0 ? 'automatic' : 'recovery',
      });
    }
    await catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1, detail: 'running trim in eu-west-1' });
    await catalog.steps.put({
      ...ref,
      step: 'qc',
      jobName: 'j',
      region: 'eu-west-1',
      ...(status === 'COMPLETED' ? { status: 'SUCCEEDED', publishedAt: new Date().toISOString() } : { status: 'FAILED' }),
    });
    await catalog.samples.finishVersion(
      ref,
      status,
      status === 'COMPLETED' ? { completedAt: '2026-12-06T01:02:03.000Z' } : { error: 'States.TaskFailed: qc exited 3' },
    );
    return ref;
  }
  const facts = (runId: string, detailType: string) =>
    harness.published.filter((event) => event['detail-type'] === detailType && event.detail.runId === runId);

  it('COMPLETED: the sweep ends the sample, announces it once, and keeps the completion time', async () => {
    // Prepare
    const ref = await diedEnding('261206_LH00417_0990_B22ENDED1', 'COMPLETED');
    // Act
    await sweep(true);
    await sweep(false);
    // Assess
    expect(await harness.services.catalog.samples.get(ref)).toMatchObject({ status: 'COMPLETED', detail: 'v1 completed: qc' });
    const completed = facts(ref.runId, 'Sample Completed');
    expect(completed.map((event) => event.detail.dedupeKey)).toEqual([`completed:${TEAM}/${ref.runId}/S1/v1/g1`]);
    expect((await harness.services.catalog.samples.getVersion(ref))?.completedAt).toBe('2026-12-06T01:02:03.000Z');
    expect(started).toEqual([]); // no recovery execution for a version already ended
  });

  it('FAILED: the sweep fails the sample with its error and announces it once', async () => {
    const ref = await diedEnding('261206_LH00417_0991_B22ENDED2', 'FAILED');
    await sweep(true);
    await sweep(false);
    expect(await harness.services.catalog.samples.get(ref)).toMatchObject({
      status: 'FAILED',
      detail: 'failed in qc: States.TaskFailed: qc exited 3',
    });
    expect(facts(ref.runId, 'Sample Failed').map((event) => event.detail.dedupeKey)).toEqual([`failed:${TEAM}/${ref.runId}/S1/v1/g1`]);
    expect(started).toEqual([]);
  });

  it('an execution still running is left to end its sample itself', async () => {
    const ref = await diedEnding('261206_LH00417_0992_B22ENDED3', 'COMPLETED');
    live.add(`arn:aws:states:eu-west-1:000000000000:execution:demo:${TEAM}-${ref.runId}-S1-v1-g1`);
    await sweep(false);
    expect((await harness.services.catalog.samples.get(ref))?.status).toBe('RUNNING');
    expect(facts(ref.runId, 'Sample Completed')).toEqual([]);
  });
});
