import { z } from 'zod';
import { FileRead } from './reads.ts';

/**
 * A validation job (a sample too large for a function validates as a Batch job running the same validator)
 * is handed its work as a JSON document in the home region's work area: the validate function writes it
 * before submitting the job, the job program (workflows/steps/validateJob.ts) reads it and writes its result
 * beside it, and the function that concludes validation reads both back. The schema and the keys are here,
 * so the three sides read and write one shape.
 */

/** `work/validation/<job>/input.json` and `…/result.json`: the job's input and result documents (home work area). */
export function validationJobDocumentKeys(jobName: string): { input: string; result: string } {
  return { input: `work/validation/${jobName}/input.json`, result: `work/validation/${jobName}/result.json` };
}

const SampleRef = z.object({ team: z.string(), runId: z.string(), sampleId: z.string() });

/**
 * A landed object as the catalog records it: identity read with HeadObject, never an ETag taken for an
 * MD5. The landing function writes it, validation (in a function or a Batch job) reads it.
 */
export const LandedFile = z.object({
  name: z.string(),
  bucket: z.string(),
  key: z.string(),
  size: z.number(),
  etag: z.string(),
  versionId: z.string().optional(),
  landedAt: z.string(),
});

/** What the job validates: written before the job is submitted, read by the job and by the handler that concludes. */
export const ValidationJobInput = z.object({
  ref: SampleRef,
  landed: z.array(LandedFile),
  /** Each file's read label, role, lane and part as the landing layout decided (else the names decide). */
  reads: z.array(FileRead).optional(),
  manifest: z
    .object({
      source: z.string(),
      entries: z.array(
        z.object({ name: z.string(), md5: z.string().optional(), sha256: z.string().optional(), size: z.number().optional() }),
      ),
    })
    .optional(),
  /** The run's RunInfo.xml reads, when it has one: a mate no longer than its index reads is refused. */
  runInfo: z.object({ reads: z.array(z.object({ number: z.number(), cycles: z.number(), isIndexedRead: z.boolean() })) }).optional(),
  /** What the run's demultiplexer report says it wrote for the sample: each FASTQ is counted against it. */
  demultiplexed: z.object({ source: z.string(), sampleId: z.string(), lanes: z.record(z.string(), z.number()) }).optional(),
  resultKey: z.string(),
  /**
   * Identity of the run's checksum documents the job checks against ('' for none): the conclusion looks again
   * when they changed while the job ran. Absent in the input of a job submitted before it was kept.
   */
  checkedDocuments: z.string().optional(),
  /** `validation.legacyNoCalls` of the config that submitted the job. */
  legacyNoCalls: z.boolean().default(false),
});
export type ValidationJobInput = z.infer<typeof ValidationJobInput>;
export type LandedFile = z.infer<typeof LandedFile>;
