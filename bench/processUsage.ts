import { readFile } from 'node:fs/promises';

/** What /proc says about one process: its resident memory now and at its peak, and CPU time used so far. */
export interface ProcessUsage {
  rssBytes: number;
  /** VmHWM: the highest resident memory the process ever had. */
  peakRssBytes: number;
  /** User + system CPU time, seconds. */
  cpuSeconds: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Reads /proc/<pid>/status and /proc/<pid>/stat (Linux only), or undefined once the process is gone. */
export async function processUsage(pid: number): Promise<ProcessUsage | undefined> {
  try {
    const [status, stat] = await Promise.all([readFile(`/proc/${pid}/status`, 'utf8'), readFile(`/proc/${pid}/stat`, 'utf8')]);
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0) * 1024;
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th of them.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      rssBytes: kib('VmRSS'),
      peakRssBytes: kib('VmHWM'),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

/** CPU use of a process over `windowMs`, as a percentage of one core, and its RSS at the end of the window. */
export async function cpuOver(pid: number, windowMs: number): Promise<{ cpuPercent: number; rssBytes: number } | undefined> {
  const before = await processUsage(pid);
  const start = process.hrtime.bigint();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = await processUsage(pid);
  if (!before || !after) return undefined;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { cpuPercent: ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100, rssBytes: after.rssBytes };
}
