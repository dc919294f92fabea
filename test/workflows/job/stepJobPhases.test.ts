/**
 * The three phases of a step job (stage-in → tool → stage-out) run as the local executor runs them: a task of
 * host processes with the dependency conditions of a Batch multi-container job. Real tools: the dna-align
 * steps run Debian's fastp, bwa, samtools and MultiQC on reads simulated from a small reference, and every
 * figure is checked against a recount made here, not against the tools' own reports alone.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AlignmentRun, generateAlignmentRun, indexReferenceGenome, writeReferenceGenome } from '../../../demo/alignmentRun.ts';
import { LocalBatchExecutor } from '../../../runtime/executor/LocalBatchExecutor.ts';
import { type Stager, startStager } from '../../../runtime/executor/startStager.ts';
import type { JobSpec } from '../../../seams/jobs/JobService.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { expandCommand } from '../../../workflows/job/expandCommand.ts';
import { FailureRecord, type JobManifest } from '../../../contracts/jobPayload.ts';
import {
  attemptFailureKey as failureKeyOf,
  attemptPrefix as attemptPrefixOf,
  jobManifestKey as manifestKeyOf,
} from '../../../contracts/workArea.ts';
import { PHASE_COMMANDS, stepJobContainers } from '../../../workflows/job/stepContainers.ts';
import { VOLUME_PATH } from '../../../workflows/job/volume.ts';
import type { StepDefinition } from '../../../workflows/pipeline.ts';
import { dnaAlignPipeline } from '../../../workflows/pipelines/dnaAlign.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TSX = (program: string) => [process.execPath, '--import', 'tsx', path.join(ROOT, program)];
const tools = ['fastp', 'bwa', 'samtools', 'multiqc'].filter((tool) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return false;
  } catch {
    return true;
  }
});
if (tools.length > 0)
  process.stderr.write(`SKIPPED dna-align phase tests: ${tools.join(', ')} not on PATH (apt-get install ${tools.join(' ')})\n`);

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
/** Records in a gzipped FASTQ, counted here: lines / 4. */
const countReads = (file: string) =>
  gunzipSync(readFileSync(file))
    .toString('latin1')
    .split('\n')
    .filter((line) => line !== '').length / 4;

// Twice: each phase as a process of its own (as in the step image), and on the embedded runtime's stager thread.
describe.skipIf(tools.length > 0).each([{ phases: 'a process per phase' }, { phases: 'the runtime’s stager' }])(
  'step job phases with the dna-align tools, $phases',
  ({ phases }) => {
    const onStager = phases !== 'a process per phase';
    let stager: Stager | undefined;
    let dir: string;
    let storage: FolderStorage;
    let executor: LocalBatchExecutor;
    let run: AlignmentRun;
    let referenceDir: string;
    let jobs = 0;
    const published = new Map<string, JobManifest['steps'][number]>();

    /** Submits one step job of the three phases and waits for it. */
    async function runJob(step: StepDefinition, manifest: JobManifest, params: Record<string, string> = {}) {
      const jobName = `job-${++jobs}-${step.name}`;
      const manifestRef = { bucket: manifest.workBucket, key: manifestKeyOf(manifest.workPrefix, jobName) };
      await storage.put(manifestRef.bucket, manifestRef.key, JSON.stringify(manifest));
      const command = expandCommand(step, manifest, { params });
      const spec: JobSpec = {
        jobName,
        region: 'eu-west-1',
        jobQueue: 'q',
        jobDefinition: `landfall-${step.name}`,
        command,
        environment: {},
        vcpus: 1,
        memoryMiB: 1024,
        timeoutSeconds: 120,
        attempts: 1,
        containers: stepJobContainers({ image: step.image, command }, manifestRef),
        sharedVolume: VOLUME_PATH,
      };
      const { jobId } = await executor.submit(spec);
      const done = await executor.waitUntilDone(jobId);
      const log = await readFile(executor.logPath(jobName, 1), 'utf8');
      // The phases ran where this describe says (the stager's runs are not a process start hidden in a test double).
      expect(log.includes('stage-in: stage-in on the runtime’s stager'), log).toBe(onStager);
      return { jobName, done, log };
    }

    /** The attempt's uploaded outputs, as the next step's `{{steps.X}}` sees them once published. */
    async function outputsOf(manifest: JobManifest, sampleId?: string): Promise<JobManifest['steps'][number]> {
      const prefix = attemptPrefixOf(manifest.workPrefix, 1);
      const files = [];
      for (const listed of await storage.list(manifest.workBucket, prefix)) {
        const head = (await storage.head(listed.bucket, listed.key))!;
        files.push({
          bucket: listed.bucket,
          key: listed.key,
          size: head.size,
          md5: head.metadata.md5!,
          relative: listed.key.slice(prefix.length),
        });
      }
      return { step: manifest.step, ...(sampleId && { sampleId }), files };
    }

    const step = (name: string) => dnaAlignPipeline.steps.find((candidate) => candidate.name === name) as StepDefinition;
    const baseManifest = (stepName: string, sampleId?: string): JobManifest => ({
      schemaVersion: 1,
      pipeline: 'dna-align',
      step: stepName,
      scope: sampleId ? 'sample' : 'run',
      team: 'genomics',
      runId: run.runId,
      ...(sampleId && { sampleId }),
      reads: [],
      steps: [],
      ...(step(stepName)?.outputs && { outputs: step(stepName)!.outputs }),
      workBucket: 'work',
      workPrefix: `work/exec-${sampleId ?? 'run'}/${stepName}/`,
    });
    const landedReads = (sampleId: string) =>
      run.samples
        .find((sample) => sample.sampleId === sampleId)!
        .fastqs.map((fastq) => {
          const bytes = readFileSync(fastq.path);
          return {
            bucket: 'landing',
            key: `incoming/genomics/${run.runId}/${fastq.name}`,
            size: bytes.length,
            md5: md5(bytes),
            label: fastq.read,
            role: fastq.read === 'R1' ? ('mate1' as const) : ('mate2' as const),
            lane: fastq.lane,
            name: fastq.name,
          };
        });

    beforeAll(async () => {
      dir = await mkdtemp(path.join(tmpdir(), 'landfall-phases-'));
      for (const bucket of ['landing', 'work']) await mkdir(path.join(dir, 'buckets', bucket), { recursive: true });
      storage = new FolderStorage(path.join(dir, 'buckets'));
      const reference = await writeReferenceGenome({ dir: path.join(dir, 'reference'), seed: 'phases' });
      await indexReferenceGenome(reference);
      referenceDir = reference.dir;
      run = await generateAlignmentRun({
        dir: path.join(dir, 'run'),
        runId: '261201_LH00417_0001_B22FJKLT3',
        seed: 'phases',
        reference,
        samples: 2,
        pairsPerLane: 200,
      });
      for (const sample of run.samples)
        for (const fastq of sample.fastqs)
          await storage.put('landing', `incoming/genomics/${run.runId}/${fastq.name}`, readFileSync(fastq.path));
      if (onStager) stager = await startStager();
      executor = new LocalBatchExecutor({
        ...(stager && { stager: { url: stager.url, token: stager.token } }),
        regions: [{ name: 'eu-west-1', vcpus: 2, memoryMiB: 8192 }],
        stateDir: path.join(dir, 'state'),
        onStateChange: () => undefined,
        commandAliases: {
          [PHASE_COMMANDS.stageIn]: TSX('workflows/job/stageIn.ts'),
          [PHASE_COMMANDS.stageOut]: TSX('workflows/job/stageOut.ts'),
        },
      });
      await executor.start();
      process.env.LANDFALL_STORAGE_ROOT = path.join(dir, 'buckets');
    }, 120_000);

    afterAll(async () => {
      delete process.env.LANDFALL_STORAGE_ROOT;
      await executor?.stop();
      await stager?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('runs fastp → bwa/samtools → samtools stats per sample and MultiQC over the run, data flowing between steps', async () => {
      for (const sample of run.samples) {
        // fastp reads both lanes of R1 and R2, concatenated by stage-in
        const fastp = { ...baseManifest('fastp', sample.sampleId), reads: landedReads(sample.sampleId) };
        const fastpJob = await runJob(step('fastp'), fastp);
        expect(fastpJob.done.status, fastpJob.log).toBe('SUCCEEDED');
        published.set(`fastp/${sample.sampleId}`, await outputsOf(fastp, sample.sampleId));

        const align = {
          ...baseManifest('align', sample.sampleId),
          steps: [{ ...(await outputsOf(fastp)) }],
          reference: { name: 'genome', location: referenceDir },
        };
        const alignJob = await runJob(step('align'), align);
        expect(alignJob.done.status, alignJob.log).toBe('SUCCEEDED');

        const stats = { ...baseManifest('stats', sample.sampleId), steps: [await outputsOf(align)] };
        const statsJob = await runJob(step('stats'), stats);
        expect(statsJob.done.status, statsJob.log).toBe('SUCCEEDED');
        published.set(`stats/${sample.sampleId}`, await outputsOf(stats, sample.sampleId));

        // Independent recounts: reads in the landed files of both lanes, and mapped reads in the BAM itself.
        const recount = sample.fastqs.reduce((sum, fastq) => sum + countReads(fastq.path), 0);
        const work = (manifest: JobManifest, name: string) =>
          path.join(dir, 'buckets', 'work', attemptPrefixOf(manifest.workPrefix, 1), name);
        const fastpReport = JSON.parse(await readFile(work(fastp, `${sample.sampleId}.fastp.json`), 'utf8')) as {
          summary: { before_filtering: { total_reads: number }; after_filtering: { total_reads: number } };
        };
        expect(fastpReport.summary.before_filtering.total_reads).toBe(recount);
        expect(fastpReport.summary.after_filtering.total_reads).toBeLessThan(recount); // the N-rich pairs were dropped
        const flagstat = await readFile(work(stats, `${sample.sampleId}.flagstat`), 'utf8');
        const figure = (label: string) => Number(new RegExp(`^(\\d+) \\+ \\d+ ${label}`, 'm').exec(flagstat)?.[1]);
        // bwa saw exactly fastp's reads out: every input read has one primary record.
        expect(figure('primary$')).toBe(fastpReport.summary.after_filtering.total_reads);
        const bam = work(align, `${sample.sampleId}.bam`);
        const viewed = Number(execFileSync('samtools', ['view', '-c', '-F', '4', bam], { encoding: 'utf8' }).trim());
        expect(figure('mapped \\(')).toBe(viewed);
        expect(viewed).toBeGreaterThan(0);
      }

      const multiqc = {
        ...baseManifest('multiqc'),
        steps: run.samples.flatMap((sample) => [published.get(`fastp/${sample.sampleId}`)!, published.get(`stats/${sample.sampleId}`)!]),
      };
      const multiqcJob = await runJob(step('multiqc'), multiqc);
      expect(multiqcJob.done.status, multiqcJob.log).toBe('SUCCEEDED');
      const report = await readFile(
        path.join(dir, 'buckets', 'work', attemptPrefixOf(multiqc.workPrefix, 1), 'multiqc_report.html'),
        'utf8',
      );
      for (const sample of run.samples) expect(report).toContain(sample.sampleId);
    }, 240_000);

    it('fails the job with the tool’s exit code and keeps its last stderr lines beside the attempt', async () => {
      const failing = {
        ...step('stats'),
        name: 'broken',
        command: [
          'bash',
          '-c',
          'for i in $(seq 1 30); do echo "line $i" >&2; done; echo "samtools: no such file {{sample}}.bam" >&2; exit 3',
        ],
      };
      const manifest = { ...baseManifest('broken', 'Sample01'), reads: landedReads('Sample01') };
      const { done } = await runJob(failing, manifest);
      expect(done.status).toBe('FAILED');
      expect(done.exitCode).toBe(3);
      const failure = FailureRecord.parse(
        JSON.parse((await storage.getBytes('work', failureKeyOf(manifest.workPrefix, 1))).toString('utf8')),
      );
      expect(failure.container).toBe('tool');
      expect(failure.exitCode).toBe(3);
      expect(failure.logTail).toHaveLength(20);
      expect(failure.logTail.at(-1)).toBe('samtools: no such file Sample01.bam');
      expect(failure.logTail[0]).toBe('line 12');
      expect(await storage.list('work', attemptPrefixOf(manifest.workPrefix, 1))).toEqual([]);
    }, 60_000);

    it('never starts the tool when an input changed since it was cataloged, and says which', async () => {
      const reads = landedReads('Sample02');
      reads[1] = { ...reads[1]!, md5: '0'.repeat(32) };
      const manifest = { ...baseManifest('fastp', 'Sample02'), workPrefix: 'work/exec-bad/fastp/', reads };
      const { done, log } = await runJob(step('fastp'), manifest);
      // As on ECS: neither the tool nor stage-out (which depends on it) starts, so the task ends with stage-out's
      // 143; stage-in recorded why, with its own exit code.
      expect(done.status).toBe('FAILED');
      expect(done.exitCode).toBe(143);
      expect(log).toContain('tool: not started');
      expect(log).toContain('stage-out: not started');
      const failure = FailureRecord.parse(
        JSON.parse((await storage.getBytes('work', failureKeyOf(manifest.workPrefix, 1))).toString('utf8')),
      );
      expect(failure.container).toBe('stage-in');
      expect(failure.exitCode).toBe(65);
      expect(failure.logTail.join('\n')).toContain(`${reads[1]!.key} changed since it was cataloged`);
    }, 60_000);
  },
);
