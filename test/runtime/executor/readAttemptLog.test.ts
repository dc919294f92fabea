/**
 * The job-log seam on the embedded runtime (LocalBatchExecutor.readAttemptLog): what a real process wrote to
 * stdout and stderr, per attempt, page by page from a cursor; a line still being written waits for its newline.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createExecutor, nodeJob, REGION, type ExecutorHarness } from './executorFixture.ts';

let harness: ExecutorHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe('LocalBatchExecutor', () => {
  describe('Method: readAttemptLog', () => {
    it("returns each attempt's stdout and stderr lines, and only what came after a cursor", async () => {
      // Prepare: a job that fails its first attempt and writes to both streams on each
      harness = createExecutor();
      const { executor } = harness;
      await executor.start();
      const script =
        'const k = process.env.AWS_BATCH_JOB_ATTEMPT; console.log(`out ${k}`); console.error(`err ${k}: disk full`); process.exit(k === "1" ? 3 : 0)';
      const { jobId } = await executor.submit(nodeJob('logs-two-attempts', script, { attempts: 2, evaluateOnExit: [] }));
      await executor.waitUntilDone(jobId);
      const ref = { jobId, jobName: 'logs-two-attempts', region: REGION };

      // Act
      const first = await executor.readAttemptLog({ ...ref, attempt: 1 });
      const second = await executor.readAttemptLog({ ...ref, attempt: 2 });
      const after = await executor.readAttemptLog({ ...ref, attempt: 1 }, { after: first!.next });
      const limited = await executor.readAttemptLog({ ...ref, attempt: 1 }, { limit: 1 });
      const rest = await executor.readAttemptLog({ ...ref, attempt: 1 }, { after: limited!.next });
      const never = await executor.readAttemptLog({ ...ref, attempt: 3 });

      // Assess
      expect(first?.lines).toEqual(expect.arrayContaining(['out 1', 'err 1: disk full']));
      expect(first?.lines.filter((line) => !line.startsWith('['))).toHaveLength(2);
      expect(second?.lines).toEqual(expect.arrayContaining(['out 2', 'err 2: disk full']));
      expect(after).toEqual({ lines: [], next: first!.next });
      expect(limited?.lines).toHaveLength(1);
      expect([...limited!.lines, ...rest!.lines]).toEqual(first!.lines);
      expect(never).toBeUndefined();
    });

    it('holds back a line still being written while the attempt runs, and gives it once the attempt ended', async () => {
      // Prepare: a job that writes one whole line, then half a line, and waits until the test has read its log
      harness = createExecutor();
      const { executor } = harness;
      await executor.start();
      const gate = path.join(harness.stateDir, 'job-may-end');
      const script = `process.stdout.write("whole\\npart"); setInterval(() => require('node:fs').existsSync(${JSON.stringify(gate)}) && process.exit(0), 20)`;
      const { jobId } = await executor.submit(nodeJob('logs-partial', script));
      const ref = { jobId, jobName: 'logs-partial', region: REGION, attempt: 1 };
      let page = await executor.readAttemptLog(ref);
      for (let tries = 0; !page?.lines.includes('whole') && tries < 100; tries++) {
        await delay(50);
        page = await executor.readAttemptLog(ref);
      }

      // Act
      const whileRunning = page;
      await writeFile(gate, '');
      await executor.waitUntilDone(jobId);
      const afterEnd = await executor.readAttemptLog(ref, { after: whileRunning!.next });

      // Assess
      expect(whileRunning?.lines).toEqual(['whole']);
      expect(afterEnd?.lines).toEqual(['part']);
    });
  });
});
