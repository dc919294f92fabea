import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunningFileError } from './errors.ts';

/** One job attempt's process group, as recorded while it runs. */
export interface RunningJobEntry {
  jobId: string;
  jobName: string;
  attempt: number;
  /** Pid of the job's watchdog, which leads the group. */
  pid: number;
  pgid: number;
  /** Epoch ms. */
  startedAt: number;
  /** `/proc/<pid>/stat` start time of the leader, so a reused pid is never killed; absent off Linux. */
  startTicks?: number;
}

/** `<stateDir>/executor/running.json`. */
export function runningJobsPath(stateDir: string): string {
  return join(stateDir, 'executor', 'running.json');
}

/** Reads the recorded process groups; a missing file means none. */
export function readRunningJobs(stateDir: string): RunningJobEntry[] {
  const file = runningJobsPath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new RunningFileError(file, 'cannot be read', { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RunningFileError(file, 'is not JSON', { cause: error });
  }
  const jobs = (parsed as { jobs?: unknown }).jobs;
  if (!Array.isArray(jobs)) throw new RunningFileError(file, `expected {"jobs": [...]}, found ${text.slice(0, 80)}`);
  jobs.forEach((entry: Partial<RunningJobEntry>, index) => {
    if (!Number.isInteger(entry?.pgid) || !Number.isInteger(entry?.pid)) {
      throw new RunningFileError(file, `jobs[${index}] needs integer pid and pgid, found ${JSON.stringify(entry)}`);
    }
  });
  return jobs as RunningJobEntry[];
}

/**
 * Replaces the file atomically (temp file, fsync, rename) so a crash leaves either the old or the new list,
 * never a truncated one. Synchronous on purpose: calls come from process events and must not interleave.
 */
export function writeRunningJobs(stateDir: string, jobs: readonly RunningJobEntry[]): void {
  const file = runningJobsPath(stateDir);
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, `${JSON.stringify({ jobs }, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}
