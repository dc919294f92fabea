import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readRunningJobs } from '../../../runtime/executor/runningJobsFile.ts';
import { liveProcesses } from '../../support/processTree.ts';
import { SPAWNS_GRANDCHILD, isAlive, nodeJob, waitAllDead, waitForJsonFile } from './executorFixture.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const EXECUTOR = join(ROOT, 'runtime/executor/LocalBatchExecutor.ts');

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

const liveGroupMembers = (pgid: number) => liveProcesses((process) => process.pgid === pgid);
/** Live job watchdogs and task runners whose parent is `ppid` (not tsx's esbuild service, say). */
const liveWatchers = (ppid: number) =>
  liveProcesses((process) => process.ppid === ppid && /jobWatchdog\.mjs|taskRunner\.mjs/.test(process.cmdline));

describe('jobWatchdog', () => {
  // A single-command job is watched by jobWatchdog.mjs; a multi-container job by its task runner (taskRunner.mjs),
  // which the executor also keeps one of waiting as a spare while jobs run.
  it.each([
    {
      kind: 'a single-command job',
      processes: 1,
      spec: (pidsFile: string) => nodeJob('orphan-check', SPAWNS_GRANDCHILD, { environment: { PIDS_FILE: pidsFile } }),
    },
    {
      kind: 'a multi-container job',
      processes: 2, // its task runner and the spare
      spec: (pidsFile: string) =>
        nodeJob('orphan-check', '', {
          environment: { PIDS_FILE: pidsFile },
          containers: [{ name: 'tool', image: 'x', command: [process.execPath, '-e', SPAWNS_GRANDCHILD], essential: true }],
        }),
    },
  ])('leaves no job process behind when the runtime that started it is SIGKILLed ($kind)', async ({ spec: specFor, processes }) => {
    // Prepare: a separate "runtime" process that starts the executor and a job with a grandchild.
    const stateDir = mkdtempSync(join(tmpdir(), 'landfall-watchdog-'));
    cleanups.push(() => rmSync(stateDir, { recursive: true, force: true }));
    const pidsFile = join(stateDir, 'pids.json');
    const spec = specFor(pidsFile);
    const program = `
      import { LocalBatchExecutor } from ${JSON.stringify(EXECUTOR)};
      const executor = new LocalBatchExecutor({
        regions: [{ name: 'eu-west-1', vcpus: 1, memoryMiB: 1024 }],
        stateDir: ${JSON.stringify(stateDir)},
        onStateChange: () => {},
      });
      await executor.start();
      await executor.submit(${JSON.stringify(spec)});
      setInterval(() => {}, 1000);
    `;
    const runtime = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    cleanups.push(() => runtime.kill('SIGKILL'));
    const { pid, grandchild } = await waitForJsonFile<{ pid: number; grandchild: number }>(pidsFile, 15_000);
    const [entry] = readRunningJobs(stateDir);
    const pgid = entry?.pgid ?? Number.NaN;
    cleanups.push(() => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    });
    const membersBefore = liveGroupMembers(pgid).sort();
    const runtimeChildren = liveWatchers(runtime.pid ?? Number.NaN);

    // Act
    runtime.kill('SIGKILL');

    // Assess
    expect(membersBefore).toEqual([entry?.pid, pid, grandchild].sort());
    expect(await waitAllDead([pid, grandchild, entry?.pid ?? Number.NaN], 5_000)).toEqual([]);
    expect(liveGroupMembers(pgid)).toEqual([]);
    expect(isAlive(runtime.pid ?? Number.NaN)).toBe(false);
    // The job's watching process and any spare task runner died with the runtime too.
    expect(runtimeChildren).toContain(entry?.pid);
    expect(runtimeChildren).toHaveLength(processes);
    expect(await waitAllDead(runtimeChildren, 5_000)).toEqual([]);
  });

  it('refuses to run without an IPC channel', async () => {
    // Prepare
    const watchdog = join(ROOT, 'runtime/executor/jobWatchdog.mjs');

    // Act
    const child = spawn(process.execPath, [watchdog, JSON.stringify(['sleep', '60'])], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain('IPC channel');
  });
});
