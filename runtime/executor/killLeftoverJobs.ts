import { groupAlive, killGroup, processStartTicks, waitGroupGone } from './processGroups.ts';
import { readRunningJobs, writeRunningJobs, type RunningJobEntry } from './runningJobsFile.ts';

/**
 * Kills the job process groups a previous runtime recorded in `<stateDir>/executor/running.json` and left
 * behind (normally none: each job's watchdog kills its group when the runtime dies; this covers a killed
 * watchdog). A recorded leader pid that now belongs to a different process (other start time) is skipped.
 * Afterwards the file lists no jobs. `LocalBatchExecutor.start()` calls this itself.
 *
 * @returns the entries whose groups were still alive and have been sent SIGKILL.
 * @example
 * const killed = await killLeftoverJobs('.landfall');
 * if (killed.length) console.warn(`killed ${killed.length} leftover job process group(s)`);
 */
export async function killLeftoverJobs(stateDir: string): Promise<RunningJobEntry[]> {
  const entries = readRunningJobs(stateDir);
  const killed: RunningJobEntry[] = [];
  for (const entry of entries) {
    if (!groupAlive(entry.pgid)) continue;
    const ticks = processStartTicks(entry.pid);
    // The leader may be gone while its group lives on (a pid is never reused while its group exists);
    // if the leader pid is alive but started at another time, it is someone else's process.
    if (ticks !== undefined && entry.startTicks !== undefined && ticks !== entry.startTicks) continue;
    if (killGroup(entry.pgid, 'SIGKILL')) killed.push(entry);
  }
  await Promise.all(killed.map((entry) => waitGroupGone(entry.pgid, 2_000)));
  if (entries.length > 0) writeRunningJobs(stateDir, []);
  return killed;
}
