/**
 * A busy day on a live embedded runtime, scaled to the CI budget (issue 22, finding 4): three runs (24 samples)
 * of two teams dropped together. Every sample COMPLETES, every run is DONE with its report, no housekeeping
 * error (index, deferred-job release, timeouts) surfaces as a sample failure, and every fact is emitted
 * exactly once: one "Workflow Started" per sample version and one "Step Output Published" per step.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import { runReportPrefix } from '../../contracts/keys.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  waitFor,
  waitForTerminalSamples,
  withLiveRuntime,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';

const RUNS = [
  { team: 'genomics', runId: '261123_LH00417_0900_B22LOADAA', samples: 8 },
  { team: 'genomics', runId: '261123_LH00417_0901_B22LOADBB', samples: 8 },
  { team: 'microbio', runId: '261123_LH00418_0902_B22LOADCC', samples: 8 },
];

describe('a busy day on the embedded runtime', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-load-', (live) => ({ stateDir, runtime } = live), {
    configPath: path.join(projectRoot, 'test/fixtures/landfall.load.config.ts'),
  });

  it('completes 24 samples over 3 runs dropped together, each run DONE with its report, every fact once', async () => {
    // Prepare
    const generated: GeneratedRun[] = await Promise.all(
      RUNS.map((run, index) =>
        generateRun({
          dir: path.join(stateDir, 'instrument', run.runId),
          runId: run.runId,
          team: run.team,
          seed: 90 + index,
          samples: run.samples,
          readsPerSample: 200,
        }),
      ),
    );
    // Act: all three at once
    await Promise.all(generated.map((run, index) => dropRun(runtime.info.shareDir, RUNS[index]!.team, run)));
    const samples = await Promise.all(
      RUNS.map((run) => waitForTerminalSamples(runtime.catalog, run.team, run.runId, run.samples, 600_000)),
    );
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    await waitFor(
      'every run DONE with its report',
      async () => {
        for (const run of RUNS) {
          if ((await runtime.catalog.runs.get(run.team, run.runId))?.status !== 'DONE') return undefined;
          if (!(await storage.head('landfall-results', `${runReportPrefix(run.team, run.runId)}report.json`))) return undefined;
        }
        return true;
      },
      180_000,
      500,
    );

    // Assess
    for (const [index, run] of RUNS.entries()) {
      const failed = samples[index]!.filter((sample) => sample.status !== 'COMPLETED');
      expect(
        failed.map((sample) => `${sample.sampleId} ${sample.status} (${sample.detail})`),
        run.runId,
      ).toEqual([]);
    }
    const log = readBusLog(stateDir);
    const count = (detailType: string, key: (detail: Record<string, unknown>) => string) => {
      const counts = new Map<string, number>();
      for (const event of log.filter((e) => e['detail-type'] === detailType))
        counts.set(key(event.detail), (counts.get(key(event.detail)) ?? 0) + 1);
      return counts;
    };
    const started = count('Workflow Started', (d) => `${d.runId}/${d.sampleId}/v${d.version}`);
    const published = count('Step Output Published', (d) => `${d.runId}/${d.sampleId}/v${d.version}/${d.step}`);
    const completed = count('Run Completed', (d) => String(d.runId));
    expect(started.size).toBe(24);
    expect([...started.values()].every((n) => n === 1)).toBe(true);
    expect(published.size).toBe(24 * demoPipeline.steps.length);
    expect([...published.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(completed.size).toBe(3);
    expect([...completed.values()].every((n) => n === 1)).toBe(true);
    expect(log.filter((e) => e['detail-type'] === 'Sample Failed')).toEqual([]);
  }, 900_000);
});
