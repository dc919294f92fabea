/**
 * Stopping `landfall up` cleanly (SIGTERM) in the middle of a run fails nothing: the samples in flight
 * stay where they were, and the next start's recovery sweep brings every one of them to COMPLETED.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';

describe('a clean stop mid-run', () => {
  const started: RuntimeProcess[] = [];
  let stateDir: string | undefined;
  afterAll(async () => {
    for (const runtime of started) if (runtime.child.exitCode === null) runtime.child.kill('SIGKILL');
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('fails no sample, and the next start completes every one', async () => {
    // Prepare
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-stop-resume-'));
    const first = await startRuntimeProcess(stateDir);
    started.push(first);
    const runId = '261123_LH00417_0800_B22STOPMD';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 5,
      samples: 4,
      readsPerSample: 2000,
      team: TEAM,
    });
    await dropRun(first.info.shareDir, TEAM, run);
    await waitFor(
      'a workflow to start',
      () => (readBusLog(stateDir!).some((e) => e['detail-type'] === 'Workflow Started') ? true : undefined),
      60_000,
    );
    // Act: Ctrl-C's sibling, while jobs run; then start again on the same state
    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    const completedBeforeStop = readBusLog(stateDir).filter((e) => e['detail-type'] === 'Sample Completed').length;
    const second = await startRuntimeProcess(stateDir);
    started.push(second);
    const samples = await waitForTerminalSamples(second.catalog, TEAM, runId, 4);
    // Assess
    expect(completedBeforeStop).toBeLessThan(4); // the stop really came mid-run
    expect(readBusLog(stateDir).filter((e) => e['detail-type'] === 'Sample Failed')).toEqual([]);
    expect(samples.map((sample) => sample.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 180_000);
});
