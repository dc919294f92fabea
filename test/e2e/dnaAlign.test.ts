/**
 * dna-align end to end on a live runtime (`landfall up`): 4 samples × 2 lanes of paired reads simulated from a
 * small reference land on the share; fastp → bwa mem + samtools sort/index → samtools flagstat/stats run per
 * sample with Debian's tools, then one MultiQC over the run. Every figure is checked against a recount made
 * here from the landed FASTQs and the published BAM, not only against the tools' reports.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUN_STEPS_SAMPLE } from '../../contracts/keys.ts';
import { type AlignmentRun, generateAlignmentRun, indexReferenceGenome, writeReferenceGenome } from '../../demo/alignmentRun.ts';
import type { RunIndex } from '../../functions/publishing/runIndex.ts';
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
const RUN_ID = '261203_LH00417_0201_B22DNALGN';
const CONFIG = path.join(projectRoot, 'test/fixtures/landfall.dna-align.config.ts');
const missingTools = ['fastp', 'bwa', 'samtools', 'multiqc'].filter((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (missingTools.length > 0)
  process.stderr.write(`SKIPPED the dna-align e2e: ${missingTools.join(', ')} not on PATH (apt-get install ${missingTools.join(' ')})\n`);

/** Records of a gzipped FASTQ, counted here: non-empty lines / 4. */
const countReads = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString('latin1')
    .split('\n')
    .filter((line) => line !== '').length / 4;

describe.skipIf(missingTools.length > 0)('dna-align: fastp → bwa/samtools → stats per sample, MultiQC per run', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: AlignmentRun;
  let index: RunIndex;
  const results = () => path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', RUN_ID);
  const published = (sampleId: string, step: string, file: string) => path.join(results(), 'samples', sampleId, 'v1', step, file);

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-dna-align-'));
    const reference = await writeReferenceGenome({ dir: path.join(stateDir, 'reference'), seed: 'e2e' });
    await indexReferenceGenome(reference);
    run = await generateAlignmentRun({
      dir: path.join(stateDir, 'instrument', RUN_ID),
      runId: RUN_ID,
      seed: 'e2e',
      reference,
      samples: 4,
      lanes: 2,
      pairsPerLane: 400,
    });
    runtime = await startRuntimeProcess(stateDir, CONFIG, { LANDFALL_TEST_REFERENCE_DIR: reference.dir });
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitForTerminalSamples(runtime.catalog, TEAM, RUN_ID, 4, 300_000);
    await waitFor(
      'the run DONE (its MultiQC run step finished)',
      async () => (await runtime.catalog.runs.get(TEAM, RUN_ID))?.status === 'DONE',
      240_000,
    );
    index = JSON.parse(await readFile(path.join(results(), 'index.json'), 'utf8')) as RunIndex;
  }, 600_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('completes every sample with fastp, align and stats published', async () => {
    const samples = await runtime.catalog.samples.listInRun(TEAM, RUN_ID);
    expect(samples.map((sample) => `${sample.sampleId} ${sample.status}`).sort()).toEqual(
      run.samples.map((sample) => `${sample.sampleId} COMPLETED`),
    );
    for (const sample of index.samples) expect(sample.steps.map((step) => step.step).sort()).toEqual(['align', 'fastp', 'stats']);
  });

  it("counts in fastp's reads-in exactly the reads of both lanes, recounted here", () => {
    for (const sample of run.samples) {
      const report = JSON.parse(readFileSync(published(sample.sampleId, 'fastp', `${sample.sampleId}.fastp.json`), 'utf8')) as {
        summary: { before_filtering: { total_reads: number } };
      };
      const recount = sample.fastqs.reduce((sum, fastq) => sum + countReads(fastq.path), 0);
      expect(sample.fastqs.map((fastq) => fastq.lane).sort()).toEqual([1, 1, 2, 2]);
      expect(report.summary.before_filtering.total_reads, sample.sampleId).toBe(recount);
    }
  });

  it("gives bwa exactly fastp's reads-out, and flagstat's mapped reads equal samtools view -c -F 4 of the published BAM", () => {
    for (const sample of run.samples) {
      const report = JSON.parse(readFileSync(published(sample.sampleId, 'fastp', `${sample.sampleId}.fastp.json`), 'utf8')) as {
        summary: { before_filtering: { total_reads: number }; after_filtering: { total_reads: number } };
      };
      const flagstat = readFileSync(published(sample.sampleId, 'stats', `${sample.sampleId}.flagstat`), 'utf8');
      const figure = (label: string) => Number(new RegExp(`^(\\d+) \\+ \\d+ ${label}`, 'm').exec(flagstat)?.[1]);
      const bam = published(sample.sampleId, 'align', `${sample.sampleId}.bam`);
      const mapped = Number(execFileSync('samtools', ['view', '-c', '-F', '4', bam], { encoding: 'utf8' }).trim());
      // fastp dropped the N-rich pairs; every read it kept is in the BAM once as a primary record.
      expect(report.summary.after_filtering.total_reads).toBeLessThan(report.summary.before_filtering.total_reads);
      expect(figure('primary$'), sample.sampleId).toBe(report.summary.after_filtering.total_reads);
      expect(figure('mapped \\('), sample.sampleId).toBe(mapped);
      expect(mapped).toBeGreaterThan(0);
    }
  });

  it('publishes one MultiQC report over the run that names all 4 samples', async () => {
    expect(index.runSteps).toMatchObject({ version: 1, status: 'COMPLETED' });
    expect(index.runSteps!.samples.map((sample) => sample.sampleId)).toEqual(run.samples.map((sample) => sample.sampleId));
    const report = await readFile(path.join(results(), 'run-steps', 'v1', 'multiqc', 'multiqc_report.html'), 'utf8');
    for (const sample of run.samples) expect(report).toContain(sample.sampleId);
    const manifest = JSON.parse(await readFile(path.join(results(), 'run-steps', 'v1', 'manifest.json'), 'utf8')) as { sampleId: string };
    expect(manifest.sampleId).toBe(RUN_STEPS_SAMPLE);
  });

  it("has each step's outputs under the team prefix before the next step of that sample finished", async () => {
    const events = readBusLog(stateDir);
    const finishedAt = (executionPart: string, step: string) => {
      const succeeded = events.find(
        (event) =>
          event['detail-type'] === 'Batch Job State Change' &&
          event.detail.status === 'SUCCEEDED' &&
          String(event.detail.jobName).includes(`-${executionPart}-`) &&
          String(event.detail.jobName).endsWith(`-${step}`),
      );
      return Number(succeeded?.detail.stoppedAt);
    };
    const publishedAt = async (sampleId: string, version: number, step: string) =>
      Date.parse((await runtime.catalog.steps.get({ team: TEAM, runId: RUN_ID, sampleId, version }, step))!.publishedAt!);
    for (const sample of run.samples) {
      expect(await publishedAt(sample.sampleId, 1, 'fastp')).toBeLessThan(finishedAt(sample.sampleId, 'align'));
      expect(await publishedAt(sample.sampleId, 1, 'align')).toBeLessThan(finishedAt(sample.sampleId, 'stats'));
      expect(await publishedAt(sample.sampleId, 1, 'stats')).toBeLessThan(finishedAt('_run-steps', 'multiqc'));
    }
    expect(Number.isFinite(finishedAt('_run-steps', 'multiqc'))).toBe(true);
  });

  it('emits "Run Completed" once, after the run steps, naming their manifest', () => {
    const completed = readBusLog(stateDir).filter((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === RUN_ID);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.detail.keys).toContain(`teams/${TEAM}/runs/${RUN_ID}/run-steps/v1/manifest.json`);
  });
});
