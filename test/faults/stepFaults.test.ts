/**
 * Step faults on a live embedded runtime, each then recovered by an operator's reprocess from the step:
 * - a step failing with ENOSPC (scratch disk full, `step.enospc`): exit code 1, not retried, the sample FAILED
 *   with the reason; the other steps publish; reprocess from the step completes it.
 * - a step hanging past its timeout (`step.hangOnce` + a 12 s `executor.jobTimeoutSeconds` on its first job, long
 *   enough for stage-in, the tool and stage-out's upload to reach the hang on a loaded machine): the attempt is
 *   killed as Batch kills it ("Job attempt duration exceeded timeout"), not retried, the sample FAILED, the
 *   hung attempt's work area never published; reprocess from the step completes it.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  waitFor,
  waitForTerminalSamples,
  withLiveRuntime,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';
import { expectNoLossNoDuplicates } from './faultAssertions.ts';

const run = promisify(execFile);
const TEAM = 'genomics';
const landfall = (stateDir: string, ...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(projectRoot, 'cli/landfall.ts'), ...args, '--state-dir', stateDir], {
    cwd: projectRoot,
  });
const scratch = (name: string) => path.join(os.tmpdir(), `landfall-${name}-${process.pid}`);

type JobEvent = {
  detail: {
    jobName: string;
    status: string;
    statusReason?: string;
    attempts?: Array<{ container?: { exitCode?: number }; statusReason?: string }>;
  };
};

async function failThenReprocess(options: { stateDir: string; runtime: RuntimeProcess; runId: string; seed: number; step: string }) {
  const { stateDir, runtime, runId, step } = options;
  const generated = await generateRun({
    dir: path.join(stateDir, 'instrument', runId),
    runId,
    seed: options.seed,
    samples: 1,
    readsPerSample: 200,
    team: TEAM,
  });
  await dropRun(runtime.info.shareDir, TEAM, generated);
  const [failed] = await waitForTerminalSamples(runtime.catalog, TEAM, runId, 1);
  const ref = { team: TEAM, runId, sampleId: 'Sample01', version: 1 };
  const stepRecord = await runtime.catalog.steps.get(ref, step);
  const jobEvents = readBusLog(stateDir).filter(
    (e) => e['detail-type'] === 'Batch Job State Change' && e.detail.jobName === stepRecord?.jobName,
  ) as unknown as JobEvent[];
  const others = await Promise.all(
    ['qc', 'trim', 'profile'].filter((other) => other !== step).map((other) => runtime.catalog.steps.get(ref, other)),
  );
  const sampleFailed = readBusLog(stateDir).filter((e) => e['detail-type'] === 'Sample Failed' && e.detail.runId === runId);
  // Act: the operator reprocesses from the failed step
  await landfall(stateDir, 'reprocess', `${TEAM}/${runId}/Sample01`, '--from-step', step);
  await waitFor(
    `generation 1 of ${runId} to complete`,
    async () => {
      const version = await runtime.catalog.samples.getVersion(ref);
      return version?.generation === 1 && version.status === 'COMPLETED' ? true : undefined;
    },
    90_000,
  );
  await waitForTerminalSamples(runtime.catalog, TEAM, runId, 1); // the sample record follows its version
  return { failed: failed!, stepRecord: stepRecord!, jobEvents, others, sampleFailed, ref };
}

describe('fault: a step fails with ENOSPC', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  const onceFile = scratch('enospc-once');
  withLiveRuntime('landfall-fault-enospc-', (live) => ({ stateDir, runtime } = live), {
    env: { LANDFALL_FAULTS: JSON.stringify({ 'step.enospc': { step: 'trim', onceFile } }) },
  });
  afterAll(() => rmSync(onceFile, { force: true }));

  it('fails the sample after one attempt with exit code 1 and the ENOSPC reason; reprocess from trim completes it, exactly once', async () => {
    // Act
    const runId = '261123_LH00417_0510_B22ENOSPC';
    const { failed, stepRecord, jobEvents, others, sampleFailed, ref } = await failThenReprocess({
      stateDir,
      runtime,
      runId,
      seed: 51,
      step: 'trim',
    });
    // Assess: the fault's terminal state
    expect(failed.status).toBe('FAILED');
    expect(stepRecord).toMatchObject({ status: 'FAILED', attempt: 1 });
    const final = jobEvents.find((e) => e.detail.status === 'FAILED');
    expect(final?.detail.attempts, 'ENOSPC is not retried').toHaveLength(1);
    expect(final?.detail.attempts?.[0]?.container?.exitCode).toBe(1);
    expect(readFileSync(path.join(stateLayout(stateDir).executor, 'logs', stepRecord.jobName, 'attempt-1.log'), 'utf8')).toContain(
      'ENOSPC: no space left on device',
    );
    expect(others.find((other) => other?.step === 'qc')?.publishedAt, 'the early step qc published before the fault').toBeDefined();
    expect(sampleFailed.map((e) => e.detail.step)).toEqual(['trim']);
    // Assess: recovered, nothing lost or duplicated
    expect((await runtime.catalog.executions.list(ref)).map((e) => [e.generation, e.reason])).toEqual([
      [0, 'automatic'],
      [1, 'reprocess'],
    ]);
    await expectNoLossNoDuplicates({ stateDir, catalog: runtime.catalog, team: TEAM, runId, statuses: { Sample01: 'COMPLETED' } });
  }, 180_000);
});

describe('fault: a step hangs past its timeout', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  const touchFile = scratch('hang-touch');
  const faults = {
    'step.hangOnce': { step: 'profile', touchFile, marker: 'hung.txt' },
    'executor.jobTimeoutSeconds': { step: 'profile', seconds: 12, times: 1 },
  };
  withLiveRuntime('landfall-fault-timeout-', (live) => ({ stateDir, runtime } = live), {
    env: { LANDFALL_FAULTS: JSON.stringify(faults) },
  });
  afterAll(() => rmSync(touchFile, { force: true }));

  it('kills the hung attempt at its timeout, fails the sample without retry, never publishes it; reprocess completes it, exactly once', async () => {
    // Act
    const runId = '261123_LH00417_0511_B22TIMEOUT';
    const { failed, stepRecord, jobEvents, others, sampleFailed } = await failThenReprocess({
      stateDir,
      runtime,
      runId,
      seed: 52,
      step: 'profile',
    });
    // Assess: the fault's terminal state
    expect(existsSync(touchFile), 'the profile attempt reached the hang').toBe(true);
    expect(failed.status).toBe('FAILED');
    expect(stepRecord).toMatchObject({ status: 'FAILED', attempt: 1 });
    const final = jobEvents.find((e) => e.detail.status === 'FAILED');
    expect(final?.detail.attempts, 'a timeout is not retried').toHaveLength(1);
    expect(final?.detail.statusReason ?? final?.detail.attempts?.[0]?.statusReason).toContain('Job attempt duration exceeded timeout');
    expect(others.find((other) => other?.step === 'qc')?.publishedAt, 'the early step qc published before the fault').toBeDefined();
    expect(sampleFailed.map((e) => e.detail.step)).toEqual(['profile']);
    // Assess: the hung attempt's marker never reached the team's results; recovered exactly once
    const results = path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', runId);
    expect(readFileSync(path.join(results, 'samples', 'Sample01', 'v1', 'manifest.json'), 'utf8')).not.toContain('hung.txt');
    await expectNoLossNoDuplicates({ stateDir, catalog: runtime.catalog, team: TEAM, runId, statuses: { Sample01: 'COMPLETED' } });
  }, 180_000);
});
