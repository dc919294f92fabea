import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobAttempt } from '../../../seams/jobs/JobService.ts';
import { JobSpecError } from '../../../runtime/executor/errors.ts';
import { readRunningJobs } from '../../../runtime/executor/runningJobsFile.ts';
import { SPAWNS_GRANDCHILD, REGION, createExecutor, isAlive, nodeJob, waitForJsonFile, type ExecutorHarness } from './executorFixture.ts';

let harness: ExecutorHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

function setUp(...args: Parameters<typeof createExecutor>): ExecutorHarness {
  harness = createExecutor(...args);
  return harness;
}

/** Largest number of attempts running at the same instant, from their recorded [startedAt, stoppedAt) intervals. */
function maxConcurrent(attempts: JobAttempt[]): number {
  const edges = attempts.flatMap((attempt) => [
    { at: attempt.startedAt ?? Number.NaN, delta: 1 },
    { at: attempt.stoppedAt ?? Number.NaN, delta: -1 },
  ]);
  // At equal times a stop comes before a start: half-open intervals.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let running = 0;
  let max = 0;
  for (const edge of edges) {
    running += edge.delta;
    max = Math.max(max, running);
  }
  return max;
}

describe('LocalBatchExecutor', () => {
  describe('Method: submit', () => {
    it('runs the command as a real process and reports its exit code', async () => {
      // Prepare
      const { executor } = setUp();
      await executor.start();

      // Act
      const { jobId } = await executor.submit(nodeJob('exit-0', 'process.exit(0)'));
      const ok = await executor.waitUntilDone(jobId);
      const failing = await executor.submit(nodeJob('exit-7', 'process.exit(7)'));
      const failed = await executor.waitUntilDone(failing.jobId);

      // Assess
      expect(ok).toMatchObject({ jobId, status: 'SUCCEEDED', exitCode: 0, statusReason: 'Essential container in task exited' });
      expect(ok.attempts).toHaveLength(1);
      expect(failed).toMatchObject({ status: 'FAILED', exitCode: 7 });
      expect(failed.attempts.map((attempt) => attempt.exitCode)).toEqual([7]);
      expect(await executor.describe(jobId)).toEqual(ok);
    });

    it('gives the job the Batch environment, captures stdout and stderr per attempt, and resolves command aliases', async () => {
      // Prepare
      const { executor, stateDir } = setUp({
        commandAliases: {
          'print-env': [
            process.execPath,
            '-e',
            'const e = process.env; console.log(JSON.stringify({ argv: process.argv.slice(1), id: e.AWS_BATCH_JOB_ID, attempt: e.AWS_BATCH_JOB_ATTEMPT, queue: e.AWS_BATCH_JQ_NAME, ce: e.AWS_BATCH_CE_NAME, region: e.LANDFALL_REGION, team: e.TEAM })); console.error("to stderr")',
          ],
        },
      });
      await executor.start();

      // Act
      const { jobId } = await executor.submit(
        nodeJob('alias', '', {
          command: ['print-env', 'qc', '--fast'],
          environment: { TEAM: 'genomics' },
          jobQueue: 'arn:aws:batch:eu-west-1:000000000000:job-queue/landfall-eu-west-1',
        }),
      );
      await executor.waitUntilDone(jobId);

      // Assess
      const log = readFileSync(join(stateDir, 'executor', 'logs', 'alias', 'attempt-1.log'), 'utf8');
      const [stdoutLine] = log.split('\n').filter((line) => line.startsWith('{'));
      expect(JSON.parse(stdoutLine ?? 'null')).toEqual({
        argv: ['qc', '--fast'],
        id: jobId,
        attempt: '1',
        queue: 'landfall-eu-west-1',
        ce: `landfall-${REGION}`,
        region: REGION,
        team: 'genomics',
      });
      expect(log).toContain('to stderr');
      expect(executor.logPath('alias', 1)).toBe(join(stateDir, 'executor', 'logs', 'alias', 'attempt-1.log'));
    });

    it('fails a job whose command cannot be started, without ever reaching RUNNING', async () => {
      // Prepare
      const { executor, statuses } = setUp();
      await executor.start();

      // Act
      const { jobId } = await executor.submit(nodeJob('no-such-command', '', { command: ['/nonexistent/landfall-tool', 'x'] }));
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(done.status).toBe('FAILED');
      expect(done.statusReason).toMatch(/^CannotStartContainerError: .*ENOENT/);
      expect(statuses(jobId)).toEqual(['RUNNABLE', 'STARTING', 'FAILED']);
    });

    it('starts a new job for a repeated name, as Batch does, each with its own log; findByName names the newest', async () => {
      // Prepare
      const { executor } = setUp();
      await executor.start();
      const script = 'console.log(process.env.WHICH)';

      // Act: the same name while the first is queued, and again after it succeeded.
      const first = await executor.submit(nodeJob('same-name', script, { environment: { WHICH: 'first' } }));
      const whileQueued = await executor.submit(nodeJob('same-name', script, { environment: { WHICH: 'second' } }));
      await executor.waitUntilDone(first.jobId);
      const afterSuccess = await executor.submit(nodeJob('same-name', script, { environment: { WHICH: 'third' } }));
      const ended = await Promise.all([first, whileQueued, afterSuccess].map(({ jobId }) => executor.waitUntilDone(jobId)));

      // Assess: three jobs, three logs, each holding what its own job wrote.
      expect(new Set([first.jobId, whileQueued.jobId, afterSuccess.jobId]).size).toBe(3);
      expect(ended.map((job) => job.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      const logs = await Promise.all(
        [first, whileQueued, afterSuccess].map(async ({ jobId }) => {
          const page = await executor.readAttemptLog({ jobId, jobName: 'same-name', region: REGION, attempt: 1 });
          return page?.lines.join('\n');
        }),
      );
      expect(logs).toEqual(['first', 'second', 'third']);
      expect(await executor.findByName('same-name', nodeJob('same-name', script).jobQueue, REGION)).toBe(afterSuccess.jobId);
    });

    it.each([
      { case: 'unsafe job name', change: { jobName: '../escape' }, field: 'jobName' },
      { case: 'unknown region', change: { region: 'mars-north-1' }, field: 'region' },
      { case: 'empty command', change: { command: [] }, field: 'command' },
      { case: 'too many attempts', change: { attempts: 11 }, field: 'attempts' },
      { case: 'zero attempts', change: { attempts: 0 }, field: 'attempts' },
      { case: 'reserved environment name', change: { environment: { AWS_BATCH_JOB_ID: 'x' } }, field: 'environment.AWS_BATCH_JOB_ID' },
      { case: 'more vCPUs than the region has', change: { vcpus: 3 }, field: 'vcpus/memoryMiB' },
      { case: 'more memory than the region has', change: { memoryMiB: 8192 }, field: 'vcpus/memoryMiB' },
    ])('rejects a spec with $case', async ({ change, field }) => {
      // Prepare
      const { executor } = setUp();

      // Act
      const submitted = executor.submit(nodeJob('bad', 'process.exit(0)', change));

      // Assess
      await expect(submitted).rejects.toThrow(JobSpecError);
      await expect(submitted).rejects.toMatchObject({ field });
      expect(executor.listJobs()).toEqual([]);
    });
  });

  describe('Retries', () => {
    it('retries a failed attempt and succeeds on attempt 2, recording both attempts', async () => {
      // Prepare
      const { executor } = setUp();
      await executor.start();

      // Act
      const { jobId } = await executor.submit(
        nodeJob('flaky', 'process.exit(process.env.AWS_BATCH_JOB_ATTEMPT === "1" ? 3 : 0)', { attempts: 3 }),
      );
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(done.status).toBe('SUCCEEDED');
      expect(done.attempts.map(({ exitCode, statusReason }) => ({ exitCode, statusReason }))).toEqual([
        { exitCode: 3, statusReason: 'Essential container in task exited' },
        { exitCode: 0, statusReason: 'Essential container in task exited' },
      ]);
      const [first, second] = done.attempts;
      expect(second?.startedAt).toBeGreaterThanOrEqual(first?.stoppedAt ?? Number.POSITIVE_INFINITY);
    });

    it('stops retrying when attempts run out', async () => {
      // Prepare
      const { executor } = setUp();
      await executor.start();

      // Act
      const { jobId } = await executor.submit(nodeJob('always-fails', 'process.exit(2)', { attempts: 2 }));
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(done).toMatchObject({ status: 'FAILED', exitCode: 2 });
      expect(done.attempts).toHaveLength(2);
    });

    it('exits without retrying when an evaluateOnExit rule says EXIT', async () => {
      // Prepare
      const { executor } = setUp();
      await executor.start();

      // Act
      const { jobId } = await executor.submit(
        nodeJob('bad-input', 'process.exit(65)', { attempts: 5, evaluateOnExit: [{ onExitCode: '65', action: 'EXIT' }] }),
      );
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(done).toMatchObject({ status: 'FAILED', exitCode: 65 });
      expect(done.attempts).toHaveLength(1);
    });
  });

  describe('Scheduling', () => {
    it.each([
      { case: 'vCPU-bound: 2 vCPUs, jobs of 1 vCPU', region: { vcpus: 2, memoryMiB: 4096 }, job: { vcpus: 1, memoryMiB: 256 }, limit: 2 },
      { case: 'memory-bound: 1 GiB, jobs of 600 MiB', region: { vcpus: 4, memoryMiB: 1024 }, job: { vcpus: 1, memoryMiB: 600 }, limit: 1 },
    ])('never runs more than fits at once ($case)', async ({ region, job, limit }) => {
      // Prepare
      const { executor } = setUp({ regions: [{ name: REGION, ...region }] });
      await executor.start();

      // Act
      const ids = await Promise.all(
        ['a', 'b', 'c'].map(async (name) => (await executor.submit(nodeJob(`fit-${name}`, 'setTimeout(() => {}, 400)', job))).jobId),
      );
      const done = await Promise.all(ids.map((id) => executor.waitUntilDone(id)));

      // Assess
      expect(done.map((d) => d.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
      expect(maxConcurrent(done.flatMap((d) => d.attempts))).toBeLessThanOrEqual(limit);
      expect(executor.regionUsage()[0]).toMatchObject({ vcpusInUse: 0, memoryMiBInUse: 0, running: 0, runnable: 0 });
    });

    it('starts higher priority first, FIFO within a priority', async () => {
      // Prepare: a 1-vCPU region and jobs queued before dispatch starts.
      const { executor } = setUp({ regions: [{ name: REGION, vcpus: 1, memoryMiB: 4096 }] });
      const submitted: Array<{ name: string; jobId: string }> = [];
      for (const [name, priority] of [
        ['low-1', 0],
        ['mid', 5],
        ['low-2', 0],
        ['high', 9],
        ['low-3', 0],
      ] as const) {
        submitted.push({ name, jobId: (await executor.submit(nodeJob(name, 'process.exit(0)', { priority }))).jobId });
      }

      // Act
      await executor.start();
      const done = await Promise.all(
        submitted.map(async ({ name, jobId }) => ({ name, started: (await executor.waitUntilDone(jobId)).startedAt ?? 0 })),
      );

      // Assess
      expect(done.sort((a, b) => a.started - b.started).map((d) => d.name)).toEqual(['high', 'mid', 'low-1', 'low-2', 'low-3']);
    });

    it('dispatches nothing while paused and everything queued after resume', async () => {
      // Prepare
      const { executor, statuses } = setUp();
      await executor.start();
      executor.pause();

      // Act
      const { jobId } = await executor.submit(nodeJob('paused', 'process.exit(0)'));
      await delay(300);
      const whilePaused = (await executor.describe(jobId))?.status;
      executor.resume();
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(whilePaused).toBe('RUNNABLE');
      expect(done.status).toBe('SUCCEEDED');
      expect(statuses(jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
    });
  });

  describe('Timeouts and faults', () => {
    it('kills an attempt that exceeds timeoutSeconds and fails the job without retrying it', async () => {
      // Prepare
      const { executor } = setUp();
      await executor.start();

      // Act
      const { jobId } = await executor.submit(nodeJob('too-slow', 'setTimeout(() => {}, 60_000)', { timeoutSeconds: 0.5, attempts: 3 }));
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(done).toMatchObject({ status: 'FAILED', statusReason: 'Job attempt duration exceeded timeout' });
      expect(done.attempts).toHaveLength(1);
    });

    it('killJob simulates a spot interruption that the retry strategy recovers from', async () => {
      // Prepare
      const { executor, waitForStatus } = setUp();
      await executor.start();
      const { jobId } = await executor.submit(
        nodeJob('spot', 'if (process.env.AWS_BATCH_JOB_ATTEMPT === "1") setTimeout(() => {}, 60_000); else process.exit(0)', {
          attempts: 2,
        }),
      );
      await waitForStatus(jobId, 'RUNNING');

      // Act
      const killed = executor.killJob(jobId);
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(killed).toBe(true);
      expect(done.status).toBe('SUCCEEDED');
      expect(done.attempts[0]?.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
      expect(executor.killJob(jobId)).toBe(false);
    });

    it('a region that goes down loses its running jobs and runs nothing until it is back', async () => {
      // Prepare
      const { executor, waitForStatus } = setUp();
      await executor.start();
      const { jobId } = await executor.submit(
        nodeJob('outage', 'if (process.env.AWS_BATCH_JOB_ATTEMPT === "1") setTimeout(() => {}, 60_000); else process.exit(0)', {
          attempts: 2,
        }),
      );
      await waitForStatus(jobId, 'RUNNING');

      // Act
      executor.setRegionDown(REGION, true);
      await waitForStatus(jobId, 'RUNNABLE');
      await delay(200);
      const whileDown = (await executor.describe(jobId))?.status;
      executor.setRegionDown(REGION, false);
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(whileDown).toBe('RUNNABLE');
      expect(done.status).toBe('SUCCEEDED');
      expect(done.attempts[0]?.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
    });

    it('terminateJob fails a running job without retrying it', async () => {
      // Prepare
      const { executor, waitForStatus } = setUp();
      await executor.start();
      const { jobId } = await executor.submit(nodeJob('cancel-me', 'setTimeout(() => {}, 60_000)', { attempts: 3 }));
      await waitForStatus(jobId, 'RUNNING');

      // Act
      executor.terminateJob(jobId, 'Cancelled by landfall reprocess');
      const done = await executor.waitUntilDone(jobId);

      // Assess
      expect(done).toMatchObject({ status: 'FAILED', statusReason: 'Cancelled by landfall reprocess' });
      expect(done.attempts).toHaveLength(1);
    });
  });

  describe('Method: stop', () => {
    it('kills every running job process group, grandchildren included, records nothing left running, and sends no FAILED event', async () => {
      // Prepare
      const { executor, stateDir, statuses, waitForStatus } = setUp();
      await executor.start();
      const pidsFile = join(stateDir, 'pids.json');
      const { jobId } = await executor.submit(nodeJob('grandparent', SPAWNS_GRANDCHILD, { environment: { PIDS_FILE: pidsFile } }));
      await waitForStatus(jobId, 'RUNNING');
      const { pid, grandchild } = await waitForJsonFile<{ pid: number; grandchild: number }>(pidsFile);
      const [running] = readRunningJobs(stateDir);
      const aliveBefore = [pid, grandchild].map(isAlive);

      // Act
      await executor.stop();

      // Assess
      expect(aliveBefore).toEqual([true, true]);
      expect(running).toMatchObject({ jobId, jobName: 'grandparent', attempt: 1 });
      expect(running?.pgid).toBe(running?.pid);
      expect([pid, grandchild, running?.pid].filter((p) => p !== undefined && isAlive(p))).toEqual([]);
      expect(readRunningJobs(stateDir)).toEqual([]);
      expect((await executor.describe(jobId))?.status).toBe('FAILED');
      expect(statuses(jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING']);
      await expect(executor.submit(nodeJob('late', 'process.exit(0)'))).rejects.toThrow(/stopped/);
    });
  });

  describe('Events', () => {
    it('announces each transition as the Batch Job State Change event AWS sends', async () => {
      // Prepare
      const { executor, events, statuses } = setUp({ accountId: '123456789012' });
      await executor.start();

      // Act
      const script = 'process.exit(process.env.AWS_BATCH_JOB_ATTEMPT === "1" ? 1 : 0)';
      const { jobId } = await executor.submit(nodeJob('event-shape', script, { attempts: 2, environment: { TEAM: 'genomics' } }));
      await executor.waitUntilDone(jobId);

      // Assess
      expect(statuses(jobId)).toEqual(['RUNNABLE', 'STARTING', 'RUNNING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED']);
      const last = events.at(-1);
      const jobArn = `arn:aws:batch:${REGION}:123456789012:job/${jobId}`;
      expect(last).toMatchObject({
        version: '0',
        source: 'aws.batch',
        'detail-type': 'Batch Job State Change',
        account: '123456789012',
        region: REGION,
        resources: [jobArn],
        detail: {
          jobArn,
          jobName: 'event-shape',
          jobId,
          jobQueue: `arn:aws:batch:${REGION}:123456789012:job-queue/landfall-eu-west-1`,
          status: 'SUCCEEDED',
          statusReason: 'Essential container in task exited',
          attempts: [
            { container: { exitCode: 1, logStreamName: 'event-shape/attempt-1' }, statusReason: 'Essential container in task exited' },
            { container: { exitCode: 0, logStreamName: 'event-shape/attempt-2' }, statusReason: 'Essential container in task exited' },
          ],
          retryStrategy: { attempts: 2, evaluateOnExit: [] },
          jobDefinition: `arn:aws:batch:${REGION}:123456789012:job-definition/landfall-step:1`,
          parameters: {},
          container: {
            command: [process.execPath, '-e', script],
            exitCode: 0,
            vcpus: 1,
            memory: 256,
            environment: [{ name: 'TEAM', value: 'genomics' }],
          },
        },
      });
      expect(last?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const detail = last?.detail as {
        createdAt: number;
        startedAt: number;
        stoppedAt: number;
        attempts: Array<{ startedAt: number; stoppedAt: number }>;
      };
      expect(detail.createdAt).toBeLessThanOrEqual(detail.startedAt);
      expect(detail.startedAt).toBe(detail.attempts[1]?.startedAt);
      expect(detail.stoppedAt).toBe(detail.attempts[1]?.stoppedAt);
      const runnable = events.find((event) => event.detail.status === 'RUNNABLE');
      expect(runnable?.detail).toMatchObject({ attempts: [] });
      expect(runnable?.detail).not.toHaveProperty('startedAt');
    });

    it('keeps running jobs when onStateChange throws, and reports the failure', async () => {
      // Prepare
      const reported: string[] = [];
      const { executor } = setUp({
        onStateChange: () => {
          throw new Error('bus down');
        },
        onEmitError: (error, event) => reported.push(`${String(event.detail.status)}: ${(error as Error).message}`),
      });
      await executor.start();

      // Act
      const { jobId } = await executor.submit(nodeJob('bus-down', 'process.exit(0)'));
      const done = await executor.waitUntilDone(jobId);
      await executor.stop();

      // Assess
      expect(done.status).toBe('SUCCEEDED');
      expect(reported).toEqual(['RUNNABLE: bus down', 'STARTING: bus down', 'RUNNING: bus down', 'SUCCEEDED: bus down']);
    });
  });
});
