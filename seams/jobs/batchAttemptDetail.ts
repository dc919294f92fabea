import type { JobAttempt } from './JobService.ts';

/** Container part of one attempt in a "Batch Job State Change" detail (as DescribeJobs lists attempts). */
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

/** One finished attempt as a "Batch Job State Change" event carries it: the local executor's events and the sweep's re-drives. */
export function batchAttemptDetail(attempt: JobAttempt): BatchAttemptDetail {
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
