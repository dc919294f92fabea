/**
 * Cross-region fan-out on the embedded runtime: a run spread over three local regions; the region of the
 * first `qc` job to start is taken down while that job runs. Every sample still completes, the catalog's
 * lineage shows the re-placement, and no output is published twice.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import type { StepRecord } from '../../functions/catalog/types.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  startRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const SAMPLES = 6;
const CONFIG = path.join(projectRoot, 'test/fixtures/landfall.regions.config.ts');

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

describe('regions: a run spread over three regions survives losing one mid-job', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: GeneratedRun;
  let touchFile: string;
  let steps: StepRecord[];
  let lost: { jobId: string; region: string };

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-regions-'));
    touchFile = path.join(stateDir, 'hung-attempt.json');
    const faults = { 'step.hangOnce': { step: 'qc', touchFile }, 'executor.onTouch': { touchFile, action: 'region-down' } };
    runtime = await startRuntimeProcess(stateDir, CONFIG, { LANDFALL_FAULTS: JSON.stringify(faults) });
    run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261123_LH00417_0052_B22FJKLT3'),
      runId: '261123_LH00417_0052_B22FJKLT3',
      seed: 13,
      samples: SAMPLES,
      readsPerSample: 200,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitForTerminalSamples(runtime.catalog, TEAM, run.runId, SAMPLES, 200_000);
    lost = JSON.parse(readFileSync(touchFile, 'utf8')) as { jobId: string; region: string };
    steps = [];
    for (const sample of await runtime.catalog.samples.listInRun(TEAM, run.runId)) {
      steps.push(
        ...(await runtime.catalog.steps.list({ team: TEAM, runId: run.runId, sampleId: sample.sampleId, version: sample.currentVersion! })),
      );
    }
  }, 240_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('completes every sample', async () => {
    // Act
    const samples = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    // Assess
    expect(samples.map((sample) => sample.status)).toEqual(Array(SAMPLES).fill('COMPLETED'));
    expect(steps).toHaveLength(SAMPLES * 3);
    expect(steps.every((step) => step.status === 'SUCCEEDED' && step.publishedAt)).toBe(true);
  });

  it('spread the run over all three regions, each placement with its reasoning', () => {
    // Act
    const firstPlacements = steps.map((step) => step.placements?.[0]);
    // Assess
    expect(new Set(firstPlacements.map((placement) => placement?.region))).toEqual(new Set(['eu-west-1', 'us-east-1', 'ap-south-1']));
    expect(firstPlacements.every((placement) => placement && placement.reasons.length >= 4 && /^chose /.test(placement.reasons[0]!))).toBe(
      true,
    );
    expect(firstPlacements.some((placement) => /saturated/.test(placement!.reasons[0]!))).toBe(true);
  });

  it('re-placed the job that was running in the lost region, and shows it in the lineage', () => {
    // Prepare
    const moved = steps.filter((step) => (step.placements?.length ?? 0) > 1);
    // Act
    const hungStep = moved.find((step) => step.step === 'qc' && step.placements![0]!.region === lost.region);
    // Assess
    expect(hungStep).toBeDefined();
    const [first, second] = hungStep!.placements!;
    expect(second).toMatchObject({ replaces: first!.jobName, jobName: `${first!.jobName}-p2` });
    expect(second!.region).not.toBe(lost.region);
    expect(second!.why).toMatch(new RegExp(`region ${lost.region} unhealthy`));
    expect(hungStep!.region).toBe(second!.region);
    // Nothing finished in the lost region after it went down, and every moved step ended elsewhere.
    expect(moved.every((step) => step.region !== lost.region)).toBe(true);
  });

  it('announced the lost host and never completed a task from the replaced job', () => {
    // Act
    const events = readBusLog(stateDir).filter((event) => event['detail-type'] === 'Batch Job State Change');
    const lostJob = events.filter((event) => event.detail.jobId === lost.jobId);
    // Assess
    const retry = lostJob.find((event) => event.detail.status === 'RUNNABLE' && (event.detail.attempts as unknown[]).length === 1);
    expect((retry?.detail.attempts as Array<{ statusReason?: string }> | undefined)?.[0]?.statusReason).toMatch(
      /^Host EC2 \(instance i-[0-9a-f]+\) terminated\.$/,
    );
    expect(lostJob.some((event) => event.detail.status === 'SUCCEEDED')).toBe(false);
  });

  it('published every output exactly once', async () => {
    // Prepare
    const results = path.join(stateLayout(stateDir).buckets, 'landfall-results');
    // Act
    const published = readBusLog(stateDir).filter((event) => event['detail-type'] === 'Step Output Published');
    const keys = published.map((event) => `${event.detail.sampleId}/${event.detail.step}`);
    const teamFiles = (await filesUnder(results)).filter(
      (file) => file.startsWith('teams/') && !file.endsWith('manifest.json') && !file.endsWith('index.json') && !file.includes('/report/'),
    );
    // Assess
    expect(keys.sort()).toEqual([...new Set(keys)].sort());
    expect(keys).toHaveLength(SAMPLES * 3);
    const stepOutputs = steps.flatMap((step) => (step.outputs ?? []).map((output) => output.key)).sort();
    expect(teamFiles.map((file) => file).sort()).toEqual(stepOutputs);
  });

  it('writes the run-level report once every sample is terminal: JSON and a self-contained HTML page', async () => {
    // Prepare
    const reportDir = path.join(stateLayout(stateDir).buckets, 'landfall-results', 'teams', TEAM, 'runs', run.runId, 'report');
    // Act
    // report.json is written first, then report.html: wait for both
    const json = await waitFor(
      'report.json and report.html',
      () => (existsSync(path.join(reportDir, 'report.html')) ? readFileSync(path.join(reportDir, 'report.json'), 'utf8') : undefined),
      30_000,
    );
    const html = readFileSync(path.join(reportDir, 'report.html'), 'utf8');
    // Assess
    const report = JSON.parse(json) as {
      samples: Array<{
        sampleId: string;
        status: string;
        reads: number | null;
        duplicationPercent: number | null;
        basesTrimmedPercent: number | null;
      }>;
    };
    expect(report.samples.map((sample) => sample.sampleId)).toEqual(run.samples.map((sample) => sample.sampleId).sort());
    expect(
      report.samples.every(
        (sample) =>
          sample.status === 'COMPLETED' &&
          sample.reads === 400 &&
          sample.duplicationPercent !== null &&
          sample.basesTrimmedPercent !== null,
      ),
    ).toBe(true);
    expect(html).toContain(`<h1>Run ${run.runId}</h1>`);
    expect(html).not.toMatch(/<script|<link|\ssrc=|href="http/i);
    expect(readBusLog(stateDir).filter((event) => event['detail-type'] === 'Run Completed')).toHaveLength(1);
  });
});
