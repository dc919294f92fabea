/**
 * Validation per file as it lands, on the compiled embedded runtime (a real `landfall up` process, its file
 * passes in worker threads): a runtime killed after some of a run's files were validated, and started again,
 * concludes every sample without reading those files again. Passes are counted by the validator itself
 * (LANDFALL_FASTQ_PASS_LOG: one line per pass, from the process and its worker threads alike).
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { type RuntimeProcess, startRuntimeProcess, waitFor, waitForTerminalSamples } from '../support/runtimeProcess.ts';

const TEAM = 'genomics';

describe('validation per file on the embedded runtime', () => {
  let stateDir: string | undefined;
  let runtimes: RuntimeProcess[] = [];
  afterEach(async () => {
    for (const runtime of runtimes)
      if (runtime.child.exitCode === null && runtime.child.signalCode === null) {
        runtime.child.kill('SIGKILL');
        await runtime.exited;
      }
    runtimes = [];
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('resumes after SIGKILL without re-reading the files validated before it: each is read exactly once', async () => {
    // Prepare: the sheet and Sample01's FASTQs land and are validated; Sample02 and the markers have not come
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-verdicts-'));
    const passLog = path.join(stateDir, 'fastq-passes.log');
    const env = { LANDFALL_FASTQ_PASS_LOG: passLog };
    const first = await startRuntimeProcess(stateDir, undefined, env);
    runtimes.push(first);
    const runId = '261123_LH00417_0900_B22VERDCT';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 47,
      samples: 2,
      readsPerSample: 400,
      team: TEAM,
    });
    const folder = path.join(first.info.shareDir, TEAM, runId);
    await mkdir(folder, { recursive: true });
    const fastqs = run.files.filter((file) => file.kind === 'fastq');
    const early = fastqs.filter((file) => file.name.startsWith('Sample01_'));
    const late = fastqs.filter((file) => !file.name.startsWith('Sample01_'));
    for (const file of run.files.filter((each) => each.kind === 'samplesheet').concat(early))
      await copyFile(file.path, path.join(folder, file.name));
    await waitFor(
      "verdicts for Sample01's files",
      async () => {
        const landed = await first.catalog.runs.listFiles(TEAM, runId).catch(() => []);
        const mine = landed.filter((file) => early.some((each) => each.name === file.name));
        if (mine.length < early.length) return undefined;
        const verdicts = await Promise.all(mine.map((file) => first.catalog.fileVerdicts.get(file)));
        return verdicts.every(Boolean) || undefined;
      },
      60_000,
      100,
    );
    const passes = () => (existsSync(passLog) ? readFileSync(passLog, 'utf8').split('\n').filter(Boolean) : []);
    // Act: kill, start again, land the rest with the markers last
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const passesBeforeKill = passes();
    const second = await startRuntimeProcess(stateDir, undefined, env);
    runtimes.push(second);
    for (const file of late.concat(run.files.filter((each) => each.kind === 'marker')))
      await copyFile(file.path, path.join(folder, file.name));
    const samples = await waitForTerminalSamples(second.catalog, TEAM, runId, 2, 180_000);
    // Assess: both samples complete; Sample01's files read once each, before the kill, never after
    expect(samples.map((sample) => [sample.sampleId, sample.status])).toEqual([
      ['Sample01', 'COMPLETED'],
      ['Sample02', 'COMPLETED'],
    ]);
    const afterRestart = passes().slice(passesBeforeKill.length);
    expect(early.length).toBeGreaterThan(0);
    expect(passesBeforeKill.sort()).toEqual(early.map((file) => file.name).sort());
    expect(afterRestart.filter((name) => name.startsWith('Sample01_'))).toEqual([]);
    for (const file of late) expect(afterRestart, file.name).toContain(file.name);
  }, 300_000);
});
