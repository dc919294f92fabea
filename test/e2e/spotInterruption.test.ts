/**
 * Spot interruption on the embedded runtime: the first `qc` attempt writes a marker into its own work area
 * and hangs; the runtime then kills it as AWS does a spot host ("Host EC2 (instance i-…) terminated.").
 * The step's evaluateOnExit retries it; attempt 2 succeeds and only attempt 2's outputs are published.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const RESULTS = 'landfall-results';

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('spot interruption: attempt 1 killed with its host, attempt 2 succeeds, only attempt 2 is published', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: GeneratedRun;
  let touchFile: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-spot-'));
    touchFile = path.join(stateDir, 'hung-attempt.json');
    const faults = { 'step.hangOnce': { step: 'qc', touchFile }, 'executor.onTouch': { touchFile, action: 'spot-interruption' } };
    runtime = await startRuntimeProcess(stateDir, undefined, { LANDFALL_FAULTS: JSON.stringify(faults) });
    run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261123_LH00417_0051_B22FJKLT3'),
      runId: '261123_LH00417_0051_B22FJKLT3',
      seed: 11,
      samples: 1,
      readsPerSample: 200,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitForTerminalSamples(runtime.catalog, TEAM, run.runId, 1);
  }, 240_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('completes the sample after the interrupted attempt, retried in place', async () => {
    // Act
    const [sample] = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    const qc = await runtime.catalog.steps.get(
      { team: TEAM, runId: run.runId, sampleId: sample!.sampleId, version: sample!.currentVersion! },
      'qc',
    );
    const hung = JSON.parse(readFileSync(touchFile, 'utf8')) as { attempt: string };
    // Assess
    expect(sample?.status).toBe('COMPLETED');
    expect(hung.attempt).toBe('1');
    expect(qc).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    const retried = readBusLog(stateDir).filter(
      (event) =>
        event['detail-type'] === 'Batch Job State Change' && event.detail.jobName === qc!.jobName && event.detail.status === 'RUNNABLE',
    );
    const attempts = retried.at(-1)?.detail.attempts as Array<{ statusReason?: string }>;
    expect(attempts?.[0]?.statusReason).toMatch(/^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/);
  });

  it("leaves the marker in attempt 1's work area and never under teams/", async () => {
    // Prepare
    const results = path.join(stateLayout(stateDir).buckets, RESULTS);
    // Act
    const all = await filesUnder(results);
    // Assess
    const markers = all.filter((file) => path.basename(file) === 'marker.txt');
    expect(markers).toHaveLength(1);
    expect(markers[0]).toMatch(/^work\/[^/]+\/qc\/attempt-1\/marker\.txt$/);
    expect(all.filter((file) => file.startsWith('teams/') && file.includes('/qc/')).length).toBeGreaterThan(0);
    expect(all.filter((file) => file.startsWith('teams/') && file.endsWith('marker.txt'))).toEqual([]);
    expect(all.some((file) => /^work\/[^/]+\/qc\/attempt-2\//.test(file))).toBe(true);
  });
});
