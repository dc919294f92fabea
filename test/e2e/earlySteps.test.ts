/**
 * Partial results first: on a region with a single job slot, every early step (`qc`) of a run publishes
 * before any later step (`trim`, `profile`) of any sample of that run starts.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  startRuntimeProcess,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

describe('early steps on a single-slot region', () => {
  let stateDir: string | undefined;
  let runtime: RuntimeProcess | undefined;
  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('publishes every early step of the run before any later step starts', async () => {
    // Prepare
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-early-'));
    // Publishing is slowed down (a fault hook): ordering must come from the gate, not from timing luck.
    runtime = await startRuntimeProcess(stateDir, path.join(projectRoot, 'test/fixtures/landfall.single-slot.config.ts'), {
      LANDFALL_FAULTS: JSON.stringify({ 'publish.beforeCopy': { delayMs: 1500 } }),
    });
    const runId = '261123_LH00417_0200_B22EARLY1';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 21,
      samples: 3,
      readsPerSample: 300,
      team: 'genomics',
    });
    // Act
    await dropRun(runtime.info.shareDir, 'genomics', run);
    const samples = await waitForTerminalSamples(runtime.catalog, 'genomics', runId, 3);
    // Assess
    expect(samples.map((sample) => sample.status)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    const log = readBusLog(stateDir);
    const qcAnnounced = log.filter((e) => e['detail-type'] === 'Step Output Published' && e.detail.step === 'qc');
    const laterStarted = log.filter(
      (e) =>
        e['detail-type'] === 'Batch Job State Change' &&
        e.detail.status === 'RUNNING' &&
        /-(trim|profile)-[0-9a-f]{10}$/.test(String(e.detail.jobName)), // <execution>-<step>-<hash>
    );
    const jobsRunning = log.filter((e) => e['detail-type'] === 'Batch Job State Change' && e.detail.status === 'RUNNING').length;
    expect(qcAnnounced).toHaveLength(3);
    expect(laterStarted).toHaveLength(6); // trim and profile of each sample
    expect(jobsRunning).toBe(9);
    // Published is when the step's verified outputs are recorded in the catalog, which is what the gate reads; the
    // event follows the manifest's rewrite, so a release in between (the run's sweep) may log a later step's
    // RUNNING just before the last qc's event — the order of the log lines is not the order of the facts.
    const qcPublishedAt = await Promise.all(
      samples.map(async ({ sampleId }) => {
        const qc = await runtime!.catalog.steps.get({ team: 'genomics', runId, sampleId, version: 1 }, 'qc');
        return Date.parse(qc!.publishedAt!);
      }),
    );
    const laterStartedAt = laterStarted.map((e) => Number(e.detail.startedAt));
    expect(laterStartedAt.every(Number.isFinite)).toBe(true);
    expect(Math.max(...qcPublishedAt)).toBeLessThan(Math.min(...laterStartedAt));
  }, 180_000);
});
