/**
 * The walking skeleton, end to end on a live embedded runtime (`landfall up` as a child process):
 * a generated run dropped on the share becomes cataloged samples, executions, Batch jobs (real child
 * processes) and published, verified outputs — checked independently of the code under test.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import { landfallEventSchema, type LandfallDetailType } from '../../contracts/events/landfall.ts';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { isLoopback, listeningSockets, processTree } from '../support/processTree.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const SAMPLES = 3;
const READS = 300;

interface Record4 {
  name: string;
  sequence: string;
  quality: string;
}

/** Independent FASTQ reader for the test: gunzip everything, split lines, group by four. */
function readRecords(file: string): Record4[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const records = [];
  for (let i = 0; i < lines.length; i += 4) records.push({ name: lines[i]!, sequence: lines[i + 1]!, quality: lines[i + 3]! });
  return records;
}

const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

async function listFilesRecursively(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

describe('foundation: share → landing → catalog → workflow → Batch jobs → published outputs', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: GeneratedRun;
  let socketsInFlight: string[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-e2e-'));
    runtime = await startRuntimeProcess(stateDir);
    run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261123_LH00417_0042_B22FJKLT3'),
      runId: '261123_LH00417_0042_B22FJKLT3',
      seed: 7,
      samples: SAMPLES,
      readsPerSample: READS,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, run);
    // While the run is in flight (a workflow has started), record what the runtime's process tree listens on.
    await waitFor(
      'a started workflow',
      () => readBusLog(stateDir).some((event) => event['detail-type'] === 'Workflow Started') || undefined,
      60_000,
    );
    socketsInFlight = listeningSockets(processTree(runtime.child.pid!));
    await waitForTerminalSamples(runtime.catalog, TEAM, run.runId, SAMPLES);
  }, 240_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  const resultsDir = () => path.join(stateDir, 'buckets', 'landfall-results');
  const landingDir = () => path.join(stateDir, 'buckets', 'landfall-landing', 'incoming', TEAM, run.runId);
  const versionDir = (sampleId: string) => path.join(resultsDir(), 'teams', TEAM, 'runs', run.runId, 'samples', sampleId, 'v1');

  it('completes every sample', async () => {
    // Act
    const samples = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    // Assess
    expect(samples.map((sample) => [sample.sampleId, sample.status, sample.currentVersion]).sort()).toEqual(
      run.samples.map((sample) => [sample.sampleId, 'COMPLETED', 1]).sort(),
    );
  });

  it('listens only on loopback while a run is in flight', () => {
    expect(socketsInFlight.length).toBeGreaterThan(0); // the catalog server at least
    expect(socketsInFlight.filter((socket) => !isLoopback(socket))).toEqual([]);
  });

  it('counts in qc.json equal an independent recount of the landed FASTQs', () => {
    for (const sample of run.samples) {
      // Prepare
      const qc = JSON.parse(readFileSync(path.join(versionDir(sample.sampleId), 'qc', 'qc.json'), 'utf8')) as {
        files: Array<{ file: string; reads: number; bases: number }>;
        pairs: Array<{ r1Reads: number; r2Reads: number }>;
      };
      // qc reads one file per read label (stage-in concatenates a label's lanes): count every lane's records here.
      for (const read of ['R1', 'R2'] as const) {
        const landed = sample.fastqs
          .filter((fastq) => fastq.read === read)
          .flatMap((fastq) => readRecords(path.join(landingDir(), fastq.name)));
        const entry = qc.files.find((file) => file.file === `${sample.sampleId}_${read}.fastq.gz`);
        // Assess
        expect(entry, `${sample.sampleId} ${read} in qc.json`).toBeDefined();
        expect(entry!.reads).toBe(landed.length);
        expect(entry!.bases).toBe(landed.reduce((sum, record) => sum + record.sequence.length, 0));
      }
      expect(qc.pairs[0]!.r1Reads).toBe(qc.pairs[0]!.r2Reads);
    }
  });

  it('trims exactly the known low-quality tails, keeps pairs in sync and leaves untouched reads identical', () => {
    for (const sample of run.samples) {
      // Prepare
      const [r1Truth, r2Truth] = [sample.fastqs.find((f) => f.read === 'R1')!, sample.fastqs.find((f) => f.read === 'R2')!];
      const trimDir = path.join(versionDir(sample.sampleId), 'trim');
      const report = JSON.parse(readFileSync(path.join(trimDir, 'trim.json'), 'utf8')) as {
        basesTrimmed: number;
        pairsDropped: number;
        quality: number;
        minLength: number;
      };
      const r1 = readRecords(path.join(trimDir, `${sample.sampleId}_R1.trimmed.fastq.gz`));
      const r2 = readRecords(path.join(trimDir, `${sample.sampleId}_R2.trimmed.fastq.gz`));
      const original1 = readRecords(path.join(landingDir(), r1Truth.name));
      const original2 = readRecords(path.join(landingDir(), r2Truth.name));
      // Assess: bases trimmed equal what the generator's known tails imply
      expect(report.basesTrimmed).toBe(r1Truth.truth.trimmedBases + r2Truth.truth.trimmedBases);
      // pairs kept in sync: same count, same names (up to the mate designator), same order
      expect(r1.length).toBe(r2.length);
      expect(r1.map((record) => record.name.split(' ')[0])).toEqual(r2.map((record) => record.name.split(' ')[0]));
      // kept reads are the originals with exactly their truth trimmed; untouched reads are identical
      const kept = original1.flatMap((record, i) => {
        const length1 = record.sequence.length - r1Truth.truth.trimmed[i]!;
        const length2 = original2[i]!.sequence.length - r2Truth.truth.trimmed[i]!;
        return length1 >= report.minLength && length2 >= report.minLength ? [i] : [];
      });
      expect(r1.length).toBe(kept.length);
      expect(original1.length - kept.length).toBe(report.pairsDropped);
      kept.forEach((index, position) => {
        const expected = original1[index]!;
        const cut = r1Truth.truth.trimmed[index]!;
        expect(r1[position]).toEqual({
          name: expected.name,
          sequence: expected.sequence.slice(0, expected.sequence.length - cut),
          quality: expected.quality.slice(0, expected.quality.length - cut),
        });
        if (cut === 0) expect(r1[position]).toEqual(expected);
      });
    }
  });

  it('publishes exactly the files manifest.json lists, with matching MD5s', async () => {
    for (const sample of run.samples) {
      // Prepare: list the results prefix ourselves and hash every file
      const dir = versionDir(sample.sampleId);
      const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SampleManifest;
      const onDisk = (await listFilesRecursively(dir)).filter((file) => path.basename(file) !== 'manifest.json');
      const listed = Object.fromEntries(onDisk.map((file) => [path.relative(resultsDir(), file).split(path.sep).join('/'), md5(file)]));
      const inManifest = Object.fromEntries(
        Object.values(manifest.steps).flatMap((step) => step.files.map((file) => [file.key, file.md5])),
      );
      // Assess
      expect(manifest.status).toBe('COMPLETED');
      expect(Object.keys(manifest.steps).sort()).toEqual(['profile', 'qc', 'trim']);
      expect(listed).toEqual(inManifest);
      expect(manifest.inputs.map((input) => input.md5).sort()).toEqual(sample.fastqs.map((fastq) => md5(fastq.path)).sort());
    }
  });

  it.each([
    { case: 'Sample Cataloged', detailType: 'Sample Cataloged', perSample: ['v1'] },
    { case: 'Workflow Started', detailType: 'Workflow Started', perSample: ['v1'] },
    { case: 'Step Output Published', detailType: 'Step Output Published', perSample: ['v1/qc', 'v1/trim', 'v1/profile'] },
    { case: 'Sample Completed', detailType: 'Sample Completed', perSample: ['v1'] },
  ] as const)('emits $case exactly once per fact, valid against its schema', ({ detailType, perSample }) => {
    // Prepare
    const events = readBusLog(stateDir).filter((event) => event.source === 'landfall' && event['detail-type'] === detailType);
    const schema = landfallEventSchema(detailType as LandfallDetailType);
    // Assess
    const facts = events.map((event) => {
      const parsed = schema.parse(event);
      const detail = parsed.detail as { team: string; runId: string; sampleId: string; version: number; step?: string };
      expect(detail.team).toBe(TEAM);
      expect(detail.runId).toBe(run.runId);
      return `${detail.sampleId}/v${detail.version}${detail.step ? `/${detail.step}` : ''}`;
    });
    const expected = run.samples.flatMap((sample) => perSample.map((suffix) => `${sample.sampleId}/${suffix}`));
    expect(facts.sort()).toEqual(expected.sort());
  });
});
