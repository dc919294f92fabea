/**
 * Issue 16's acceptance, end to end: run folders laid out as bcl2fastq v2.20, BCL Convert, MinKNOW and
 * Revio write them (test/support/instrumentRuns.ts, not Landfall's generator) are dropped on a live
 * `landfall up` at once. Every sample must COMPLETE with the demo pipeline, its qc read counts must equal
 * this test's own recount of ALL its lanes, and `landfall validate` (the real CLI) must agree with the
 * live runtime on every folder: the same verdict and the same sample → files mapping.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/loadConfig.ts';
import type { SampleRecord } from '../../functions/catalog/types.ts';
import { DashboardData } from '../../runtime/dashboard/gatherDashboard.ts';
import { stagedReadName } from '../../workflows/job/volume.ts';
import {
  bcl2fastqProjectRun,
  bclConvertDataFormRun,
  analysisOnlyCopyRun,
  bclConvertOutputFolderRun,
  dropRunFolder,
  type InstrumentRun,
  miSeqSingleReadRun,
  minknowExperimentRun,
  minknowRun,
  nextSeqNoLaneColumnRun,
  noLaneSplittingRun,
  revioRun,
  sampleNameRun,
  tenXRun,
  writeRunFolder,
} from '../support/instrumentRuns.ts';
import {
  projectRoot,
  type RuntimeProcess,
  runHistory,
  startRuntimeProcess,
  stopRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
} from '../support/runtimeProcess.ts';

const exec = promisify(execFile);
const configPath = path.join(projectRoot, 'test/fixtures/landfall.layouts.config.ts');

interface Case {
  layout: string;
  team: string;
  profile: 'illumina' | 'ont' | 'pacbio';
  run: InstrumentRun;
}

/** A file a person left in one run folder: it belongs to no sample and is no file of a run Landfall knows. */
const STRAY = 'notes/lab-notebook.txt';

const CASES: Case[] = [
  {
    layout: 'bcl2fastq v2.20 <Project>/<Sample_ID>/ subfolders',
    team: 'illumina',
    profile: 'illumina',
    run: bcl2fastqProjectRun('260101_A00123_0001_AHCLKXDSXY'),
  },
  {
    layout: 'NextSeq 500 sheet without a Lane column, L001-L004',
    team: 'illumina',
    profile: 'illumina',
    run: nextSeqNoLaneColumnRun('NS500_260101_NB551452_0002_AHW7JJAFXY'),
  },
  {
    layout: 'bcl2fastq --no-lane-splitting',
    team: 'illumina',
    profile: 'illumina',
    run: noLaneSplittingRun('260101_A00123_0003_AHNOLANEXX'),
  },
  { layout: 'bcl2fastq names by Sample_Name', team: 'illumina', profile: 'illumina', run: sampleNameRun('260101_A00123_0004_AHSAMPLNXX') },
  {
    layout: 'BCL Convert, v2 [Data] form, Undetermined',
    team: 'illumina',
    profile: 'illumina',
    run: bclConvertDataFormRun('260101_VH00123_0005_AAAWLKHM5'),
  },
  {
    layout: 'a BCL Convert output folder alone: Reports/ sheet and RunInfo copies, Logs/FastqComplete.txt',
    team: 'illumina',
    profile: 'illumina',
    run: bclConvertOutputFolderRun('260101_A01234_0009_BHXYZ7DRX3'),
  },
  {
    layout: 'a copy of a NovaSeq X onboard analysis alone: its own sheet, done by its two files and a quiet folder',
    team: 'illumina',
    profile: 'illumina',
    run: analysisOnlyCopyRun('260101_LH00417_0010_B22FJKLLT3'),
  },
  {
    layout: '10x four-index rows, I1 and a barcode read between the mates (R3)',
    team: 'illumina',
    profile: 'illumina',
    run: tenXRun('260101_NB551452_0006_AHTENXXXXX'),
  },
  {
    layout: 'MiSeq single-read run',
    team: 'illumina',
    profile: 'illumina',
    run: miSeqSingleReadRun('MS_260101_M01234_0007_000000000-K9H97'),
  },
  { layout: 'MinKNOW barcodes', team: 'nanopore', profile: 'ont', run: minknowRun('20260101_1200_MN12345_PAO25751_e05460c6') },
  { layout: 'Revio HiFi per barcode', team: 'hifi', profile: 'pacbio', run: revioRun('r84001_20260101_134701') },
];

/**
 * Issue 16's silent data loss, the other way round: a NextSeq run (no Lane column) whose lane 3 of N2 has
 * not arrived when RTAComplete.txt lands. N1 is processed; N2 must wait for its fourth lane, never run on three.
 */
const GAP_TEAM = 'illumina';
const GAP_FULL = nextSeqNoLaneColumnRun('NS500_260101_NB551452_0008_AHLANEGAPX');
const WITHHELD = GAP_FULL.samples.N2!.find((file) => file.includes('_L003_'))!;
const GAP: InstrumentRun = { ...GAP_FULL, files: GAP_FULL.files.filter((file) => file.path !== WITHHELD) };

/**
 * A MinKNOW experiment folder of two libraries on two flow cells, both with barcode01 and barcode02: libB's
 * flow cell is still sequencing (its reads are there, its final_summary is not). libA's summary must start
 * libA's samples only, and barcode01 of each library is a sample of its own, never one of both.
 */
const EXPERIMENT_TEAM = 'nanopore';
const EXPERIMENT_FULL = minknowExperimentRun('ONT_experiment_260101');
const LIB_B_SUMMARY = EXPERIMENT_FULL.files.find((file) => file.path.startsWith('libB/') && file.path.includes('final_summary'))!.path;
const EXPERIMENT: InstrumentRun = { ...EXPERIMENT_FULL, files: EXPERIMENT_FULL.files.filter((file) => file.path !== LIB_B_SUMMARY) };

/** The test's own count: gunzip, split lines, count records of four lines. */
function recount(file: string): number {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  expect(lines.length % 4, `${file} has whole records`).toBe(0);
  return lines.length / 4;
}

interface ValidateJson {
  valid: boolean;
  reasons: Array<{ file: string; message: string }>;
  samples: Array<{ sampleId: string; files: Array<{ path: string; label: string; role: string; lane: number }> }>;
  unexpected: Array<{ name: string }>;
  files: Array<{ path: string; valid: boolean; reasons: Array<{ code: string }> }>;
}

/**
 * MinKNOW's own check: the output hash file gives each file's SHA-256 as MinKNOW wrote it. Here it was made for other
 * bytes of barcode02's second batch (a file damaged on its way to the share): barcode02 is rejected naming the hash
 * file's line, barcode01 goes on, and landfall validate says the same offline.
 */
const HASHED_TEAM = 'nanopore';
const HASHED = (() => {
  const run = minknowRun('20260102_1200_MN12345_PAO25751_e05460c6');
  const damaged = run.samples.barcode02!.find((name) => name.endsWith('_1.fastq.gz'))!;
  const hashFile = run.files.find((file) => file.path.startsWith('output_hash_'))!;
  const rows = hashFile.bytes.toString('utf8').split('\n');
  const line = rows.findIndex((row) => row.includes(`,${damaged},`));
  rows[line] = rows[line]!.replace(/,[0-9a-f]{64},/, `,${createHash('sha256').update('other bytes').digest('hex')},`);
  hashFile.bytes = Buffer.from(rows.join('\n'));
  return { run, damaged, hashFile: hashFile.path, line: line + 1 };
})();

describe('layouts: real instrument output lands whole (live runtime + landfall validate)', () => {
  let stateDir: string;
  let foldersDir: string;
  let runtime: RuntimeProcess;
  const validated = new Map<string, ValidateJson>();
  const terminal = new Map<string, SampleRecord[]>();
  /** What the demo pipeline's qc step published for a sample's first version. */
  const qcOf = (team: string, runId: string, sampleId: string) =>
    JSON.parse(
      readFileSync(
        path.join(stateDir, 'buckets', 'landfall-results', 'teams', team, 'runs', runId, 'samples', sampleId, 'v1', 'qc', 'qc.json'),
        'utf8',
      ),
    ) as { files: Array<{ file: string; reads: number }> };

  beforeAll(async () => {
    foldersDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-layouts-folders-'));
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-layouts-'));
    const sampleNames = CASES[4]!.run;
    sampleNames.files.splice(sampleNames.files.length - 1, 0, { path: STRAY, bytes: Buffer.from('to do: re-run lane 2\n') });
    for (const { run } of CASES) await writeRunFolder(foldersDir, run);
    await writeRunFolder(foldersDir, GAP);
    await writeRunFolder(path.join(foldersDir, 'late'), GAP_FULL);
    await writeRunFolder(foldersDir, EXPERIMENT);
    await writeRunFolder(path.join(foldersDir, 'late'), EXPERIMENT_FULL);
    // The offline verdict, from the real CLI, before anything lands (three at a time on two cores).
    await writeRunFolder(foldersDir, HASHED.run);
    const queue = [...CASES, { run: GAP, profile: 'illumina' as const }, { run: HASHED.run, profile: 'ont' as const }];
    const validateNext = async (): Promise<void> => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const { run, profile } = next;
        const { stdout } = await exec(
          process.execPath,
          [
            '--import',
            'tsx',
            path.join(projectRoot, 'cli/landfall.ts'),
            'validate',
            path.join(foldersDir, run.runId),
            '--profile',
            profile,
            '--json',
          ],
          { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 },
        ).catch((error: { stdout: string }) => error);
        validated.set(run.runId, JSON.parse(stdout));
      }
    };
    await Promise.all([validateNext(), validateNext(), validateNext()]);
    runtime = await startRuntimeProcess(stateDir, configPath);
    await Promise.all(
      [...CASES, { run: GAP, team: GAP_TEAM }, { run: EXPERIMENT, team: EXPERIMENT_TEAM }, { run: HASHED.run, team: HASHED_TEAM }].map(
        ({ run, team }) => dropRunFolder(path.join(foldersDir, run.runId), runtime.info.shareDir, team, run),
      ),
    );
    for (const { run, team } of CASES)
      terminal.set(run.runId, await waitForTerminalSamples(runtime.catalog, team, run.runId, Object.keys(run.samples).length, 240_000));
  }, 360_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
    await rm(foldersDir, { recursive: true, force: true });
  });

  // As its first version: a sample judged complete on part of its files shows as a v1 superseded by a v2 once
  // the rest lands, which the checks below (they read the current version) would not see.
  it.each(CASES)('$layout: every sample COMPLETED, as its first and only version', ({ run }) => {
    const samples = terminal.get(run.runId)!;
    const first = samples.every((sample) => sample.status === 'COMPLETED' && sample.currentVersion === 1);
    // A sample concluded on part of its files is rare and timing-bound: the run's events say which file came after which fact.
    expect(
      samples.map((sample) => `${sample.sampleId} ${sample.status} v${sample.currentVersion}`).sort(),
      first ? undefined : `the run's events:\n${runHistory(stateDir, run.runId)}`,
    ).toEqual(
      Object.keys(run.samples)
        .map((sampleId) => `${sampleId} COMPLETED v1`)
        .sort(),
    );
  });

  it.each(CASES)('$layout: qc read counts equal the recount of all the sample’s lanes, per read label', ({ run, team }) => {
    const offline = validated.get(run.runId)!;
    for (const [sampleId, files] of Object.entries(run.samples)) {
      const qc = qcOf(team, run.runId, sampleId);
      const reads = new Map(qc.files.map((file) => [file.file, file.reads]));
      // A step gets one file per read label, every lane and part of it concatenated by stage-in (issue 17). Which
      // files make the sample, with which label, comes from `landfall validate` (index reads included); the read
      // counts are this test's own.
      const validatedFiles = offline.samples.find((sample) => sample.sampleId === sampleId)!.files;
      const names = new Set(validatedFiles.map((file) => path.basename(file.path)));
      for (const file of files) expect(names.has(path.basename(file)), `${sampleId}: ${file} is one of its files`).toBe(true);
      const ownByLabel = new Map<string, number>();
      for (const file of validatedFiles) {
        const where = path.isAbsolute(file.path) ? file.path : path.join(foldersDir, run.runId, file.path);
        ownByLabel.set(file.label, (ownByLabel.get(file.label) ?? 0) + recount(where));
      }
      expect([...reads.keys()].sort(), `${sampleId}: qc covers one file per label`).toEqual(
        [...ownByLabel.keys()].map((label) => stagedReadName(sampleId, label, true)).sort(),
      );
      for (const [label, own] of ownByLabel) {
        expect(reads.get(stagedReadName(sampleId, label, true)), `${sampleId}: qc of ${label} over all its lanes`).toBe(own);
        expect(own).toBeGreaterThan(0);
      }
    }
  });

  it.each(CASES)('$layout: landfall validate agrees with the live runtime (verdict and sample → files)', async ({ run, team }) => {
    const offline = validated.get(run.runId)!;
    const live = terminal.get(run.runId)!;
    // Same verdict: valid offline, every sample completed live.
    expect(offline.valid).toBe(true);
    expect(live.every((sample) => sample.status === 'COMPLETED')).toBe(true);
    // Same mapping: the files of each sample offline are the files of its cataloged version.
    const liveMapping: Record<string, string[]> = {};
    for (const sample of live) {
      const version = await runtime.catalog.samples.getVersion({
        team,
        runId: run.runId,
        sampleId: sample.sampleId,
        version: sample.currentVersion!,
      });
      liveMapping[sample.sampleId] = version!.files.map((file) => `${file.name} ${file.read}:${file.role} L${file.lane}`).sort();
    }
    const offlineMapping = Object.fromEntries(
      offline.samples.map((sample) => [
        sample.sampleId,
        sample.files.map((file) => `${file.path} ${file.label}:${file.role} L${file.lane}`).sort(),
      ]),
    );
    expect(offlineMapping).toEqual(liveMapping);
    // Same files fit nowhere (kept, never processed), offline and live.
    const record = await runtime.catalog.runs.get(team, run.runId);
    expect((record?.unexpected ?? []).map((file) => file.name)).toEqual(offline.unexpected.map((file) => file.name));
    expect(record?.unexpectedCount ?? 0).toBe(offline.unexpected.length);
  });

  it('counts a file that fits nowhere in landfall status, the dashboard run header and the run report, not only in the bus log', async () => {
    // Prepare
    const { run, team } = CASES[4]!;
    const reportFile = path.join(stateDir, 'buckets', 'landfall-results', 'teams', team, 'runs', run.runId, 'report', 'report.json');
    // Act
    // The stray's own event may be handled after the run completed (events of files landed together come in any
    // order): the report is then written again with it, so wait for a report that counts it.
    const report = await waitFor(
      'the run report counting the stray',
      () => {
        const written = existsSync(reportFile)
          ? (JSON.parse(readFileSync(reportFile, 'utf8')) as { unexpectedFiles: { count: number } })
          : undefined;
        return written && written.unexpectedFiles.count > 0 ? written : undefined;
      },
      60_000,
    );
    const { stdout } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join(projectRoot, 'cli/landfall.ts'), 'status', '--state-dir', stateDir, '--config', configPath, '--json'],
      { cwd: projectRoot },
    );
    const status = JSON.parse(stdout) as {
      unexpectedFiles: Array<{ team: string; runId: string; count: number; files: Array<{ name: string }> }>;
    };
    // The dashboard's own data, read from the live catalog as the dashboard server reads it.
    const dashboard = new DashboardData(runtime.catalog, (await loadConfig(configPath)).config);
    const overview = await dashboard.overview({ kind: 'team', team });
    const header = overview.teams.find((view) => view.team === team)?.runs.find((row) => row.runId === run.runId);
    const timeline = await dashboard.runTimeline({ kind: 'team', team }, team, run.runId);
    // Assess
    expect(validated.get(run.runId)!.unexpected.map((file) => file.name)).toEqual([STRAY]);
    expect(status.unexpectedFiles).toEqual([
      { team, runId: run.runId, count: 1, files: [{ name: STRAY, reason: expect.stringContaining(STRAY) }] },
    ]);
    expect(header?.unexpectedFiles).toBe(1);
    expect(timeline?.unexpected).toEqual({ count: 1, files: [{ name: STRAY, reason: expect.stringContaining(STRAY) }] });
    expect(report.unexpectedFiles).toEqual({ count: 1, files: [{ name: STRAY, reason: expect.stringContaining('not processed') }] });
  });

  it("rejects the MinKNOW sample whose FASTQ differs from MinKNOW's output hash file, naming its line, live and offline", async () => {
    // Act
    const samples = await waitForTerminalSamples(runtime.catalog, HASHED_TEAM, HASHED.run.runId, 2, 120_000);
    const rejected = await runtime.catalog.samples.getVersion({
      team: HASHED_TEAM,
      runId: HASHED.run.runId,
      sampleId: 'barcode02',
      version: 1,
    });
    const offline = validated.get(HASHED.run.runId)!;
    // Assess
    expect(samples.map((sample) => `${sample.sampleId} ${sample.status}`).sort()).toEqual(['barcode01 COMPLETED', 'barcode02 REJECTED']);
    const where = `${HASHED.hashFile} line ${HASHED.line}`;
    expect((rejected!.reasons ?? []).map((reason) => [reason.code, reason.file, reason.expected?.endsWith(`(${where})`)])).toEqual([
      ['MANIFEST_SHA256_MISMATCH', HASHED.damaged, true],
    ]);
    expect(offline.valid).toBe(false);
    expect(offline.files.filter((file) => !file.valid).map((file) => [file.path, file.reasons.map((reason) => reason.code)])).toEqual([
      [HASHED.damaged, ['MANIFEST_SHA256_MISMATCH']],
    ]);
  });

  it('a sample missing one lane waits for it (validate: INVALID, that file named), then completes on all four lanes', async () => {
    // Prepare
    const ref = { team: GAP_TEAM, runId: GAP.runId };
    const offline = validated.get(GAP.runId)!;
    // Act
    const n1 = await waitFor(
      'N1 of the gap run COMPLETED',
      async () => {
        const sample = await runtime.catalog.samples.get({ ...ref, sampleId: 'N1' });
        return sample?.status === 'COMPLETED' ? sample : undefined;
      },
      120_000,
      250,
    );
    const waiting = await runtime.catalog.samples.get({ ...ref, sampleId: 'N2' });
    const run = await runtime.catalog.runs.get(GAP_TEAM, GAP.runId);
    // Assess: offline and live agree the folder lacks exactly that file, and N2 was not processed on three lanes.
    expect(n1.currentVersion).toBe(1);
    expect(offline.valid).toBe(false);
    expect(offline.reasons.map((reason) => reason.file)).toEqual([WITHHELD]);
    expect(offline.reasons[0]!.message).toContain('N2');
    expect(run?.missing).toEqual([WITHHELD]);
    expect(waiting?.status).toBe('RECEIVING');
    expect(waiting?.currentVersion).toBeUndefined();
    const n1Version = await runtime.catalog.samples.getVersion({ ...ref, sampleId: 'N1', version: 1 });
    expect(n1Version!.files.map((file) => `${file.name} ${file.read}:${file.role} L${file.lane}`).sort()).toEqual(
      offline.samples
        .find((sample) => sample.sampleId === 'N1')!
        .files.map((file) => `${file.path} ${file.label}:${file.role} L${file.lane}`)
        .sort(),
    );

    // Act: the lane arrives late.
    await copyFile(path.join(foldersDir, 'late', GAP.runId, WITHHELD), path.join(runtime.info.shareDir, GAP_TEAM, GAP.runId, WITHHELD));
    const done = await waitFor(
      'N2 of the gap run COMPLETED',
      async () => {
        const sample = await runtime.catalog.samples.get({ ...ref, sampleId: 'N2' });
        return sample?.status === 'COMPLETED' ? sample : undefined;
      },
      120_000,
      250,
    );
    // Assess: N2 ran once, on all four lanes: qc's reads (per landed file, or per read label once stage-in
    // concatenates lanes) add up to this test's own recount of the four lane files, not of three.
    expect(done.currentVersion).toBe(1);
    const qc = qcOf(GAP_TEAM, GAP.runId, 'N2');
    const files = GAP_FULL.samples.N2!;
    expect(files.map((file) => /_L00(\d)_/.exec(file)?.[1]).sort()).toEqual(['1', '2', '3', '4']);
    const recounted = files.map((file) => recount(path.join(foldersDir, 'late', GAP.runId, file)));
    // Lane 3 holds reads, so a sum over three lanes could not pass.
    expect(recounted[files.indexOf(WITHHELD)]).toBeGreaterThan(0);
    expect(qc.files.reduce((sum, file) => sum + file.reads, 0)).toBe(recounted.reduce((sum, reads) => sum + reads, 0));
  });
  it("one flow cell's final_summary starts its own library's samples only; barcode01 of two libraries is two samples", async () => {
    // Prepare
    const ref = { team: EXPERIMENT_TEAM, runId: EXPERIMENT.runId };
    const sampleOf = (sampleId: string) => runtime.catalog.samples.get({ ...ref, sampleId });
    const completed = (sampleId: string) =>
      waitFor(
        `${sampleId} COMPLETED`,
        async () => ((await sampleOf(sampleId))?.status === 'COMPLETED' ? sampleOf(sampleId) : undefined),
        120_000,
        250,
      );
    const qcReads = (sampleId: string) =>
      qcOf(EXPERIMENT_TEAM, EXPERIMENT.runId, sampleId).files.reduce((sum, file) => sum + file.reads, 0);
    const ownReads = (sampleId: string) =>
      EXPERIMENT_FULL.samples[sampleId]!.reduce((sum, file) => sum + recount(path.join(foldersDir, 'late', EXPERIMENT.runId, file)), 0);
    // Act
    const libA = [await completed('libA_barcode01'), await completed('libA_barcode02')];
    const libBWaiting = [await sampleOf('libB_barcode01'), await sampleOf('libB_barcode02')];
    // Assess: libA ran once on its own reads; libB, whose reads have all landed, was not started without its summary
    expect(libA.map((sample) => `${sample!.sampleId} v${sample!.currentVersion}`)).toEqual(['libA_barcode01 v1', 'libA_barcode02 v1']);
    expect(libBWaiting.map((sample) => `${sample?.sampleId} ${sample?.status} ${sample?.currentVersion}`)).toEqual([
      'libB_barcode01 RECEIVING undefined',
      'libB_barcode02 RECEIVING undefined',
    ]);
    for (const sampleId of ['libA_barcode01', 'libA_barcode02']) expect(qcReads(sampleId), sampleId).toBe(ownReads(sampleId));
    expect((await runtime.catalog.runs.get(EXPERIMENT_TEAM, EXPERIMENT.runId))?.waitingFor).toBe(
      'final_summary_*.txt of every flow cell whose reads landed',
    );

    // Act: libB's flow cell finishes.
    await copyFile(
      path.join(foldersDir, 'late', EXPERIMENT.runId, LIB_B_SUMMARY),
      path.join(runtime.info.shareDir, EXPERIMENT_TEAM, EXPERIMENT.runId, LIB_B_SUMMARY),
    );
    const libB = [await completed('libB_barcode01'), await completed('libB_barcode02')];
    // Assess: as their first version, each on its own library's reads only
    expect(libB.map((sample) => `${sample!.sampleId} v${sample!.currentVersion}`)).toEqual(['libB_barcode01 v1', 'libB_barcode02 v1']);
    for (const sampleId of ['libB_barcode01', 'libB_barcode02']) expect(qcReads(sampleId), sampleId).toBe(ownReads(sampleId));
    // libB's barcode01 holds reads of its own, so one sample of both libraries could not have passed above.
    expect(ownReads('libB_barcode01')).toBeGreaterThan(0);
  });
});
