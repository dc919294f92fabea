/**
 * A MinKNOW barcode as a PromethION flow cell writes it — 1,500 FASTQ batches, then final_summary_*.txt —
 * on a live runtime of its own (its landing would crowd the other layouts' runs off the share watcher's hold
 * window). Its file list is larger than a DynamoDB item, a Step Functions input or a team's SNS message may
 * hold: before file sets (functions/catalog/FileSets.ts) it stopped in VALIDATING for good. Checked as every
 * layout is — completed as v1, qc's read count equal to this test's own recount of every batch, `landfall
 * validate` naming the same files — and every event of the run sized as EventBridge counts it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SampleRecord } from '../../functions/catalog/types.ts';
import { stagedReadName } from '../../workflows/job/volume.ts';
import { dropRunFolder, minknowPromethionRun, writeRunFolder } from '../support/instrumentRuns.ts';
import {
  projectRoot,
  type RuntimeProcess,
  startRuntimeProcess,
  stopRuntimeProcess,
  waitForTerminalSamples,
} from '../support/runtimeProcess.ts';

const exec = promisify(execFile);
const configPath = path.join(projectRoot, 'test/fixtures/landfall.layouts.config.ts');
const TEAM = 'nanopore';
const BATCHES = 1500;
const RUN = minknowPromethionRun('20260102_0900_PC24B123_PBC12345_a3f5c1d2', BATCHES);

/** The test's own count: gunzip, split lines, count records of four lines. */
function recount(file: string): number {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.length / 4;
}

describe('a MinKNOW barcode of 1,500 batches (live runtime + landfall validate)', () => {
  let stateDir: string;
  let folder: string;
  let runtime: RuntimeProcess;
  let terminal: SampleRecord[];

  beforeAll(async () => {
    const foldersDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-large-folders-'));
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-large-'));
    folder = await writeRunFolder(foldersDir, RUN);
    runtime = await startRuntimeProcess(stateDir, configPath);
    await dropRunFolder(folder, runtime.info.shareDir, TEAM, RUN);
    terminal = await waitForTerminalSamples(runtime.catalog, TEAM, RUN.runId, 1, 240_000);
  }, 360_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
    await rm(path.dirname(folder), { recursive: true, force: true });
  });

  it('completes as its first and only version, with qc counting every read of every batch', () => {
    // Prepare
    const own = RUN.samples.barcode01!.reduce((total, file) => total + recount(path.join(folder, file)), 0);
    // Act
    const qc = JSON.parse(
      readFileSync(
        path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', RUN.runId, 'samples', 'barcode01', 'v1', 'qc', 'qc.json'),
        'utf8',
      ),
    ) as { files: Array<{ file: string; reads: number }> };
    // Assess
    expect(terminal.map((sample) => `${sample.sampleId} ${sample.status} v${sample.currentVersion}`)).toEqual(['barcode01 COMPLETED v1']);
    expect(qc.files).toEqual([{ ...qc.files[0], file: stagedReadName('barcode01', 'R1', true), reads: own }]);
    expect(own).toBe(BATCHES * 2);
  });

  it('is cataloged with all 1,500 files, the ones landfall validate names', async () => {
    // Prepare
    const { stdout } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'cli/landfall.ts'), 'validate', folder, '--profile', 'ont', '--json'],
      { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 },
    );
    const offline = JSON.parse(stdout) as { valid: boolean; samples: Array<{ sampleId: string; files: Array<{ path: string }> }> };
    // Act
    const version = await runtime.catalog.samples.getVersion({ team: TEAM, runId: RUN.runId, sampleId: 'barcode01', version: 1 });
    // Assess
    expect(offline.valid).toBe(true);
    expect(version?.files.map((file) => file.name).sort()).toEqual(offline.samples[0]!.files.map((file) => file.path).sort());
    expect(version?.files).toHaveLength(BATCHES);
  });

  it('is announced, cataloged and started within what AWS accepts (every event ≤ 256 KB, a team SNS message)', () => {
    // Prepare
    const events = readFileSync(path.join(stateDir, 'bus', 'events.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as { source: string; 'detail-type': string; detail: Record<string, unknown>; resources?: string[] })
      .filter((event) => event.detail.runId === RUN.runId);
    // Act: each entry's size as EventBridge counts it (Time, Source, DetailType, Detail, Resources); a team's SNS
    // topic target takes 256 KB of it (EventBridge itself 1 MB)
    const sizes = events.map((event) => ({
      type: event['detail-type'],
      bytes:
        14 +
        Buffer.byteLength(event.source) +
        Buffer.byteLength(event['detail-type']) +
        Buffer.byteLength(JSON.stringify(event.detail)) +
        (event.resources ?? []).reduce((total, resource) => total + Buffer.byteLength(resource), 0),
    }));
    // Assess: the sample's announcements name its 1,500 files without carrying them all
    expect(sizes.map((size) => size.type)).toEqual(expect.arrayContaining(['Sample Landed', 'Sample Cataloged', 'Workflow Started']));
    for (const size of sizes) expect(size.bytes, size.type).toBeLessThanOrEqual(256 * 1024);
    expect(events.find((event) => event['detail-type'] === 'Sample Landed')!.detail.fileSet).toMatchObject({ count: BATCHES });
    expect(events.find((event) => event['detail-type'] === 'Sample Cataloged')!.detail.fileCount).toBe(BATCHES);
  });
});
