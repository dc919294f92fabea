/**
 * A pipeline of one run-scope step and no sample step (the shape of the Nextflow recipe): its samples complete
 * as soon as they are cataloged, and the step runs once over the run's sample sheet, on a live runtime. Until
 * 2026-12-06 no config could route a team to such a pipeline (its sample state machine had nothing to start at).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { manifestKey, RUN_STEPS_SAMPLE } from '../../contracts/keys.ts';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  type RuntimeProcess,
  startRuntimeProcess,
  stopRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const RUN_ID = '261206_LH00417_0210_B22RUNONLY';

const config = `
import { defineConfig } from '${path.join(projectRoot, 'config/defineConfig.ts')}';
export default defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 8 }],
  teams: [{ id: '${TEAM}', pipeline: 'run-lines' }],
  pipelines: [
    {
      name: 'run-lines',
      version: '1',
      description: 'one run-scope step over the run sample sheet, as a Nextflow head would run',
      steps: [
        {
          name: 'lines',
          description: 'the sample sheet, and the lines of every R1 it names',
          scope: 'run',
          vcpus: 1, memoryMiB: 256, timeoutSeconds: 120, attempts: 1,
          image: 'public.ecr.aws/docker/library/debian:bookworm-slim',
          requires: ['cp', 'gzip', 'wc'],
          command: ['sh', '-c', 'cp {{samplesheet}} {{out}}/samplesheet.csv && for r1 in $(tail -n +2 {{samplesheet}} | cut -d, -f2); do gzip -dc "$r1" | wc -l; done > {{out}}/lines.txt'],
        },
      ],
    },
  ],
  completeness: { sweepSeconds: 1, relandQuietSeconds: 2 },
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 4096, settleMs: 300, pollMs: 100, rescanMs: 1000 },
});
`;

describe('a pipeline of one run-scope step and no sample step', () => {
  let dir: string;
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: GeneratedRun;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-run-only-'));
    stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'landfall.config.ts');
    await writeFile(configPath, config);
    run = await generateRun({
      dir: path.join(dir, 'instrument', RUN_ID),
      runId: RUN_ID,
      seed: 'run-only',
      samples: 2,
      readsPerSample: 60,
      team: TEAM,
    });
    runtime = await startRuntimeProcess(stateDir, configPath);
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitForTerminalSamples(runtime.catalog, TEAM, RUN_ID, 2, 180_000);
    await waitFor(
      '"Run Completed" of the run',
      () => readBusLog(stateDir).some((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === RUN_ID),
      180_000,
    );
  }, 420_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('completes every sample, then runs the step once over the run: its sheet names them, its counts are the R1s', async () => {
    // Prepare
    const results = path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', RUN_ID, 'run-steps', 'v1', 'lines');
    // Act
    const statuses = (await runtime.catalog.samples.listInRun(TEAM, RUN_ID)).map((sample) => `${sample.sampleId} ${sample.status}`);
    const sheet = (await readFile(path.join(results, 'samplesheet.csv'), 'utf8')).trim().split('\n');
    const lines = (await readFile(path.join(results, 'lines.txt'), 'utf8')).trim().split('\n').map(Number);
    // Assess: the counts are this test's own recount of each sample's R1 (lanes concatenated by stage-in)
    expect(statuses.sort()).toEqual(['Sample01 COMPLETED', 'Sample02 COMPLETED']);
    expect(sheet.slice(1).map((row) => row.split(',')[0])).toEqual(['Sample01', 'Sample02']);
    const recount = (sampleId: string) =>
      run.samples
        .find((sample) => sample.sampleId === sampleId)!
        .fastqs.filter((fastq) => fastq.read === 'R1')
        .reduce((sum, fastq) => sum + gunzipSync(readFileSync(fastq.path)).toString('latin1').split('\n').filter(Boolean).length, 0);
    expect(lines).toEqual([recount('Sample01'), recount('Sample02')]);
  });
});

describe('a runtime killed in "Finish run steps", then restarted', () => {
  let dir: string;
  const runtimes: RuntimeProcess[] = [];
  afterAll(async () => {
    for (const runtime of runtimes) await stopRuntimeProcess(runtime, path.join(dir, 'state')).catch(() => undefined);
  });

  it("concludes the run and rewrites the run steps' manifest, which still said RUNNING", async () => {
    // Prepare: killed once the run step's end is recorded, before its manifest is rewritten
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-run-only-crash-'));
    const stateDir = path.join(dir, 'state');
    const configPath = path.join(dir, 'landfall.config.ts');
    await writeFile(configPath, config);
    const runId = `${RUN_ID}2`;
    const run = await generateRun({
      dir: path.join(dir, 'instrument', runId),
      runId,
      seed: 'run-only-crash',
      samples: 2,
      readsPerSample: 40,
      team: TEAM,
    });
    const first = await startRuntimeProcess(stateDir, configPath, {
      LANDFALL_FAULTS: JSON.stringify({ 'finishRunSteps.afterUpdateVersion': { kill: true, times: 1 } }),
    });
    runtimes.push(first);
    // Act
    await dropRun(first.info.shareDir, TEAM, run);
    expect((await first.exited).signal).toBe('SIGKILL');
    const second = await startRuntimeProcess(stateDir, configPath);
    runtimes.push(second);
    await waitFor(
      '"Run Completed" after the restart',
      () => readBusLog(stateDir).some((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === runId),
      120_000,
    );
    // Assess
    const key = manifestKey({ team: TEAM, runId, sampleId: RUN_STEPS_SAMPLE, version: 1 });
    const manifest = JSON.parse(await readFile(path.join(stateDir, 'buckets', 'landfall-results', key), 'utf8')) as SampleManifest;
    expect(manifest.status).toBe('COMPLETED');
    expect(Object.keys(manifest.steps)).toEqual(['lines']);
  }, 300_000);
});
