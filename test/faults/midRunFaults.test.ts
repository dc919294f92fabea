/**
 * Faults that arrive while a run is being processed, on a live embedded runtime:
 * - a corrupted file (a gzip stream with damaged bytes) lands after the run's markers, while the run's other
 *   samples are running jobs: that sample is REJECTED and quarantined byte for byte, the others complete;
 * - a sample's files are re-landed with changed content while its version 1 is running: version 2 completes,
 *   version 1 ends SUPERSEDED, and each version's outputs are published once, under its own prefix.
 */
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { readBusLog, waitFor, waitForTerminalSamples, withLiveRuntime, type RuntimeProcess } from '../support/runtimeProcess.ts';
import { expectNoLossNoDuplicates } from './faultAssertions.ts';

const TEAM = 'genomics';

describe('fault: corrupted and re-landed files mid-run', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-fault-midrun-', (live) => ({ stateDir, runtime } = live));

  const jobRunning = (runId: string, sampleId?: string) =>
    waitFor(
      `a step job of ${runId}${sampleId ? `/${sampleId}` : ''} running`,
      () =>
        readBusLog(stateDir).some(
          (e) =>
            e['detail-type'] === 'Batch Job State Change' &&
            e.detail.status === 'RUNNING' &&
            String(e.detail.jobName).includes(`${runId}-${sampleId ?? ''}`),
        ) || undefined,
      60_000,
      20,
    );

  it('rejects and quarantines a sample whose file lands corrupted mid-run; the others complete', async () => {
    // Prepare: Sample03's R1 is held back; its corrupted copy has bytes flipped in the middle of the gzip stream
    const runId = '261123_LH00417_0530_B22CORRPT';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 55,
      samples: 3,
      readsPerSample: 4000,
      team: TEAM,
    });
    const held = run.samples[2]!.fastqs.find((fastq) => fastq.read === 'R1')!;
    const corrupted = Buffer.from(readFileSync(held.path));
    for (let i = corrupted.length >> 1; i < (corrupted.length >> 1) + 64; i++) corrupted[i] = corrupted[i]! ^ 0xff;
    expect(() => gunzipSync(corrupted), 'the corrupted copy must really be broken').toThrow();
    const folder = path.join(runtime.info.shareDir, TEAM, runId);
    await mkdir(folder, { recursive: true });
    for (const file of run.files) if (file.name !== held.name) await copyFile(file.path, path.join(folder, file.name));
    // Act: the corrupted file lands while the run's other samples run jobs
    await jobRunning(runId);
    await writeFile(path.join(folder, held.name), corrupted);
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 3);
    // Assess
    await expectNoLossNoDuplicates({
      stateDir,
      catalog: runtime.catalog,
      team: TEAM,
      runId,
      statuses: { Sample01: 'COMPLETED', Sample02: 'COMPLETED', Sample03: 'REJECTED' },
    });
    const rejected = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample03', version: 1 });
    expect(rejected!.reasons![0]!.file).toBe(held.name);
    expect(
      readBusLog(stateDir)
        .filter((e) => e['detail-type'] === 'Workflow Started' && e.detail.runId === runId)
        .map((e) => e.detail.sampleId)
        .sort(),
    ).toEqual(['Sample01', 'Sample02']);
  }, 150_000);

  it('re-landing a sample while version 1 runs completes version 2 and supersedes version 1, each published once', async () => {
    // Prepare
    const runId = '261123_LH00417_0531_B22RELDMR';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 56,
      samples: 1,
      readsPerSample: 20_000,
      team: TEAM,
    });
    const folder = path.join(runtime.info.shareDir, TEAM, runId);
    await mkdir(folder, { recursive: true });
    for (const file of run.files) await copyFile(file.path, path.join(folder, file.name));
    // Act: the instrument re-exports the sample (last pair removed, R1 and R2 stay paired) while v1's jobs run
    await jobRunning(runId, 'Sample01');
    const v1Running = await runtime.catalog.samples.get({ team: TEAM, runId, sampleId: 'Sample01' });
    const dropLast = (file: string) =>
      gzipSync(Buffer.from(`${gunzipSync(readFileSync(file)).toString('latin1').split('\n').slice(0, -5).join('\n')}\n`, 'latin1'));
    for (const fastq of run.samples[0]!.fastqs) await writeFile(path.join(folder, fastq.name), dropLast(fastq.path));
    await waitFor(
      'v2 to be terminal',
      async () => {
        const version = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample01', version: 2 });
        return version && ['COMPLETED', 'FAILED', 'REJECTED'].includes(version.status) ? version : undefined;
      },
      120_000,
    );
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 1);
    // Assess
    expect(v1Running?.status, 'v1 was still processing when the re-land arrived').toBe('RUNNING');
    const versions = await runtime.catalog.samples.listVersions({ team: TEAM, runId, sampleId: 'Sample01' });
    expect(versions.map((v) => [v.version, v.status])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'COMPLETED'],
    ]);
    expect((await runtime.catalog.samples.get({ team: TEAM, runId, sampleId: 'Sample01' }))!.currentVersion).toBe(2);
    await expectNoLossNoDuplicates({ stateDir, catalog: runtime.catalog, team: TEAM, runId, statuses: { Sample01: 'COMPLETED' } });
  }, 180_000);
});
