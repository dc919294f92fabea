/**
 * What one attempt of a Batch job wrote (stdout and stderr together, as the `awslogs` driver and the local
 * executor both keep them), page by page: `landfall logs` and the dashboard read a step's log through this
 * seam. In AWS it is the job's CloudWatch Logs stream (seams/jobs/CloudWatchJobLogs.ts); on the embedded
 * runtime the local executor's attempt log (runtime/executor/LocalBatchExecutor.ts).
 */
export interface JobLogs {
  /**
   * Lines of one attempt's log after `after` (a cursor from an earlier page; from the start without one).
   * Resolves with no lines and the same cursor when nothing new was written; undefined when the attempt
   * never started a log (not yet started, or unknown to this implementation).
   */
  readAttemptLog(ref: JobLogRef, options?: { after?: string; limit?: number }): Promise<JobLogPage | undefined>;
}

/** Which attempt's log: the job as the catalog's step record names it. */
export interface JobLogRef {
  jobId: string;
  jobName: string;
  region: string;
  /** 1-based attempt number. */
  attempt: number;
}

export interface JobLogPage {
  lines: string[];
  /** Pass back as `after` to read what was written since (a byte offset locally, a forward token in AWS). */
  next: string;
}

/** Lines one page carries at most (GetLogEvents returns up to 10,000 events per call). */
export const JOB_LOG_PAGE_LINES = 5000;
