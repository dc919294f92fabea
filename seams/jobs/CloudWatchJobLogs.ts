import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { JOB_LOG_GROUP } from '../../contracts/names.ts';
import { JOB_LOG_PAGE_LINES, type JobLogPage, type JobLogRef, type JobLogs } from './JobLogs.ts';
import type { JobService } from './JobService.ts';

/** One CloudWatch Logs client per region, created on first use (a job logs in the region it ran in). */
function logsClientsByRegion(): (region: string) => CloudWatchLogsClient {
  const clients = new Map<string, CloudWatchLogsClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new CloudWatchLogsClient({ region })));
    return client;
  };
}

/**
 * The AWS side of {@link JobLogs}: the attempt's log stream (DescribeJobs names it; for a step's
 * multi-container job, the tool container's stream) read with GetLogEvents in the job's region, oldest first.
 * The cursor is GetLogEvents' forward token, which comes back unchanged when nothing new was written.
 */
export class CloudWatchJobLogs implements JobLogs {
  readonly #jobs: Pick<JobService, 'describe'>;
  readonly #clientFor: (region: string) => CloudWatchLogsClient;
  readonly #logGroup: string;

  constructor(
    jobs: Pick<JobService, 'describe'>,
    options: { clientFor?: (region: string) => CloudWatchLogsClient; logGroup?: string } = {},
  ) {
    this.#jobs = jobs;
    this.#clientFor = options.clientFor ?? logsClientsByRegion();
    this.#logGroup = options.logGroup ?? JOB_LOG_GROUP;
  }

  async readAttemptLog(ref: JobLogRef, options: { after?: string; limit?: number } = {}): Promise<JobLogPage | undefined> {
    const job = await this.#jobs.describe(ref.jobId, ref.region);
    // A running attempt is not in `attempts` yet: its stream is the job's current container's.
    const stream =
      job?.attempts[ref.attempt - 1]?.logStreamName ?? (ref.attempt === (job?.attempts.length ?? 0) + 1 ? job?.logStreamName : undefined);
    if (!stream) return undefined;
    const answer = await this.#clientFor(ref.region).send(
      new GetLogEventsCommand({
        logGroupName: this.#logGroup,
        logStreamName: stream,
        startFromHead: true,
        limit: Math.min(options.limit ?? JOB_LOG_PAGE_LINES, 10_000),
        ...(options.after && { nextToken: options.after }),
      }),
    );
    const lines = (answer.events ?? []).flatMap((event) => (event.message ?? '').replace(/\n$/, '').split('\n'));
    return { lines, next: answer.nextForwardToken ?? options.after ?? '' };
  }
}
