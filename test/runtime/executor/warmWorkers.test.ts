import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { createExecutor, isAlive, nodeJob, REGION, waitAllDead, type ExecutorHarness } from './executorFixture.ts';

async function waitUntil<T>(what: string, probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(20);
  }
}

describe('LocalBatchExecutor warm workers', () => {
  let harness: ExecutorHarness | undefined;
  afterEach(async () => {
    await harness?.dispose();
    harness = undefined;
  });

  it('starts worker processes for work, one per vCPU in use, and drains them when the work ends and no floor holds them', async () => {
    // Prepare
    harness = createExecutor({ warmWorkers: true });
    const { executor } = harness;
    await executor.start();

    // Act: two 1-vCPU jobs that run until the test has seen the workers (a fixed length could end before two
    // worker processes started on a busy machine, and they are drained with the work)
    const gate = path.join(harness.stateDir, 'jobs-may-end');
    const untilGate = `const t = setInterval(() => require('node:fs').existsSync(${JSON.stringify(gate)}) && clearInterval(t), 20)`;
    const { jobId: a } = await executor.submit(nodeJob('warm-a', untilGate));
    const { jobId: b } = await executor.submit(nodeJob('warm-b', untilGate));
    await harness.waitForStatus(a, 'RUNNING');
    await harness.waitForStatus(b, 'RUNNING');
    const during = await waitUntil('two ready workers', () => {
      const workers = executor.warmWorkers();
      return workers.length === 2 && workers.every((worker) => worker.ready && worker.pid !== undefined && isAlive(worker.pid)) && workers;
    });
    await writeFile(gate, '');
    await executor.waitUntilDone(a);
    await executor.waitUntilDone(b);

    // Assess: real processes during the work, none after it.
    expect(during.map((worker) => worker.region)).toEqual([REGION, REGION]);
    expect(
      await waitAllDead(
        during.map((worker) => worker.pid!),
        5_000,
      ),
    ).toEqual([]);
    expect(executor.regionUsage()[0]).toMatchObject({ workers: 0, warmVcpus: 0 });
  });

  it('keeps the warm floor after the work ends, and lowering the floor to zero makes every worker exit', async () => {
    // Prepare
    harness = createExecutor({ warmWorkers: true });
    const { executor } = harness;
    await executor.start();
    await executor.setWarmVcpus(REGION, 1);
    const { jobId } = await executor.submit(nodeJob('warm-floor', 'setTimeout(() => {}, 200)', { vcpus: 2 }));
    await executor.waitUntilDone(jobId);

    // Act: idle with a floor of 1 vCPU.
    const warm = await waitUntil('exactly one ready worker after the job', () => {
      const workers = executor.warmWorkers();
      return workers.length === 1 && workers[0]!.ready && workers;
    });
    await delay(300);
    const stillWarm = executor.warmWorkers().map((worker) => worker.pid);
    await executor.setWarmVcpus(REGION, 0);

    // Assess
    expect(stillWarm).toEqual([warm[0]!.pid]);
    expect(await waitAllDead([warm[0]!.pid!], 5_000)).toEqual([]);
    expect(executor.warmWorkers()).toEqual([]);
  });

  it('refuses a floor for an unknown region or a fractional one', async () => {
    harness = createExecutor({ warmWorkers: true });
    await expect(harness.executor.setWarmVcpus('mars-north-1', 1)).rejects.toThrow(/unknown region mars-north-1/);
    await expect(harness.executor.setWarmVcpus(REGION, 0.5)).rejects.toThrow(/whole number >= 0/);
  });
});
