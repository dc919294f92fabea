import { z } from 'zod';
import { eventEnvelope } from './envelope.ts';

export const BATCH_SOURCE = 'aws.batch';
export const JOB_STATE_CHANGE_DETAIL_TYPE = 'Batch Job State Change';

/**
 * AWS Batch job state change; the only fields Landfall relies on are modelled, the rest pass through.
 * @example events/fixtures/aws.batch/job-succeeded.json
 * @see https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html
 */
export const JobStateChangeDetail = z
  .object({
    jobId: z.string(),
    jobName: z.string(),
    jobQueue: z.string(),
    status: z.enum(['SUBMITTED', 'PENDING', 'RUNNABLE', 'STARTING', 'RUNNING', 'SUCCEEDED', 'FAILED']),
    statusReason: z.string().optional(),
    attempts: z
      .array(
        z
          .object({
            container: z.object({ exitCode: z.number().optional() }).passthrough().optional(),
            startedAt: z.number().optional(),
            stoppedAt: z.number().optional(),
            statusReason: z.string().optional(),
          })
          .passthrough(),
      )
      .default([]),
    container: z.object({ exitCode: z.number().optional() }).passthrough().optional(),
    createdAt: z.number().optional(),
    startedAt: z.number().optional(),
    stoppedAt: z.number().optional(),
  })
  .passthrough();

export const BatchJobStateChangeEvent = eventEnvelope(BATCH_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE, JobStateChangeDetail);
export type BatchJobStateChangeEvent = z.infer<typeof BatchJobStateChangeEvent>;
