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
import { parseJobManifest, parseManifestRef } from '../../contracts/jobPayload.ts';
import { RUN_STEPS_SAMPLE } from '../../contracts/keys.ts';
import { type AlignmentRun, generateAlignmentRun, indexReferenceGenome, writeReferenceGenome } from '../../demo/alignmentRun.ts';
import type { RunIndex } from '../../functions/publishing/runIndex.ts';
import { executionNameOf, jobNameOf } from '../../functions/workflow/executionName.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
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
    // "Run Completed" is the signal a consumer gets: the run is DONE (its MultiQC run step finished) and
    // index.json names the finished run steps (the catalog says DONE a moment before that last index is written).
    await waitFor(
      '"Run Completed" of the run',
      () => readBusLog(stateDir).some((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === RUN_ID),
      240_000,
    );
    expect((await runtime.catalog.runs.get(TEAM, RUN_ID))?.status).toBe('DONE');
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
    // MultiQC's fastp module read every sample's JSON report…
    const fastpTable = await readFile(
      path.join(results(), 'run-steps', 'v1', 'multiqc', 'multiqc_report_data', 'multiqc_fastp.txt'),
      'utf8',
    );
    const tabled = fastpTable
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split('\t')[0]);
    expect(tabled.sort()).toEqual(run.samples.map((sample) => sample.sampleId).sort());
    // …staged alone from fastp's outputs (the step's stageIn): none of the run's trimmed reads were fetched for it
    const multiqc = await runtime.catalog.steps.get({ team: TEAM, runId: RUN_ID, sampleId: RUN_STEPS_SAMPLE, version: 1 }, 'multiqc');
    const spec = JSON.parse((await runtime.catalog.jobs.get(multiqc!.jobName!))!.spec!) as JobSpec;
    const manifestRef = parseManifestRef(spec.containers!.find((container) => container.name === 'stage-in')!.environment!);
    const jobManifest = parseJobManifest(
      await readFile(path.join(stateDir, 'buckets', manifestRef.bucket, manifestRef.key), 'utf8'),
      manifestRef.key,
    );
    const staged = (step: string) =>
      jobManifest.steps.filter((entry) => entry.step === step).flatMap((entry) => entry.files.map((file) => file.relative));
    expect(staged('fastp').sort()).toEqual(run.samples.map((sample) => `${sample.sampleId}.fastp.json`).sort());
    expect(staged('stats')).toHaveLength(2 * run.samples.length);
  });

  it("has each step's outputs under the team prefix before the next step of that sample finished", async () => {
    const events = readBusLog(stateDir);
    const step = async (sampleId: string, name: string) =>
      (await runtime.catalog.steps.get({ team: TEAM, runId: RUN_ID, sampleId, version: 1 }, name))!;
    // When Batch reported the step's job SUCCEEDED (the job named in the catalog's step record).
    const finishedAt = async (sampleId: string, name: string) => {
      const { jobName } = await step(sampleId, name);
      const succeeded = events.find(
        (event) =>
          event['detail-type'] === 'Batch Job State Change' && event.detail.status === 'SUCCEEDED' && event.detail.jobName === jobName,
      );
      return Number(succeeded?.detail.stoppedAt);
    };
    const publishedAt = async (sampleId: string, name: string) => Date.parse((await step(sampleId, name)).publishedAt!);
    const multiqcFinished = await finishedAt(RUN_STEPS_SAMPLE, 'multiqc');
    expect(Number.isFinite(multiqcFinished)).toBe(true);
    for (const sample of run.samples) {
      const alignFinished = await finishedAt(sample.sampleId, 'align');
      const statsFinished = await finishedAt(sample.sampleId, 'stats');
      expect(Number.isFinite(alignFinished) && Number.isFinite(statsFinished), sample.sampleId).toBe(true);
      expect(await publishedAt(sample.sampleId, 'fastp')).toBeLessThan(alignFinished);
      expect(await publishedAt(sample.sampleId, 'align')).toBeLessThan(statsFinished);
      expect(await publishedAt(sample.sampleId, 'stats')).toBeLessThan(multiqcFinished);
      // …and the published files are there, under the team's prefix
      for (const [name, file] of [
        ['fastp', `${sample.sampleId}.fastp.json`],
        ['align', `${sample.sampleId}.bam`],
        ['stats', `${sample.sampleId}.flagstat`],
      ] as const)
        expect((await step(sample.sampleId, name)).outputs?.map((output) => output.key)).toContain(
          `teams/${TEAM}/runs/${RUN_ID}/samples/${sample.sampleId}/v1/${name}/${file}`,
        );
    }
  });

  it('emits "Run Completed" once, after the run steps, naming their manifest', () => {
    const completed = readBusLog(stateDir).filter((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === RUN_ID);
    expect(completed).toHaveLength(1);
    expect(completed[0]!.detail.keys).toContain(`teams/${TEAM}/runs/${RUN_ID}/run-steps/v1/manifest.json`);
  });

  it("reprocessed from stats, re-runs only stats, which reads align's published BAM as {{steps.align}}", async () => {
    // Prepare: Sample01's published align outputs and job, before
    const ref = { team: TEAM, runId: RUN_ID, sampleId: run.samples[0]!.sampleId, version: 1 };
    const before = Object.fromEntries(
      await Promise.all(['fastp', 'align', 'stats'].map(async (name) => [name, (await runtime.catalog.steps.get(ref, name))!] as const)),
    );
    // Act: the operator reprocesses the sample from its stats step
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(projectRoot, 'cli/landfall.ts'),
        'reprocess',
        `${TEAM}/${RUN_ID}/${ref.sampleId}`,
        '--from-step',
        'stats',
        '--state-dir',
        stateDir,
      ],
      { cwd: projectRoot },
    );
    await waitFor(
      'generation 1 of the sample to complete',
      async () => {
        const version = await runtime.catalog.samples.getVersion(ref);
        return version?.generation === 1 && version.status === 'COMPLETED' ? true : undefined;
      },
      120_000,
    );
    // Assess: fastp and align were not run again; stats ran in a job of its own
    const after = Object.fromEntries(
      await Promise.all(['fastp', 'align', 'stats'].map(async (name) => [name, (await runtime.catalog.steps.get(ref, name))!] as const)),
    );
    expect(after.fastp!.jobName).toBe(before.fastp!.jobName);
    expect(after.align!.jobName).toBe(before.align!.jobName);
    expect(after.stats!.jobName).not.toBe(before.stats!.jobName);
    const generation1 = executionNameOf(ref, 1);
    expect(after.stats!.jobName).toBe(jobNameOf(generation1, 'stats'));
    const jobEvents = readBusLog(stateDir).filter((event) => event['detail-type'] === 'Batch Job State Change');
    for (const name of ['fastp', 'align']) {
      const jobName = jobNameOf(generation1, name);
      expect(await runtime.catalog.jobs.get(jobName), `no ${name} job in generation 1`).toBeUndefined();
      expect(jobEvents.filter((event) => event.detail.jobName === jobName)).toEqual([]);
    }
    // …its stage-in fetched align's outputs from where they were published under the team prefix
    const job = await runtime.catalog.jobs.get(after.stats!.jobName);
    const spec = JSON.parse(job!.spec!) as JobSpec;
    const manifestRef = parseManifestRef(spec.containers!.find((container) => container.name === 'stage-in')!.environment!);
    const manifest = parseJobManifest(
      await readFile(path.join(stateDir, 'buckets', manifestRef.bucket, manifestRef.key), 'utf8'),
      manifestRef.key,
    );
    expect(manifest.steps.flatMap((step) => step.files.map((file) => `${step.step} ${file.key}`)).sort()).toEqual(
      before.align!.outputs!.map((output) => `align ${output.key}`).sort(),
    );
    // …and the republished flagstat still counts what is in that BAM
    const bam = published(ref.sampleId, 'align', `${ref.sampleId}.bam`);
    const mapped = Number(execFileSync('samtools', ['view', '-c', '-F', '4', bam], { encoding: 'utf8' }).trim());
    const flagstat = readFileSync(published(ref.sampleId, 'stats', `${ref.sampleId}.flagstat`), 'utf8');
    expect(Number(/^(\d+) \+ \d+ mapped \(/m.exec(flagstat)?.[1])).toBe(mapped);
  }, 180_000);
});
