import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Process-group helpers for job processes. On Linux they read `/proc` so that zombies (which a
 * container's PID 1 may never reap) do not count as "alive"; elsewhere they fall back to `kill(-pgid, 0)`.
 */

const hasProc = process.platform === 'linux';

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
  startTicks: number;
}

/** Parses `/proc/<pid>/stat`; the command name (field 2) may hold spaces and parentheses, so split after the last `)`. */
function readStat(pid: number | 'self'): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  // After the name: state(3) ppid(4) pgrp(5) ... starttime(22) → indexes 0, 1, 2, ..., 19.
  return {
    pid: Number(text.slice(0, text.indexOf(' '))),
    state: fields[0] ?? '?',
    pgrp: Number(fields[2]),
    startTicks: Number(fields[19]),
  };
}

/**
 * When the process started, in clock ticks since boot (`/proc/<pid>/stat` field 22), or undefined if it is
 * gone or the platform has no `/proc`. Recorded beside a pid so that a reused pid is not mistaken for ours.
 */
export function processStartTicks(pid: number): number | undefined {
  if (!hasProc) return undefined;
  const stat = readStat(pid);
  return stat && stat.state !== 'Z' ? stat.startTicks : undefined;
}

/** Pids of the live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  const members: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat && stat.pgrp === pgid && stat.state !== 'Z' && stat.state !== 'X') members.push(stat.pid);
  }
  return members;
}

/** Whether any live process remains in the group. */
export function groupAlive(pgid: number): boolean {
  return groupMembers(pgid).length > 0;
}

/** Sends a signal to a whole process group; a group that is already gone is not an error. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isInteger(pgid) || pgid <= 1) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** Polls until no live process is left in the group; resolves false if some still are after `timeoutMs`. */
export async function waitGroupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!groupAlive(pgid)) return true;
    if (Date.now() >= deadline) return false;
    await delay(20);
  }
}
