/**
 * Shared helpers of the executor suites: a temp state dir, an executor whose events are recorded, job specs
 * whose commands are `node -e` one-liners, and /proc checks that do not count zombies as alive.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';
import type { JobSpec, JobStatus } from '../../../seams/jobs/JobService.ts';
import { LocalBatchExecutor, type LocalBatchExecutorOptions } from '../../../runtime/executor/LocalBatchExecutor.ts';

export const REGION = 'eu-west-1';

/** A spec for a job that runs `node -e <script>`. */
export function nodeJob(jobName: string, script: string, overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    jobName,
    region: REGION,
    jobQueue: 'landfall-eu-west-1',
    jobDefinition: 'landfall-step',
    command: [process.execPath, '-e', script],
    environment: {},
    vcpus: 1,
    memoryMiB: 256,
    timeoutSeconds: 30,
    attempts: 1,
    ...overrides,
  };
}

export interface ExecutorHarness {
  executor: LocalBatchExecutor;
  stateDir: string;
  events: BusEvent[];
  /** Statuses of one job's events, in order. */
  statuses(jobId: string): string[];
  /** Resolves when the job has emitted an event with this status. */
  waitForStatus(jobId: string, status: JobStatus, timeoutMs?: number): Promise<BusEvent>;
  /** Stops the executor and removes the state dir. */
  dispose(): Promise<void>;
}

export function createExecutor(options: Partial<LocalBatchExecutorOptions> = {}): ExecutorHarness {
  const stateDir = mkdtempSync(join(tmpdir(), 'landfall-executor-'));
  const events: BusEvent[] = [];
  const executor = new LocalBatchExecutor({
    regions: [{ name: REGION, vcpus: 2, memoryMiB: 4096 }],
    stateDir,
    killGraceMs: 500,
    ...options,
    onStateChange: (event) => {
      events.push(event);
      return options.onStateChange?.(event);
    },
  });
  const jobEvents = (jobId: string) => events.filter((event) => (event.detail as { jobId?: string }).jobId === jobId);
  return {
    executor,
    stateDir,
    events,
    statuses: (jobId) => jobEvents(jobId).map((event) => String(event.detail.status)),
    async waitForStatus(jobId, status, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = jobEvents(jobId).find((event) => event.detail.status === status);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `job ${jobId} did not reach ${status} within ${timeoutMs} ms; saw ${jobEvents(jobId)
              .map((e) => e.detail.status)
              .join(', ')}`,
          );
        await delay(10);
      }
    },
    async dispose() {
      await executor.stop({ signal: 'SIGKILL' });
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** Whether a pid is a live process (a zombie is not: the container's PID 1 may never reap orphans). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls until every pid is dead; returns the ones still alive after the timeout. */
export async function waitAllDead(pids: number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await delay(25);
  }
}

/** Polls until the file exists and parses as JSON. */
export async function waitForJsonFile<T>(file: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as T;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${file} did not appear within ${timeoutMs} ms`, { cause: error });
      await delay(20);
    }
  }
}

/**
 * A job script that starts a grandchild `sleep 60`, writes `{ pid, grandchild }` to the file named by
 * env PIDS_FILE (temp name + rename, so readers never see half a file) and then waits forever.
 */
export const SPAWNS_GRANDCHILD = [
  "const { spawn } = require('node:child_process');",
  "const fs = require('node:fs');",
  "const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });",
  "fs.writeFileSync(process.env.PIDS_FILE + '.tmp', JSON.stringify({ pid: process.pid, grandchild: sleeper.pid }));",
  "fs.renameSync(process.env.PIDS_FILE + '.tmp', process.env.PIDS_FILE);",
  'setInterval(() => {}, 1000);',
].join('\n');
