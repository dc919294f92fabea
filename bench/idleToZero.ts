/**
 * Idle to zero and wake-up on the embedded runtime (in process, short idle windows): per cycle one
 * sample lands in a scaled-down region and runs; measured are the wake-up latency the platform records
 * ("Region Woke Up": submission into the scaled-down region → job RUNNING), the time from the last job's
 * end to the inactivity alarm's scale-down, and to the moment no warm worker process is left.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '../config/defineConfig.ts';
import { generateRun } from '../demo/generateRun.ts';
import { TERMINAL_SAMPLE_STATUSES } from '../functions/catalog/types.ts';
import { EmbeddedRuntime } from '../runtime/EmbeddedRuntime.ts';
import type { BusEvent } from '../seams/events/EventPublisher.ts';
import type { BenchModule, BenchRow } from './types.ts';
import { copyFile, mkdir } from 'node:fs/promises';

const PERIOD_SECONDS = 2;
const EVALUATION_PERIODS = 3;
const TEAM = 'genomics';

const config = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 2, memoryMiB: 4096 }],
  teams: [{ id: TEAM, profile: 'illumina', pipeline: 'demo' }],
  completeness: { sweepSeconds: 1, relandQuietSeconds: 2 },
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 4096, settleMs: 300, pollMs: 100, rescanMs: 1000 },
  idle: { periodSeconds: PERIOD_SECONDS, evaluationPeriods: EVALUATION_PERIODS },
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`bench idle-to-zero: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const idleToZeroBench: BenchModule = {
  name: 'idle-to-zero',
  description: `warm workers to zero after the last job and wake-up latency (embedded runtime, ${PERIOD_SECONDS} s periods, alarm after ${EVALUATION_PERIODS})`,
  async run(context) {
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-idle-'));
    const events: BusEvent[] = [];
    const runtime = await EmbeddedRuntime.start({ config, configPath: '(bench)', stateDir, onEvent: (event) => events.push(event) });
    const idleToZero: number[] = [];
    const alarmAfter: number[] = [];
    const wake: number[] = [];
    try {
      for (let cycle = 0; cycle < context.runs; cycle++) {
        // Start each cycle scaled down, as a lab's first run of the morning would.
        await until(
          'a scaled-down region',
          async () =>
            (await runtime.services.catalog.regionScale.get('eu-west-1')).scaledDown && runtime.executor.warmWorkers().length === 0,
          60_000,
        );
        const runId = `261210_LH00417_00${70 + cycle}_A22BENCH${cycle}`;
        const run = await generateRun({
          dir: path.join(stateDir, 'instrument', runId),
          runId,
          seed: 90 + cycle,
          samples: 1,
          readsPerSample: 200,
          team: TEAM,
        });
        const folder = path.join(runtime.shareDir, TEAM, runId);
        await mkdir(folder, { recursive: true });
        const seen = events.length;
        for (const file of run.files) await copyFile(file.path, path.join(folder, file.name));
        await until(
          `${runId} terminal`,
          async () => {
            const samples = await runtime.services.catalog.samples.listInRun(TEAM, runId);
            return samples.length === 1 && samples.every((sample) => TERMINAL_SAMPLE_STATUSES.includes(sample.status));
          },
          120_000,
        );
        const mine = () => events.slice(seen);
        const lastJobEnd = Math.max(
          ...mine()
            .filter(
              (event) => event['detail-type'] === 'Batch Job State Change' && ['SUCCEEDED', 'FAILED'].includes(String(event.detail.status)),
            )
            .map((event) => Number(event.detail.stoppedAt)),
        );
        // A cycle whose job was placed before the region counted as scaled down has no wake-up to measure:
        // say so in the table rather than lose the module's other figures.
        const woke = await until('"Region Woke Up"', () => mine().find((event) => event['detail-type'] === 'Region Woke Up'), 10_000).catch(
          () => undefined,
        );
        if (woke) wake.push(Number(woke.detail.wakeLatencyMs));
        else
          context.log(
            `  cycle ${cycle + 1}: no "Region Woke Up" (samples: ${(await runtime.services.catalog.samples.listInRun(TEAM, runId)).map((sample) => `${sample.sampleId} ${sample.status}`).join(', ')})`,
          );
        const scaled = await until(
          '"Region Scaled Down"',
          () => mine().find((event) => event['detail-type'] === 'Region Scaled Down' && Number(event.detail.scaledDownAt) >= lastJobEnd),
          60_000,
        );
        const zeroAt = await until('no warm worker', () => (runtime.executor.warmWorkers().length === 0 ? Date.now() : undefined), 30_000);
        alarmAfter.push(Number(scaled.detail.scaledDownAt) - lastJobEnd);
        idleToZero.push(zeroAt - lastJobEnd);
        context.log(
          `  cycle ${cycle + 1}: wake-up ${woke ? `${woke.detail.wakeLatencyMs} ms` : 'not observed'}, alarm ${Number(scaled.detail.scaledDownAt) - lastJobEnd} ms and zero workers ${zeroAt - lastJobEnd} ms after the last job`,
        );
      }
    } finally {
      await runtime.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
    const boundMs = (EVALUATION_PERIODS + 1) * PERIOD_SECONDS * 1000;
    const rows: BenchRow[] = [
      {
        name: 'idle to zero workers after the last job (median)',
        value: Math.round(median(idleToZero)),
        unit: 'ms',
        target: `≤ ${boundMs}`,
        ok: median(idleToZero) <= boundMs,
        note: 'idle window + one period',
      },
      { name: 'inactivity alarm after the last job (median)', value: Math.round(median(alarmAfter)), unit: 'ms', target: '' },
      {
        name: 'wake-up latency, submission → RUNNING (median)',
        value: wake.length ? Math.round(median(wake)) : null,
        unit: 'ms',
        target: '',
        note: `${wake.length}/${idleToZero.length} cycles woke a scaled-down region`,
      },
      { name: 'wake-up latency (max)', value: wake.length ? Math.max(...wake) : null, unit: 'ms', target: '' },
    ];
    return rows;
  },
};
