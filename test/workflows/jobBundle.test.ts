/**
 * Issue 18, defect 3: the step image must hold everything its programs import. The image is built from one
 * bundle (workflows/jobBundle.ts, what `npm ci` / `npm run build` writes to dist/job/): the Dockerfile copies
 * that folder and nothing else. Here the bundle is built from the current sources into a folder outside the
 * repository — no node_modules, no sources anywhere above it, exactly the image's /app — and every program of
 * the image runs from there: the validator on a real sample, a whole qc step job (stage-in → landfall-step qc →
 * stage-out), and stage-in in AWS mode, which loads the S3 client only then. Results are checked against
 * counts made here.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobManifest } from '../../contracts/jobPayload.ts';
import { attemptPrefix, jobManifestKey } from '../../contracts/workArea.ts';
import type { ValidationJobInput } from '../../contracts/validationJob.ts';
import { LocalBatchExecutor } from '../../runtime/executor/LocalBatchExecutor.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { STEP_DOCKERFILE } from '../../stacks/stepImage.ts';
import type { QcReport } from '../../workflows/steps/qc.ts';
import type { SampleValidation } from '../../validation/validateSample.ts';
import { expandCommand } from '../../workflows/job/expandCommand.ts';
import { STORAGE_ROOT_ENV } from '../../workflows/job/jobStorage.ts';
import { stepJobContainers } from '../../workflows/job/stepContainers.ts';
import { VOLUME_PATH } from '../../workflows/job/volume.ts';
import { bundleJobPrograms, JOB_BUNDLE_DIR, JOB_PROGRAMS, type JobProgram, jobProgramFile } from '../../workflows/jobBundle.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';
import type { StepDefinition } from '../../workflows/pipeline.ts';
import { gz, reads } from '../validation/fastqFixtures.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(ROOT, STEP_DOCKERFILE), 'utf8');
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
/** Records in a gzipped FASTQ, counted here: non-empty lines / 4. */
const recount = (bytes: Buffer) =>
  gunzipSync(bytes)
    .toString('latin1')
    .split('\n')
    .filter((line) => line !== '').length / 4;

let dir: string;
/** The image's /app: the bundle's files and nothing else. */
let app: string;
let storage: FolderStorage;

/** `<command>` → the file of /app its wrapper runs (`exec node --enable-source-maps /app/<file> "$@"`). */
function imageCommands(): Record<string, string> {
  return Object.fromEntries(
    [...dockerfile.matchAll(/> \/usr\/local\/bin\/(landfall-[a-z-]+)/g)].map((match) => {
      const wrapper = dockerfile.slice(dockerfile.lastIndexOf('printf', match.index), match.index);
      return [match[1]!, /exec node --enable-source-maps \/app\/(\S+) /.exec(wrapper)?.[1] ?? '(no node program)'];
    }),
  );
}

/** Runs a program of the image from /app with only the environment given (no NODE_PATH, no project). */
function runProgram(program: JobProgram, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ['--enable-source-maps', path.join(app, jobProgramFile(program)), ...args],
      { cwd: app, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'landfall-image-'));
  app = path.join(dir, 'app');
  await bundleJobPrograms(ROOT, app);
  storage = new FolderStorage(path.join(dir, 'buckets'));
  for (const bucket of ['landing', 'work']) await storage.createBucket(bucket);
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the step image is the job-program bundle alone', () => {
  it('copies the bundle folder and nothing else, and runs each program with node from it', () => {
    const copies = dockerfile.split('\n').filter((line) => line.startsWith('COPY '));
    expect(copies).toEqual([`COPY ${JOB_BUNDLE_DIR} ./`]);
    expect(imageCommands()).toEqual(
      Object.fromEntries((Object.keys(JOB_PROGRAMS) as JobProgram[]).map((program) => [program, jobProgramFile(program)])),
    );
  });

  it('holds no package folder and no source, and nothing above it could lend one', async () => {
    const files = await readdir(app);
    expect(files.sort()).toEqual(
      (Object.keys(JOB_PROGRAMS) as JobProgram[]).flatMap((p) => [jobProgramFile(p), `${jobProgramFile(p)}.map`]).sort(),
    );
    for (let folder = app; folder !== path.dirname(folder); folder = path.dirname(folder))
      expect(existsSync(path.join(folder, 'node_modules')), `${folder}/node_modules`).toBe(false);
  });
});

describe('every program of the image runs from its file set alone', () => {
  it.each([
    { program: 'landfall-stage-in' as const, code: 1, says: 'stage-in failed: LANDFALL_JOB_MANIFEST is not set' },
    { program: 'landfall-stage-out' as const, code: 1, says: 'LANDFALL_JOB_MANIFEST is not set' },
    { program: 'landfall-step' as const, code: 64, says: 'usage: landfall-step <step> --sample S --reads R1_FILE --out DIR' },
    { program: 'landfall-validate' as const, code: 1, says: 'usage: landfall-validate <bucket> <input key>' },
  ])('$program runs its own main, and only it', async ({ program, code, says }) => {
    const result = await runProgram(program, []);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(says);
    if (program === 'landfall-stage-out') expect(result.stderr).not.toContain('stage-in failed');
    // Source maps: a stack trace names the TypeScript file and line, not the bundle's.
    if (program === 'landfall-step') expect(result.stderr).toMatch(/workflows\/steps\/stepTool\.ts:\d+:\d+/);
  });

  it('landfall-validate validates a landed paired sample: MD5s and read counts equal a recount', async () => {
    // Prepare: one lane of R1/R2 landed, and the job's input document, as the validate function writes them
    const files = [
      { name: 'S1_S1_L001_R1_001.fastq.gz', bytes: gz(reads(37, { mate: 1 })) },
      { name: 'S1_S1_L001_R2_001.fastq.gz', bytes: gz(reads(37, { mate: 2 })) },
    ];
    const landed = [];
    for (const file of files) {
      const info = await storage.put('landing', `incoming/lab-a/RUN1/${file.name}`, file.bytes);
      landed.push({
        name: file.name,
        bucket: 'landing',
        key: info.key,
        size: info.size,
        etag: info.etag,
        landedAt: '2026-12-03T08:00:00Z',
      });
    }
    const input: ValidationJobInput = {
      ref: { team: 'lab-a', runId: 'RUN1', sampleId: 'S1' },
      landed,
      resultKey: 'work/validation/S1/result.json',
      legacyNoCalls: false,
    };
    await storage.put('work', 'work/validation/S1/input.json', JSON.stringify(input));

    // Act
    const run = await runProgram('landfall-validate', ['work', 'work/validation/S1/input.json'], {
      [STORAGE_ROOT_ENV]: path.join(dir, 'buckets'),
    });

    // Assess
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse((await storage.getBytes('work', input.resultKey)).toString('utf8')) as SampleValidation;
    expect(result.reasons).toEqual([]);
    expect(result.files.map((file) => ({ name: file.name, md5: file.md5, reads: file.reads }))).toEqual(
      files.map((file) => ({ name: file.name, md5: md5(file.bytes), reads: recount(file.bytes) })),
    );
  });

  it('runs a whole qc step job: stage-in, landfall-step qc and stage-out, all from the bundle', async () => {
    // Prepare: two lanes of a paired sample landed; the demo pipeline's qc step; the three phases' commands
    // mapped to the bundle's programs, as the image's wrappers map them.
    const landedFiles = [1, 2].flatMap((lane) =>
      ([1, 2] as const).map((mate) => ({
        name: `S2_S2_L00${lane}_R${mate}_001.fastq.gz`,
        bytes: gz(reads(20 + lane * 5, { mate, from: lane * 1000 })),
        label: `R${mate}` as const,
        role: mate === 1 ? ('mate1' as const) : ('mate2' as const),
        lane,
      })),
    );
    for (const file of landedFiles) await storage.put('landing', `incoming/lab-a/RUN2/${file.name}`, file.bytes);
    const step = demoPipeline.steps.find((candidate) => candidate.name === 'qc') as StepDefinition;
    const manifest: JobManifest = {
      schemaVersion: 1,
      pipeline: 'demo',
      step: 'qc',
      scope: 'sample',
      team: 'lab-a',
      runId: 'RUN2',
      sampleId: 'S2',
      reads: landedFiles.map((file) => ({
        bucket: 'landing',
        key: `incoming/lab-a/RUN2/${file.name}`,
        size: file.bytes.length,
        md5: md5(file.bytes),
        label: file.label,
        role: file.role,
        lane: file.lane,
        name: file.name,
      })),
      steps: [],
      workBucket: 'work',
      workPrefix: 'work/exec-S2/qc/',
    };
    const manifestRef = { bucket: 'work', key: jobManifestKey(manifest.workPrefix, 'qc-job') };
    await storage.put(manifestRef.bucket, manifestRef.key, JSON.stringify(manifest));
    const command = expandCommand(step, manifest, { params: {} });
    const executor = new LocalBatchExecutor({
      regions: [{ name: 'eu-west-1', vcpus: 2, memoryMiB: 4096 }],
      stateDir: path.join(dir, 'executor'),
      onStateChange: () => undefined,
      commandAliases: Object.fromEntries(
        (Object.keys(JOB_PROGRAMS) as JobProgram[]).map((program) => [
          program,
          [process.execPath, '--enable-source-maps', path.join(app, jobProgramFile(program))],
        ]),
      ),
    });
    await mkdir(path.join(dir, 'executor'), { recursive: true });
    await executor.start();
    process.env[STORAGE_ROOT_ENV] = path.join(dir, 'buckets');
    try {
      const spec: JobSpec = {
        jobName: 'qc-job',
        region: 'eu-west-1',
        jobQueue: 'q',
        jobDefinition: 'landfall-qc',
        command,
        environment: {},
        vcpus: 1,
        memoryMiB: 512,
        timeoutSeconds: 120,
        attempts: 1,
        containers: stepJobContainers({ image: step.image, command }, manifestRef),
        sharedVolume: VOLUME_PATH,
      };

      // Act
      const { jobId } = await executor.submit(spec);
      const done = await executor.waitUntilDone(jobId);

      // Assess: qc counted, per read label (lanes concatenated by stage-in), what the landed files hold
      const log = await readFile(executor.logPath('qc-job', 1), 'utf8').catch(() => '(no log)');
      expect(done.status, log).toBe('SUCCEEDED');
      const report = JSON.parse(
        (await storage.getBytes('work', `${attemptPrefix(manifest.workPrefix, 1)}qc.json`)).toString('utf8'),
      ) as QcReport;
      const byLabel = (label: string) =>
        landedFiles.filter((file) => file.label === label).reduce((sum, file) => sum + recount(file.bytes), 0);
      expect(report.files.reduce((sum, file) => sum + file.reads, 0)).toBe(byLabel('R1') + byLabel('R2'));
      expect(report.files.map((file) => file.reads).sort()).toEqual([byLabel('R1'), byLabel('R2')].sort());
    } finally {
      delete process.env[STORAGE_ROOT_ENV];
      await executor.stop();
    }
  });

  it('stage-in in AWS mode loads the S3 client from the bundle (the call then fails on the network, not on an import)', async () => {
    const result = await runProgram('landfall-stage-in', [], {
      LANDFALL_JOB_MANIFEST: JSON.stringify({ bucket: 'work-bucket', key: 'work/manifest.json' }),
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_MAX_ATTEMPTS: '1',
      // A port nothing listens on: the S3 client, once loaded, is refused the connection.
      AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ECONNREFUSED');
    expect(result.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
  });
});
