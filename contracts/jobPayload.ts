import { z } from 'zod';
import { JobPayloadError } from './errors.ts';
import { ReadLabel, ReadRole } from './reads.ts';

/**
 * What a step's Batch job is told about its work. The function that submits the job (submitStepJob, and
 * replaceJob when a job moves region) writes the job's MANIFEST as a small object beside the job's work area
 * and hands the job its location in one environment variable; the job's stage-in and stage-out phases
 * (workflows/job/) read it. An object, not the variable itself: Batch passes container overrides to ECS,
 * which allows 8,192 characters for all of them, and a run-scope step lists every sample's files. Both sides
 * go through this module, so they cannot drift apart.
 */

/** The environment variable naming the manifest object: JSON `{ "bucket": …, "key": … }`. */
export const JOB_MANIFEST_ENV = 'LANDFALL_JOB_MANIFEST';

/** Read labels as the instrument named the files (contracts/reads.ts): `{{reads.<label>}}`. */
export const READ_LABELS = ReadLabel.options;
export type { ReadLabel };

/** An object in Landfall's storage, with the size and MD5 it must have. */
const StoredObject = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
  md5: z.string().regex(/^[0-9a-f]{32}$/, 'an MD5 as 32 lower-case hex digits'),
});

/** One landed read file: its label as the instrument wrote it, its role from the read structure, its lane. */
export const ManifestRead = StoredObject.extend({
  label: ReadLabel,
  /** What the read is for (contracts/reads.ts); absent for versions cataloged before roles. */
  role: ReadRole.optional(),
  /** 0 when the file holds every lane (layouts/: ALL_LANES). */
  lane: z.number().int().nonnegative(),
  /** Order among several files of one lane and read (chunks, MinKNOW batches); stage-in concatenates by lane, then part. */
  part: z.number().int().positive().optional(),
  /** The landed file's name (tells whether it is gzipped). */
  name: z.string().min(1),
});
export type ManifestRead = z.infer<typeof ManifestRead>;

/** Published outputs of an earlier step, for `{{steps.<step>}}` (one entry per sample for a run-scope step). */
export const ManifestStepOutputs = z.object({
  step: z.string().min(1),
  /** Set for a run-scope step's inputs: the sample's subfolder. */
  sampleId: z.string().optional(),
  files: z.array(StoredObject.extend({ relative: z.string().min(1) })),
});

/** One sample of the run, for a run-scope step's `{{samplesheet}}`. */
export const ManifestSample = z.object({
  sampleId: z.string().min(1),
  version: z.number().int().positive(),
  reads: z.array(ManifestRead),
});

/**
 * The manifest of a step job.
 *
 * @example
 * { "schemaVersion": 1, "pipeline": "dna-align", "step": "fastp", "scope": "sample", "team": "genomics", "runId": "RUN1",
 *   "sampleId": "S1", "reads": [{ "bucket": "landfall-landing", "key": "incoming/genomics/RUN1/S1_S1_L001_R1_001.fastq.gz",
 *   "size": 1234, "md5": "…", "label": "R1", "role": "mate1", "lane": 1, "name": "S1_S1_L001_R1_001.fastq.gz" }, …],
 *   "steps": [], "workBucket": "landfall-results", "workPrefix": "work/genomics-RUN1-S1-v1-g0/fastp/" }
 */
export const JobManifest = z.object({
  schemaVersion: z.literal(1),
  pipeline: z.string().min(1),
  step: z.string().min(1),
  scope: z.enum(['sample', 'run']),
  team: z.string().min(1),
  runId: z.string().min(1),
  /** Sample-scope steps. */
  sampleId: z.string().optional(),
  reads: z.array(ManifestRead).default([]),
  steps: z.array(ManifestStepOutputs).default([]),
  /** Run-scope steps: the samples the step covers. */
  samples: z.array(ManifestSample).optional(),
  reference: z.object({ name: z.string().min(1), location: z.string().min(1) }).optional(),
  /** Globs relative to `{{out}}`; absent: every file. */
  outputs: z.array(z.string().min(1)).optional(),
  /** The bucket of the job's work area (the work-area bucket of the region it runs in). */
  workBucket: z.string().min(1),
  /** `work/<execution>/<step>/` (contracts/workArea.ts): each attempt writes under `attempt-<k>/`. */
  workPrefix: z.string().regex(/\/$/, 'a work prefix ends with /'),
});
export type JobManifest = z.infer<typeof JobManifest>;
export type JobManifestInput = z.input<typeof JobManifest>;

/** Where a job's manifest is stored. */
export interface ManifestRef {
  bucket: string;
  key: string;
}

/**
 * The manifest checked against the schema (a bad one fails when the job is submitted, not in the job) and
 * serialized for storage.
 */
export function serializeJobManifest(manifest: JobManifestInput): string {
  const parsed = JobManifest.safeParse(manifest);
  if (!parsed.success) throw new JobPayloadError(`not a job manifest: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  return `${JSON.stringify(parsed.data)}\n`;
}

/** A stored manifest's text as a {@link JobManifest}; `where` names it in the error. */
export function parseJobManifest(text: string, where: string): JobManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new JobPayloadError(`${where} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = JobManifest.safeParse(json);
  if (!parsed.success)
    throw new JobPayloadError(`${where} does not describe a Landfall job: ${describeIssues(parsed.error)}`, { cause: parsed.error });
  return parsed.data;
}

/**
 * The environment entry that tells a job's containers where its manifest is.
 *
 * @example const environment = { ...manifestEnvironment({ bucket: 'landfall-results', key: 'work/e1/qc/e1-qc.manifest.json' }) };
 */
export function manifestEnvironment(ref: ManifestRef): Record<typeof JOB_MANIFEST_ENV, string> {
  return { [JOB_MANIFEST_ENV]: JSON.stringify({ bucket: ref.bucket, key: ref.key }) };
}

/** Where a job's manifest is, from its environment (`process.env` in the job; a container's environment when it moves). */
export function parseManifestRef(environment: Record<string, string | undefined>): ManifestRef {
  const raw = environment[JOB_MANIFEST_ENV];
  if (!raw) throw new JobPayloadError(`${JOB_MANIFEST_ENV} is not set: this program runs as a phase of a Landfall step job`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new JobPayloadError(`${JOB_MANIFEST_ENV} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = z.object({ bucket: z.string().min(1), key: z.string().min(1) }).safeParse(json);
  if (!parsed.success)
    throw new JobPayloadError(`${JOB_MANIFEST_ENV} must be {"bucket": "...", "key": "..."}: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** How many lines of a failing container's output the catalog keeps (issues 16 and 17). */
export const LOG_TAIL_LINES = 20;

/**
 * What stage-out records beside an attempt when a phase of the job failed (contracts/workArea.ts
 * `attemptFailureKey`); the job-state handler reads it back into the catalog.
 */
export const FailureRecord = z.object({
  /** The container that failed: `stage-in` or `tool` (or `stage-out` itself, e.g. for outputs that are missing). */
  container: z.string(),
  exitCode: z.number().int(),
  /** The last lines the failing container wrote (its stderr on the embedded runtime, its log stream in AWS). */
  logTail: z.array(z.string()).max(LOG_TAIL_LINES),
  at: z.string(),
});
export type FailureRecord = z.infer<typeof FailureRecord>;

function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(manifest)'}: ${issue.message}`).join('; ');
}
