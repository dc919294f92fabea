import { z } from 'zod';
import { type EventBridgeEvent, eventEnvelope } from './envelope.ts';
import { LANDFALL_SOURCE } from './landfall.ts';

export const BATCH_SOURCE = 'aws.batch';
export const JOB_STATE_CHANGE_DETAIL_TYPE = 'Batch Job State Change';

/**
 * AWS Batch job state change; the only fields Landfall relies on are modelled, the rest pass through.
 * @example contracts/events/fixtures/aws.batch/job-succeeded.json
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

/**
 * A job's state change told again by Landfall (the sweep for a job whose own event was lost, a retried
 * submission or validation for a job that already ended): Batch's shape under Landfall's source, because
 * EventBridge PutEvents refuses every `aws.*` source ("NotAuthorizedForSourceException").
 */
export const ReplayedJobStateChangeEvent = eventEnvelope(LANDFALL_SOURCE, JOB_STATE_CHANGE_DETAIL_TYPE, JobStateChangeDetail);

/** What the handlers that finish jobs read: Batch's own state change, or Landfall's replay of one. */
export const JobStateChangeEvent = z.union([BatchJobStateChangeEvent, ReplayedJobStateChangeEvent]);
export type JobStateChangeEvent = z.infer<typeof JobStateChangeEvent>;
export type BatchJobStatus = z.infer<typeof JobStateChangeDetail>['status'];

/** One finished attempt of a job, as DescribeJobs and the local executor know it. */
export interface BatchAttempt {
  exitCode?: number;
  statusReason?: string;
  startedAt?: number;
  stoppedAt?: number;
  logStreamName?: string;
}

/** One attempt as a "Batch Job State Change" detail (and DescribeJobs) lists it. */
export interface BatchAttemptDetail {
  container: {
    exitCode?: number;
    logStreamName?: string;
    reason?: string;
    taskArn?: string;
    containerInstanceArn?: string;
    networkInterfaces: [];
  };
  startedAt?: number;
  stoppedAt?: number;
  statusReason?: string;
}

/** One finished attempt as the event carries it. */
export function batchAttemptDetail(attempt: BatchAttempt): BatchAttemptDetail {
  return {
    container: {
      ...(attempt.exitCode !== undefined && { exitCode: attempt.exitCode }),
      ...(attempt.logStreamName !== undefined && { logStreamName: attempt.logStreamName }),
      networkInterfaces: [],
    },
    ...(attempt.startedAt !== undefined && { startedAt: attempt.startedAt }),
    ...(attempt.stoppedAt !== undefined && { stoppedAt: attempt.stoppedAt }),
    ...(attempt.statusReason !== undefined && { statusReason: attempt.statusReason }),
  };
}

/** A job at one moment: what every "Batch Job State Change" carries, whoever builds it. */
export interface BatchJobState {
  region: string;
  /** `arn:aws:batch:<region>:<account>:job/<id>`; DescribeJobs may leave it out. */
  jobArn?: string;
  jobId: string;
  jobName: string;
  /** The queue's ARN, as the event carries it (DescribeJobs answers an ARN too). */
  jobQueue: string;
  status: BatchJobStatus;
  statusReason?: string;
  /** Finished attempts only, oldest first. */
  attempts: readonly BatchAttempt[];
  createdAt?: number;
  startedAt?: number;
  stoppedAt?: number;
  /** The last attempt's container exit code. */
  exitCode?: number;
}

/**
 * What a full event adds that Landfall never reads: the local executor fills it in as AWS Batch would
 * (the job definition, retry strategy, container settings…); a re-drive from DescribeJobs leaves it out.
 */
export interface BatchJobStateExtras {
  id?: string;
  account?: string;
  time?: string;
  detail?: Record<string, unknown>;
  container?: Record<string, unknown>;
}

/**
 * The "Batch Job State Change" event for a job in `state`: the local executor's events on every transition
 * and the sweep's re-drive of a finished job whose own event was lost (DescribeJobs) are built here, so the
 * handler reads one shape whichever sent it.
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html
 */
export function batchJobStateChangeEvent<Detail extends Record<string, unknown> = Record<string, unknown>>(
  state: BatchJobState,
  extras: BatchJobStateExtras = {},
): EventBridgeEvent<Detail> {
  return {
    version: '0',
    ...(extras.id !== undefined && { id: extras.id }),
    'detail-type': JOB_STATE_CHANGE_DETAIL_TYPE,
    source: BATCH_SOURCE,
    ...(extras.account !== undefined && { account: extras.account }),
    ...(extras.time !== undefined && { time: extras.time }),
    region: state.region,
    resources: state.jobArn ? [state.jobArn] : [],
    detail: {
      ...(state.jobArn !== undefined && { jobArn: state.jobArn }),
      jobName: state.jobName,
      jobId: state.jobId,
      jobQueue: state.jobQueue,
      status: state.status,
      ...(state.statusReason !== undefined && { statusReason: state.statusReason }),
      attempts: state.attempts.map(batchAttemptDetail),
      ...(state.createdAt !== undefined && { createdAt: state.createdAt }),
      ...(state.startedAt !== undefined && { startedAt: state.startedAt }),
      ...(state.stoppedAt !== undefined && { stoppedAt: state.stoppedAt }),
      ...extras.detail,
      container: { ...extras.container, ...(state.exitCode !== undefined && { exitCode: state.exitCode }) },
    } as Record<string, unknown> as Detail, // the caller names the detail its extras complete
  };
}

/**
 * The state change of a job told again by Landfall ({@link ReplayedJobStateChangeEvent}), for the state
 * DescribeJobs reports: the sweep's re-drive of a job whose own event was lost, and what a retried submission or
 * validation tells of a job that already ended. What a function may publish, where Batch's own source is refused.
 */
export function replayedJobStateChange(state: BatchJobState): EventBridgeEvent<Record<string, unknown>> {
  return { ...batchJobStateChangeEvent(state), source: LANDFALL_SOURCE };
}
