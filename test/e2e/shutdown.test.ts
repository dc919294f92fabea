/**
 * `landfall up` owns its process tree: after SIGINT (Ctrl-C) or SIGTERM delivered while a step job is
 * running, the runtime exits cleanly and no process of it remains — no orphaned job, no helper server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { isAlive, processTree } from '../support/processTree.ts';
import { dropRun, readBusLog, startRuntimeProcess, waitFor, type RuntimeProcess } from '../support/runtimeProcess.ts';

describe('landfall up shutdown', () => {
  let stateDir: string | undefined;
  let runtime: RuntimeProcess | undefined;

  afterEach(async () => {
    if (runtime && runtime.child.exitCode === null && runtime.child.signalCode === null) {
      runtime.child.kill('SIGKILL');
      await runtime.exited;
    }
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it.each([
    { case: 'SIGINT (Ctrl-C)', signal: 'SIGINT' },
    { case: 'SIGTERM', signal: 'SIGTERM' },
  ] as const)(
    'stops on $case while a job is running and leaves no process behind',
    async ({ signal }) => {
      // Prepare: one sample large enough that its step jobs run for a while
      stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-shutdown-'));
      runtime = await startRuntimeProcess(stateDir);
      const run = await generateRun({
        dir: path.join(stateDir, 'instrument', 'RUN'),
        runId: '261123_LH00417_0050_B22FJKLT9',
        seed: 3,
        samples: 1,
        readsPerSample: 40_000,
        team: 'genomics',
      });
      await dropRun(runtime.info.shareDir, 'genomics', run);
      await waitFor(
        'a running step job',
        () =>
          readBusLog(stateDir!).some((event) => event['detail-type'] === 'Batch Job State Change' && event.detail.status === 'RUNNING') ||
          undefined,
        90_000,
        20,
      );
      const tree = processTree(runtime.child.pid!);
      expect(tree.length).toBeGreaterThan(1); // the runtime and at least one job process

      // Act
      runtime.child.kill(signal);
      const exit = await runtime.exited;

      // Assess
      // The runtime's own words when it did not exit cleanly (exit 1 prints why on stderr).
      expect(exit, runtime.output().slice(-3000)).toEqual({ code: 0, signal: null });
      await waitFor('every process of the runtime to exit', () => tree.every((pid) => !isAlive(pid)) || undefined, 10_000);
      expect(runtime.output()).toContain(`${signal}: stopping`);
    },
    150_000,
  );
});
