/**
 * The runner launcher starts task runners for the local executor from a small process, so a job's dispatch no
 * longer forks the whole runtime. What it must keep from a runner being the executor's own child: a runner knows
 * when nobody is left to report to (its channel closes and it kills its group), and the executor hears how every
 * runner ended — also when the launcher itself is killed. Real processes: the launcher and taskRunner.mjs.
 */
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type LaunchedRunner, RunnerLauncher } from '../../../runtime/executor/RunnerLauncher.ts';
import { isAlive } from '../../support/processTree.ts';
import { waitAllDead } from './executorFixture.ts';

const TASK_RUNNER = fileURLToPath(new URL('../../../runtime/executor/taskRunner.mjs', import.meta.url));

const closeOf = (runner: LaunchedRunner) =>
  new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    runner.once('close', (code, signal) => resolve({ code, signal })),
  );

describe('RunnerLauncher', () => {
  const launchers: RunnerLauncher[] = [];
  afterEach(() => {
    for (const launcher of launchers.splice(0)) launcher.stop();
  });
  const started = async (launcher: RunnerLauncher) => {
    const runner = launcher.launch(TASK_RUNNER);
    await vi.waitFor(() => expect(runner.ready).toBe(true), { timeout: 10_000 });
    return runner;
  };

  it('starts runners that are not its own process, and carries their messages both ways', async () => {
    // Prepare
    const launcher = new RunnerLauncher({ cwd: process.cwd() });
    launchers.push(launcher);
    const runner = await started(launcher);
    const replies: unknown[] = [];
    runner.on('message', (message) => replies.push(message));
    const closed = closeOf(runner);
    // Act: a message the runner refuses (it expects a run first) comes back as its error report, then it ends
    runner.send({ type: 'not-a-run' });
    // Assess
    await vi.waitFor(() =>
      expect(replies).toEqual([{ type: 'error', message: 'taskRunner: expected a run message, found {"type":"not-a-run"}' }]),
    );
    expect(runner.pid).not.toBe(launcher.pid);
    expect(runner.pid).not.toBe(process.pid);
    expect((await closed).signal).toBe('SIGKILL'); // it ends its own group once it has reported
    expect(runner.connected).toBe(false);
  });

  it('ends every runner when the launcher is killed, and says each closed as a lost host', async () => {
    // Prepare: two runners waiting for a job
    const launcher = new RunnerLauncher({ cwd: process.cwd() });
    launchers.push(launcher);
    const runners = [await started(launcher), await started(launcher)];
    const closes = runners.map(closeOf);
    // Act
    process.kill(launcher.pid!, 'SIGKILL');
    // Assess: their channels closed with the launcher, so each killed its group; the executor hears of both
    expect(await Promise.all(closes)).toEqual([
      { code: null, signal: 'SIGKILL' },
      { code: null, signal: 'SIGKILL' },
    ]);
    expect(
      await waitAllDead(
        runners.map((runner) => runner.pid!),
        5_000,
      ),
    ).toEqual([]);
    // …and the next launch starts a new launcher
    const next = await started(launcher);
    expect(isAlive(next.pid!)).toBe(true);
  });

  it('stops a runner asked to before it even started, and exits once idle', async () => {
    // Prepare
    const launcher = new RunnerLauncher({ cwd: process.cwd(), idleMs: 200 });
    launchers.push(launcher);
    // Act: disconnected in the same turn as its launch (the executor dropping a spare that is not ready)
    const runner = launcher.launch(TASK_RUNNER);
    const closed = closeOf(runner);
    runner.disconnect();
    // Assess
    await closed;
    if (runner.pid !== undefined) expect(await waitAllDead([runner.pid], 5_000)).toEqual([]);
    const launcherPid = launcher.pid!;
    expect(await waitAllDead([launcherPid], 5_000)).toEqual([]);
  });
});
