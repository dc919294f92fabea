import { z } from 'zod';
import { ReadRole } from '../../contracts/reads.ts';

/** The sample block every workflow task receives (`$.sample` of the execution input). */
export const SamplePayload = z.object({
  team: z.string(),
  runId: z.string(),
  sampleId: z.string(),
  version: z.number().int().positive(),
  pipeline: z.string(),
  /** 0 for the automatic execution; linked recovery/reprocessing executions count up. */
  generation: z.number().int().nonnegative().default(0),
  /** Reprocessing: steps from this one on re-run, earlier steps reuse their published outputs. */
  rerunFrom: z.string().optional(),
  /** Marked urgent when the execution started (`landfall reprocess --urgent`); config rules add more at submission. */
  urgent: z.boolean().optional(),
  inputs: z.array(
    z.object({
      name: z.string(),
      bucket: z.string(),
      key: z.string(),
      size: z.number(),
      md5: z.string(),
      /** Read label as the instrument named the file (R1, R2, R3, I1, …). */
      read: z.string(),
      /** What the read is for (contracts/reads.ts): mate1, mate2, single, umi, index1, index2; absent on versions cataloged before roles. */
      role: ReadRole.optional(),
      lane: z.number(),
      /** Order among several files of one lane and read. */
      part: z.number().int().positive().optional(),
    }),
  ),
  /**
   * Set when the version has too many files for the execution input (Step Functions refuses inputs over
   * 256 KB; a MinKNOW barcode can have thousands of batches): `inputs` is then empty and each step's
   * submission reads them from the catalog (the version's files).
   */
  inputsInCatalog: z.boolean().optional(),
  /** The sample's sample-sheet values (`{{param.<Column>}}`, a step's reference column), as validation read them. */
  params: z.record(z.string(), z.string()).optional(),
  /**
   * A run-scope execution: the run's samples its steps cover (those that published what the run steps need).
   * Then `sampleId` is the run's own pseudo-sample (functions/workflow/runSteps.ts) and `inputs` is empty.
   */
  runSamples: z.array(z.object({ sampleId: z.string(), version: z.number().int().positive() })).optional(),
});

/** `Run <step>`: the callback task that submits a step's Batch job. */
export const SubmitStepPayload = z.object({
  taskToken: z.string().min(1),
  executionName: z.string().min(1),
  step: z.string().min(1),
  sample: SamplePayload,
});

/** What the job-state handler hands back through SendTaskSuccess when a step's job succeeded. */
export const JobResult = z.object({
  jobId: z.string(),
  jobName: z.string(),
  region: z.string(),
  attempt: z.number().int().positive(),
  workBucket: z.string(),
  /** The successful attempt's work area: `work/<execution>/<step>/attempt-<k>/`. */
  workPrefix: z.string(),
  /** Cost figures of the job over all attempts (recorded on the step when it publishes). */
  cost: z
    .object({
      region: z.string(),
      capacityType: z.enum(['on-demand', 'spot']),
      attempts: z.number(),
      seconds: z.number(),
      vcpuSeconds: z.number(),
      memoryGbSeconds: z.number(),
      computeUsd: z.number(),
      transferBytes: z.number(),
      transferUsd: z.number(),
      estimatedUsd: z.number(),
    })
    .optional(),
});

/** `Publish <step>`: copies the successful attempt's outputs to the team's results prefix. */
export const PublishStepPayload = z.object({
  executionName: z.string().min(1),
  step: z.string().min(1),
  sample: SamplePayload,
  job: JobResult,
});

/** `Complete sample` / `Record sample failure`. */
export const FinishSamplePayload = z.object({
  executionName: z.string().min(1),
  sample: SamplePayload,
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

export type SamplePayload = z.infer<typeof SamplePayload>;
export type JobResult = z.infer<typeof JobResult>;
