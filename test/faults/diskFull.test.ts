/**
 * The disk holding the state dir fills up mid-run (issue 22, finding 7): the bus can no longer append to its
 * log. Before, the append error was swallowed and the fact was delivered, logged nowhere and possibly dropped,
 * and the runtime later died with a raw stack trace. Now the publish fails (the fact stays in the outbox),
 * `landfall up` stops with ONE line saying what happened and what to do (exit 1), and after space is freed a
 * restart completes every sample with nothing lost and no fact twice.
 */
import { rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  stopRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';
import { expectNoLossNoDuplicates } from './faultAssertions.ts';

const TEAM = 'genomics';

describe('fault: the disk fills up mid-run', () => {
  const diskFull = path.join(os.tmpdir(), `landfall-disk-full-${process.pid}`);
  let stateDir: string | undefined;
  let runtime: RuntimeProcess | undefined;
  afterAll(async () => {
    rmSync(diskFull, { force: true });
    await stopRuntimeProcess(runtime, undefined);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('stops with one line saying what to do, and completes every sample exactly once after a restart', async () => {
    // Prepare
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-fault-disk-'));
    const env = { LANDFALL_FAULTS: JSON.stringify({ 'bus.appendLog': { effect: 'enospc', whileFileExists: diskFull } }) };
    runtime = await startRuntimeProcess(stateDir, undefined, env);
    const runId = '261123_LH00417_0800_B22DISKFL';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 80,
      samples: 2,
      readsPerSample: 2000,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitFor(
      'a workflow to start',
      () => readBusLog(stateDir!).some((e) => e['detail-type'] === 'Workflow Started' && e.detail.runId === runId) || undefined,
      90_000,
      20,
    );
    // Act: the disk is full from now on
    writeFileSync(diskFull, 'full');
    const exit = await Promise.race([
      runtime.exited,
      new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000)),
    ]);
    const output = runtime.output();
    rmSync(diskFull, { force: true }); // space freed
    runtime = await startRuntimeProcess(stateDir);
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 2);

    // Assess: one line, no stack trace, exit 1
    expect(exit).toEqual({ code: 1, signal: null });
    const stopLines = output.split('\n').filter((line) => line.startsWith('landfall up: stopped: the disk holding'));
    expect(stopLines).toEqual([
      `landfall up: stopped: the disk holding ${stateDir} is full (ENOSPC writing ${path.join(stateDir, 'bus', 'events.jsonl')}). Free space on it, then run landfall up again: nothing is lost — facts not yet sent are relayed and unfinished work resumes at the next start.`,
    ]);
    expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    // Nothing lost, nothing twice
    await expectNoLossNoDuplicates({
      stateDir,
      catalog: runtime.catalog,
      team: TEAM,
      runId,
      statuses: { Sample01: 'COMPLETED', Sample02: 'COMPLETED' },
    });
  }, 300_000);
});
