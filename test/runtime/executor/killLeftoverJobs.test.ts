import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunningFileError } from '../../../runtime/executor/errors.ts';
import { killLeftoverJobs } from '../../../runtime/executor/killLeftoverJobs.ts';
import { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import { processStartTicks } from '../../../runtime/executor/processGroups.ts';
import { readRunningJobs, runningJobsPath, writeRunningJobs, type RunningJobEntry } from '../../../runtime/executor/runningJobsFile.ts';
import { isAlive, waitAllDead } from './executorFixture.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempStateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'landfall-leftovers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A detached `sh` leading its own group with a `sleep` child: what a job left by a dead runtime looks like. */
async function leftoverGroup(): Promise<{ leader: number; sleeper: number; entry: RunningJobEntry }> {
  const child = spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const leader = child.pid ?? Number.NaN;
  cleanups.push(() => {
    try {
      process.kill(-leader, 'SIGKILL');
    } catch {
      // gone
    }
  });
  child.unref();
  const line = await new Promise<string>((resolve) => child.stdout.once('data', (chunk: Buffer) => resolve(chunk.toString())));
  const ticks = processStartTicks(leader);
  return {
    leader,
    sleeper: Number(line.trim()),
    entry: {
      jobId: 'job-1',
      jobName: 'left-behind',
      attempt: 1,
      pid: leader,
      pgid: leader,
      startedAt: Date.now(),
      ...(ticks !== undefined && { startTicks: ticks }),
    },
  };
}

describe('killLeftoverJobs', () => {
  it('SIGKILLs the recorded process groups that are still alive and empties the file', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const group = await leftoverGroup();
    writeRunningJobs(stateDir, [group.entry, { ...group.entry, jobId: 'job-2', pid: 4_194_000, pgid: 4_194_000 }]);

    // Act
    const killed = await killLeftoverJobs(stateDir);

    // Assess
    expect(killed.map((entry) => entry.jobId)).toEqual(['job-1']);
    expect(await waitAllDead([group.leader, group.sleeper], 2_000)).toEqual([]);
    expect(readRunningJobs(stateDir)).toEqual([]);
  });

  it('skips an entry whose leader pid now belongs to a process that started at another time', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const group = await leftoverGroup();
    writeRunningJobs(stateDir, [{ ...group.entry, startTicks: (group.entry.startTicks ?? 0) - 1 }]);

    // Act
    const killed = await killLeftoverJobs(stateDir);

    // Assess
    expect(killed).toEqual([]);
    expect([group.leader, group.sleeper].map(isAlive)).toEqual([true, true]);
  });

  it('is a no-op without a file', async () => {
    // Prepare
    const stateDir = tempStateDir();

    // Act
    const killed = await killLeftoverJobs(stateDir);

    // Assess
    expect(killed).toEqual([]);
  });

  it.each([
    { case: 'not JSON', text: '{"jobs": [', problem: /is not JSON/ },
    { case: 'wrong shape', text: '[]', problem: /expected \{"jobs": \[\.\.\.\]\}/ },
    { case: 'entry without pgid', text: '{"jobs": [{"pid": 5}]}', problem: /jobs\[0\] needs integer pid and pgid/ },
  ])('names the file and the problem when it is $case', async ({ text, problem }) => {
    // Prepare
    const stateDir = tempStateDir();
    mkdirSync(join(stateDir, 'executor'), { recursive: true });
    writeFileSync(runningJobsPath(stateDir), text);

    // Act
    const result = killLeftoverJobs(stateDir);

    // Assess
    await expect(result).rejects.toThrow(RunningFileError);
    await expect(result).rejects.toThrow(problem);
    await expect(result).rejects.toThrow(runningJobsPath(stateDir));
  });

  it('runs when an executor starts, so a restart cleans up before dispatching', async () => {
    // Prepare
    const stateDir = tempStateDir();
    const group = await leftoverGroup();
    writeRunningJobs(stateDir, [group.entry]);
    const executor = new LocalBatchExecutor({
      regions: [{ name: 'eu-west-1', vcpus: 1, memoryMiB: 1024 }],
      stateDir,
      onStateChange: () => {},
    });

    // Act
    await executor.start();
    await executor.stop();

    // Assess
    expect(await waitAllDead([group.leader, group.sleeper], 2_000)).toEqual([]);
    expect(JSON.parse(readFileSync(runningJobsPath(stateDir), 'utf8'))).toEqual({ jobs: [] });
  });
});
