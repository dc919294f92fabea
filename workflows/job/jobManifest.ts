/**
 * What a step job's stage-in and stage-out phases read: the inputs to fetch (wherever they are), the work
 * area to upload to, and which outputs to keep. submitStep writes it as a small object beside the job's work
 * area and hands the job its location, because Batch passes container overrides to ECS, which allows 8,192
 * characters for all of them, and a run-scope step lists every sample's files.
 */
import { z } from 'zod';
import { READ_LABELS } from '../../config/placeholders.ts';

/** An object in Landfall's storage, with the MD5 it must have. */
const StoredObject = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1),
  size: z.number().int().nonnegative(),
  md5: z.string().regex(/^[0-9a-f]{32}$/),
});

/** One landed read file: its label as the instrument wrote it, its role from the read structure, its lane. */
export const ManifestRead = StoredObject.extend({
  label: z.enum(READ_LABELS),
  /** `mate1`, `mate2`, `single`, `index1`, `index2`, `umi` (COORDINATION.md); absent when not known. */
  role: z.string().optional(),
  lane: z.number().int().positive(),
  /** The landed file's name (tells whether it is gzipped). */
  name: z.string().min(1),
});

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
  workBucket: z.string().min(1),
  /** `work/<execution>/<step>/`: attempt k uploads under `attempt-<k>/`. */
  workPrefix: z.string().regex(/\/$/),
});

export type JobManifest = z.infer<typeof JobManifest>;
export type ManifestRead = z.infer<typeof ManifestRead>;

/** Environment variable naming the manifest object: JSON `{ "bucket": …, "key": … }`. */
export const MANIFEST_ENV = 'LANDFALL_JOB_MANIFEST';

/** Key of a job's manifest: beside its attempts, never under one (publishing copies only `attempt-<k>/`). */
export const manifestKeyOf = (workPrefix: string, jobName: string) => `${workPrefix}${jobName}.manifest.json`;

/** Key of the failure record stage-out writes when the tool (or stage-in) failed in attempt `attempt`. */
export const failureKeyOf = (workPrefix: string, attempt: number) => `${workPrefix}attempt-${attempt}.failure.json`;

/** Where attempt `attempt` uploads its outputs. */
export const attemptPrefixOf = (workPrefix: string, attempt: number) => `${workPrefix}attempt-${attempt}/`;

/** What stage-out records when a phase of the job failed: read back by the job-state handler for the catalog. */
export const FailureRecord = z.object({
  /** The container that failed: `stage-in` or `tool` (or `stage-out` itself for an upload failure). */
  container: z.string(),
  exitCode: z.number().int(),
  /** The last lines the failing container wrote (its stderr on the embedded runtime, its log stream in AWS). */
  logTail: z.array(z.string()),
  at: z.string(),
});
export type FailureRecord = z.infer<typeof FailureRecord>;

/** How many lines of a failing container's output the catalog keeps (issues 16 and 17). */
export const LOG_TAIL_LINES = 20;
