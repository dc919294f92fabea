/**
 * Samples too large to validate inside a function are validated by a Batch job running the same code:
 * on the live embedded runtime, with every sample over the (test) threshold, a good sample is cataloged
 * and completes, and a corrupt one is rejected with the same reason inline validation gives.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import {
  projectRoot,
  readBusLog,
  waitForTerminalSamples,
  withLiveRuntime,
  dropRunWithCorruptLine,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';

describe('validation as a Batch job on the embedded runtime', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-validation-jobs-', (live) => ({ stateDir, runtime } = live), {
    configPath: path.join(projectRoot, 'test/fixtures/landfall.validation-jobs.config.ts'),
  });

  it('catalogs a good sample and rejects a corrupt one from the job result, with the inline reasons', async () => {
    // Prepare: Sample02's R2 has a broken separator line in record 3 (line 11)
    const runId = '261123_LH00417_0600_B22BIGVAL';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 61,
      samples: 2,
      readsPerSample: 200,
      team: TEAM,
    });
    const bad = run.samples[1]!.fastqs.find((fastq) => fastq.read === 'R2')!;
    // Act
    await dropRunWithCorruptLine(runtime.info.shareDir, TEAM, run, bad);
    const samples = await waitForTerminalSamples(runtime.catalog, TEAM, runId, 2);
    // Assess: each sample was validated by its own job, and the outcome is what inline validation gives
    expect(samples.map((sample) => [sample.sampleId, sample.status])).toEqual([
      ['Sample01', 'COMPLETED'],
      ['Sample02', 'REJECTED'],
    ]);
    const jobs = readBusLog(stateDir).filter(
      (e) =>
        e['detail-type'] === 'Batch Job State Change' &&
        String(e.detail.jobName).startsWith('validate-') &&
        e.detail.status === 'SUCCEEDED',
    );
    expect(jobs.map((e) => String(e.detail.jobName)).sort()).toEqual([
      expect.stringMatching(new RegExp(`^validate-${TEAM}-${runId}-Sample01-[0-9a-f]{12}$`)),
      expect.stringMatching(new RegExp(`^validate-${TEAM}-${runId}-Sample02-[0-9a-f]{12}$`)),
    ]);
    expect(readdirSync(path.join(stateDir, 'executor', 'logs')).filter((name) => name.startsWith('validate-'))).toHaveLength(2);
    const good = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample01', version: 1 });
    expect(good!.files.every((file) => /^[0-9a-f]{32}$/.test(file.md5) && file.stats !== undefined && file.stats.reads === 200)).toBe(true);
    const rejected = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample02', version: 1 });
    expect(rejected!.reasons![0]).toMatchObject({ file: bad.name, line: 11 });
    for (const detailType of ['Sample Cataloged', 'Sample Rejected']) {
      expect(
        readBusLog(stateDir).filter((e) => e['detail-type'] === detailType && e.detail.runId === runId),
        detailType,
      ).toHaveLength(1);
    }
  }, 180_000);
});
