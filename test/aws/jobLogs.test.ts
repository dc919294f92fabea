/**
 * Emulator tier: the AWS side of the job-log seam (CloudWatchJobLogs) against moto's CloudWatch Logs. The log
 * stream of each attempt is what DescribeJobs names (given here by a stand-in for BatchJobService.describe,
 * which moto cannot fill without running containers); the events are read with GetLogEvents in the job's own
 * region, oldest first, and the forward token carries on where the last page stopped.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JOB_LOG_GROUP } from '../../contracts/names.ts';
import { CloudWatchJobLogs } from '../../seams/jobs/CloudWatchJobLogs.ts';
import type { JobDescription } from '../../seams/jobs/JobService.ts';
import { MOTO_MISSING, type MotoServer, startMoto } from '../support/motoServer.ts';

const REGION = 'eu-central-1';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const STREAM_1 = 'demo-trim/tool/attempt-one';
const STREAM_2 = 'demo-trim/tool/attempt-two';

describe.skipIf(MOTO_MISSING)('CloudWatchJobLogs against moto', () => {
  let moto: MotoServer;
  const clients = new Map<string, CloudWatchLogsClient>();
  const clientFor = (region: string) => {
    if (!clients.has(region)) clients.set(region, new CloudWatchLogsClient({ endpoint: moto.endpoint, region, credentials }));
    return clients.get(region)!;
  };
  /** DescribeJobs as Batch answers it for a job whose first attempt failed and whose second is running. */
  const describeJob = async (jobId: string, region?: string): Promise<JobDescription | undefined> =>
    jobId === 'job-1' && region === REGION
      ? {
          jobId,
          jobName: 'demo-trim-S1',
          jobQueue: 'q',
          region,
          status: 'RUNNING',
          createdAt: 0,
          attempts: [{ exitCode: 1, logStreamName: STREAM_1 }],
          logStreamName: STREAM_2,
        }
      : undefined;

  beforeAll(async () => {
    moto = await startMoto();
    const logs = clientFor(REGION);
    await logs.send(new CreateLogGroupCommand({ logGroupName: JOB_LOG_GROUP }));
    for (const [stream, lines] of [
      [STREAM_1, ['trimming S1', 'Error: disk full', 'exit 1']],
      [STREAM_2, ['trimming S1 again']],
    ] as const) {
      await logs.send(new CreateLogStreamCommand({ logGroupName: JOB_LOG_GROUP, logStreamName: stream }));
      await logs.send(
        new PutLogEventsCommand({
          logGroupName: JOB_LOG_GROUP,
          logStreamName: stream,
          logEvents: lines.map((message, index) => ({ message, timestamp: Date.now() + index })),
        }),
      );
    }
  });

  afterAll(async () => {
    for (const client of clients.values()) client.destroy();
    await moto?.close();
  });

  it("reads each attempt's stream in the job's region, and only what came after the forward token", async () => {
    // Prepare
    const logs = new CloudWatchJobLogs({ describe: describeJob }, { clientFor });
    const ref = { jobId: 'job-1', jobName: 'demo-trim-S1', region: REGION };

    // Act
    const first = await logs.readAttemptLog({ ...ref, attempt: 1 });
    const running = await logs.readAttemptLog({ ...ref, attempt: 2 });
    const nothingNew = await logs.readAttemptLog({ ...ref, attempt: 1 }, { after: first!.next });
    await clientFor(REGION).send(
      new PutLogEventsCommand({
        logGroupName: JOB_LOG_GROUP,
        logStreamName: STREAM_2,
        logEvents: [{ message: 'wrote S1.trimmed.fastq.gz', timestamp: Date.now() + 10 }],
      }),
    );
    const followed = await logs.readAttemptLog({ ...ref, attempt: 2 }, { after: running!.next });
    const unknown = await logs.readAttemptLog({ ...ref, attempt: 3 });

    // Assess
    expect(first?.lines).toEqual(['trimming S1', 'Error: disk full', 'exit 1']);
    expect(running?.lines).toEqual(['trimming S1 again']);
    expect(nothingNew?.lines).toEqual([]);
    expect(followed?.lines).toEqual(['wrote S1.trimmed.fastq.gz']);
    expect(unknown).toBeUndefined();
  });
});
