/**
 * Landing correctness on a live embedded runtime: a trickling instrument (a writer pausing mid-file
 * longer than the settle window, a late file after the marker) never starts a workflow early and starts
 * exactly one per sample; a sample with a corrupt R2 is quarantined with reasons while the rest of the run
 * proceeds, and re-landing only the fixed R2 completes it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import {
  readBusLog,
  withLiveRuntime,
  dropRunWithCorruptLine,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
/** The log's Object Created events for a file of that name. */
const objectCreatedFor = (log: ReturnType<typeof readBusLog>, name: string) =>
  log.filter((e) => e['detail-type'] === 'Object Created' && String((e.detail.object as { key: string }).key).endsWith(name));

describe('landing correctness on the embedded runtime', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;

  withLiveRuntime('landfall-landing-', (live) => ({ stateDir, runtime } = live));

  it('starts no workflow before the run is complete and exactly one per sample after, through a trickle', async () => {
    // Prepare
    const runId = '261123_LH00417_0101_B22TRICKL';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 11,
      samples: 2,
      readsPerSample: 400,
      team: TEAM,
    });
    const folder = path.join(runtime.info.shareDir, TEAM, runId);
    await mkdir(folder, { recursive: true });
    const [sheet, ...rest] = run.files;
    const fastqs = rest.filter((file) => file.kind === 'fastq');
    const markers = rest.filter((file) => file.kind === 'marker');
    const late = fastqs.at(-1)!; // Sample02's R2 arrives after CopyComplete.txt
    // Act: sheet, then each FASTQ, the first written in two halves with a pause longer than the settle window
    await copyFile(sheet!.path, path.join(folder, sheet!.name));
    for (const [index, file] of fastqs.slice(0, -1).entries()) {
      if (index === 0) {
        const bytes = readFileSync(file.path);
        await writeFile(path.join(folder, file.name), bytes.subarray(0, bytes.length >> 1));
        // the watcher lands the half-written file once it has settled (settleMs 300); wait for that landing rather
        // than a fixed pause, which a busy machine outlasts
        await waitFor(
          `the half-written ${file.name} to land`,
          () => objectCreatedFor(readBusLog(stateDir), file.name).length === 1 || undefined,
          30_000,
        );
        await appendFile(path.join(folder, file.name), bytes.subarray(bytes.length >> 1));
      } else {
        await copyFile(file.path, path.join(folder, file.name));
      }
      await sleep(100);
    }
    for (const marker of markers) await copyFile(marker.path, path.join(folder, marker.name));
    await waitFor(
      'Sample01 to start',
      () => readBusLog(stateDir).some((e) => e['detail-type'] === 'Workflow Started' && e.detail.runId === runId) || undefined,
      60_000,
    );
    await sleep(1500);
    const startedBeforeLate = readBusLog(stateDir)
      .filter((e) => e['detail-type'] === 'Workflow Started' && e.detail.runId === runId)
      .map((e) => e.detail.sampleId);
    await copyFile(late.path, path.join(folder, late.name));
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 2);

    // Assess: the order of the bus log proves nothing started early
    const log = readBusLog(stateDir);
    const landedAt = (name: string) =>
      log.findLastIndex(
        (e) => e['detail-type'] === 'Object Created' && String((e.detail.object as { key: string }).key).endsWith(`${runId}/${name}`),
      );
    const starts = log.flatMap((e, index) =>
      e['detail-type'] === 'Workflow Started' && e.detail.runId === runId ? [{ sampleId: e.detail.sampleId as string, index }] : [],
    );
    expect(startedBeforeLate).toEqual(['Sample01']); // Sample02 waited for its late R2
    expect(starts.map((start) => start.sampleId).sort()).toEqual(['Sample01', 'Sample02']); // exactly one each
    for (const start of starts) {
      const sample = run.samples.find((candidate) => candidate.sampleId === start.sampleId)!;
      expect(start.index).toBeGreaterThan(landedAt('CopyComplete.txt'));
      for (const fastq of sample.fastqs)
        expect(start.index, `${fastq.name} landed before ${start.sampleId} started`).toBeGreaterThan(landedAt(fastq.name));
    }
    // the half-written file landed once early, and the version was built from the complete bytes
    const first = fastqs[0]!;
    expect(objectCreatedFor(log, first.name).length).toBe(2);
    const version = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample01', version: 1 });
    expect(version!.files.find((file) => file.name === first.name)!.md5).toBe(md5(readFileSync(first.path)));
    expect((await runtime.catalog.samples.listInRun(TEAM, runId)).map((s) => s.status)).toEqual(['COMPLETED', 'COMPLETED']);
  }, 120_000);

  it('quarantines a sample with a corrupt R2 while the run proceeds; re-landing only the fixed R2 completes it', async () => {
    // Prepare: Sample02's R2 has a broken separator line in record 3 (line 11)
    const runId = '261123_LH00417_0102_B22QUARAN';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 12,
      samples: 3,
      readsPerSample: 300,
      team: TEAM,
    });
    const bad = run.samples[1]!.fastqs.find((fastq) => fastq.read === 'R2')!;
    // Act
    const { folder } = await dropRunWithCorruptLine(runtime.info.shareDir, TEAM, run, bad);
    const samples = await waitForTerminalSamples(runtime.catalog, TEAM, runId, 3);

    // Assess: rejected with a reason a person understands, others completed
    expect(samples.map((s) => [s.sampleId, s.status])).toEqual([
      ['Sample01', 'COMPLETED'],
      ['Sample02', 'REJECTED'],
      ['Sample03', 'COMPLETED'],
    ]);
    const rejected = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample02', version: 1 });
    expect(rejected!.reasons![0]).toMatchObject({ file: bad.name, line: 11 });
    expect(rejected!.reasons![0]!.message).toContain("'+'");
    const quarantine = path.join(stateDir, 'buckets', 'landfall-quarantine', TEAM, runId, 'Sample02', 'v1');
    const reasons = JSON.parse(readFileSync(path.join(quarantine, 'reasons.json'), 'utf8')) as {
      reasons: Array<{ file: string; line: number }>;
      whatToDo: string;
    };
    expect(reasons.reasons[0]).toMatchObject({ file: bad.name, line: 11 });
    expect(reasons.whatToDo).toContain('copy them into the same run folder');
    // nothing lost: both files are byte-identical in quarantine, gone from landing
    for (const fastq of run.samples[1]!.fastqs) {
      const onShare = readFileSync(path.join(folder, fastq.name));
      expect(md5(readFileSync(path.join(quarantine, fastq.name)))).toBe(md5(onShare));
      expect(existsSync(path.join(stateDir, 'buckets', 'landfall-landing', 'incoming', TEAM, runId, fastq.name))).toBe(false);
    }
    const rejectedEvents = readBusLog(stateDir).filter((e) => e['detail-type'] === 'Sample Rejected' && e.detail.runId === runId);
    expect(rejectedEvents.map((e) => e.detail.sampleId)).toEqual(['Sample02']);

    // Act: re-land only the fixed R2
    await copyFile(bad.path, path.join(folder, bad.name));
    await waitFor(
      'Sample02 v2 to complete',
      async () =>
        (await runtime.catalog.samples.get({ team: TEAM, runId, sampleId: 'Sample02' }))?.status === 'COMPLETED' ? true : undefined,
      90_000,
    );

    // Assess: v2 uses the kept R1 from quarantine and the fixed R2, and its outputs exist
    const v2 = await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample02', version: 2 });
    expect(v2!.status).toBe('COMPLETED');
    expect(v2!.files.map((file) => [file.name, file.md5]).sort()).toEqual(
      run.samples[1]!.fastqs.map((fastq) => [fastq.name, md5(readFileSync(fastq.path))]).sort(),
    );
    expect(
      existsSync(
        path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', runId, 'samples', 'Sample02', 'v2', 'manifest.json'),
      ),
    ).toBe(true);
  }, 150_000);
});
