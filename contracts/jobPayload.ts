import { z } from 'zod';
import { JobPayloadError } from './errors.ts';
import { ReadRole } from './reads.ts';

/**
 * What a step's Batch job is told about its work, in one environment variable: built by the function that
 * submits the job (functions/workflow/submitStepJob.ts, and again when a job is moved to another region), parsed by the
 * program the job runs (workflows/steps/runStep.ts). Both go through this module, so the two sides cannot
 * drift apart: a field added here is checked where the job is submitted, long before a job fails on it.
 */

/** The environment variable that carries the payload. */
export const JOB_PAYLOAD_ENV = 'LANDFALL_JOB';

/** One input file as the job downloads it; the job checks the bytes against `md5` before using them. */
export const JobInput = z.object({
  name: z.string().min(1),
  bucket: z.string().min(1),
  key: z.string().min(1),
  md5: z.string().min(1),
  /** The read label as the instrument named the file (`R1`, `R2`, `I1`, …). */
  read: z.string().min(1),
  /** What the read is for (contracts/reads.ts); absent for versions cataloged before roles. */
  role: ReadRole.optional(),
  lane: z.number().int(),
  /** Order among several files of one lane and read (chunks, batches). */
  part: z.number().int().positive().optional(),
});
export type JobInput = z.infer<typeof JobInput>;

/**
 * The payload of a step's job.
 *
 * @example
 * { "step": "qc", "sampleId": "S1", "workBucket": "landfall-results", "workPrefix": "work/genomics-RUN1-S1-v1-g0/qc/",
 *   "inputs": [{ "name": "S1_S1_L001_R1_001.fastq.gz", "bucket": "landfall-landing",
 *     "key": "incoming/genomics/RUN1/S1_S1_L001_R1_001.fastq.gz", "md5": "…", "read": "R1", "lane": 1 }] }
 */
export const JobPayload = z.object({
  step: z.string().min(1),
  sampleId: z.string().min(1),
  inputs: z.array(JobInput),
  /** The bucket of the job's work area (the work-area bucket of the region it runs in). */
  workBucket: z.string().min(1),
  /** `work/<execution>/<step>/` (contracts/workArea.ts): each attempt writes under `attempt-<k>/`. */
  workPrefix: z.string().min(1),
});
export type JobPayload = z.infer<typeof JobPayload>;

/**
 * The environment entry that carries `payload` to the job, checked against the schema first (a bad
 * payload fails at submission, not in the job).
 *
 * @example const environment = { ...otherVariables, ...buildJobPayload({ step: 'qc', sampleId: 'S1', inputs, workBucket, workPrefix }) };
 */
export function buildJobPayload(payload: JobPayload): Record<typeof JOB_PAYLOAD_ENV, string> {
  return { [JOB_PAYLOAD_ENV]: JSON.stringify(JobPayload.parse(payload)) };
}

/**
 * The payload in a job's environment (`process.env` in the job; a submitted job's `environment` when it is
 * moved). Throws {@link JobPayloadError} naming what is missing or wrong.
 */
export function parseJobPayload(environment: Record<string, string | undefined>): JobPayload {
  const raw = environment[JOB_PAYLOAD_ENV];
  if (!raw) throw new JobPayloadError(`${JOB_PAYLOAD_ENV} is not set: this program runs as a Landfall Batch job`);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    throw new JobPayloadError(`${JOB_PAYLOAD_ENV} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = JobPayload.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`).join('; ');
    throw new JobPayloadError(`${JOB_PAYLOAD_ENV} does not describe a Landfall job: ${problems}`, { cause: parsed.error });
  }
  return parsed.data;
}
