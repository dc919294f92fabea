import { randomUUID } from 'node:crypto';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import type { EvaluateOnExit, JobAttempt, JobStatus } from '../../seams/jobs/JobService.ts';
// The event AWS Batch sends, which the local executor sends too: one builder with the sweep's re-drives.
import { type BatchAttemptDetail, batchJobStateChangeEvent } from '../../contracts/events/batch.ts';

/**
 * The `detail` of a "Batch Job State Change" event: the JobDetail that DescribeJobs returns, trimmed to
 * what an EC2 container job has. Field names follow the AWS example event.
 *
 * @see https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html
 */
// A type alias (not an interface) so it is assignable to BusEvent's Record<string, unknown> detail.
export type BatchJobStateChangeDetail = {
  jobArn: string;
  jobName: string;
  jobId: string;
  jobQueue: string;
  status: JobStatus;
  statusReason?: string;
  attempts: BatchAttemptDetail[];
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  retryStrategy: { attempts: number; evaluateOnExit: EvaluateOnExit[] };
  dependsOn: [];
  jobDefinition: string;
  parameters: Record<string, string>;
  container: {
    image: string;
    command: string[];
    vcpus: number;
    memory: number;
    resourceRequirements: Array<{ type: 'VCPU' | 'MEMORY'; value: string }>;
    environment: Array<{ name: string; value: string }>;
    exitCode?: number;
    logStreamName?: string;
    volumes: [];
    mountPoints: [];
    ulimits: [];
    networkInterfaces: [];
    secrets: [];
  };
  timeout?: { attemptDurationSeconds: number };
  tags: Record<string, string>;
  propagateTags: boolean;
  platformCapabilities: ['EC2'];
  eksAttempts: [];
};

/** What the event builder needs to know about a job at the moment of a transition. */
export interface JobSnapshot {
  accountId: string;
  region: string;
  jobId: string;
  jobName: string;
  jobQueue: string;
  jobDefinition: string;
  status: JobStatus;
  statusReason?: string;
  /** Finished attempts only, as DescribeJobs lists them. */
  attempts: readonly JobAttempt[];
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  exitCode?: number;
  command: readonly string[];
  environment: Readonly<Record<string, string>>;
  vcpus: number;
  memoryMiB: number;
  timeoutSeconds?: number;
  retryAttempts: number;
  evaluateOnExit?: readonly EvaluateOnExit[];
}

/** `arn:aws:batch:<region>:<account>:job/<id>`. */
export function jobArn(region: string, accountId: string, jobId: string): string {
  return `arn:aws:batch:${region}:${accountId}:job/${jobId}`;
}

/** A queue name becomes its ARN; an ARN is kept. */
export function jobQueueArn(region: string, accountId: string, jobQueue: string): string {
  return jobQueue.startsWith('arn:') ? jobQueue : `arn:aws:batch:${region}:${accountId}:job-queue/${jobQueue}`;
}

/** The queue's name, whether given as name or ARN (what `AWS_BATCH_JQ_NAME` holds). */
export function jobQueueName(jobQueue: string): string {
  return jobQueue.startsWith('arn:') ? jobQueue.slice(jobQueue.lastIndexOf('/') + 1) : jobQueue;
}

/** A definition name (`name` or `name:revision`) becomes its ARN with a revision, as events carry it. */
export function jobDefinitionArn(region: string, accountId: string, jobDefinition: string): string {
  if (jobDefinition.startsWith('arn:')) return jobDefinition;
  const withRevision = /:\d+$/.test(jobDefinition) ? jobDefinition : `${jobDefinition}:1`;
  return `arn:aws:batch:${region}:${accountId}:job-definition/${withRevision}`;
}

/**
 * Builds the EventBridge event AWS Batch would send for this job's current state.
 *
 * @example
 * const event = batchJobStateChange({ accountId: '000000000000', region: 'eu-west-1', jobId, jobName: 'exec-1-qc',
 *   jobQueue: 'landfall-eu-west-1', jobDefinition: 'landfall-step', status: 'RUNNABLE', attempts: [], createdAt: Date.now(),
 *   command: ['landfall-step', 'qc'], environment: {}, vcpus: 1, memoryMiB: 1024, retryAttempts: 2 });
 * event['detail-type']; // 'Batch Job State Change'
 */
export function batchJobStateChange(job: JobSnapshot, now = Date.now()): BusEvent<BatchJobStateChangeDetail> {
  return batchJobStateChangeEvent<BatchJobStateChangeDetail>(
    {
      region: job.region,
      jobArn: jobArn(job.region, job.accountId, job.jobId),
      jobId: job.jobId,
      jobName: job.jobName,
      jobQueue: jobQueueArn(job.region, job.accountId, job.jobQueue),
      status: job.status,
      statusReason: job.statusReason,
      attempts: job.attempts,
      createdAt: job.createdAt,
      startedAt: job.startedAt,
      stoppedAt: job.stoppedAt,
      exitCode: job.exitCode,
    },
    {
      id: randomUUID(),
      account: job.accountId,
      // EventBridge times have second precision.
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      detail: {
        retryStrategy: { attempts: job.retryAttempts, evaluateOnExit: [...(job.evaluateOnExit ?? [])] },
        dependsOn: [],
        jobDefinition: jobDefinitionArn(job.region, job.accountId, job.jobDefinition),
        parameters: {},
        ...(job.timeoutSeconds !== undefined && { timeout: { attemptDurationSeconds: job.timeoutSeconds } }),
        tags: {},
        propagateTags: false,
        platformCapabilities: ['EC2'],
        eksAttempts: [],
      },
      container: {
        image: 'local',
        command: [...job.command],
        vcpus: job.vcpus,
        memory: job.memoryMiB,
        resourceRequirements: [
          { type: 'VCPU', value: String(job.vcpus) },
          { type: 'MEMORY', value: String(job.memoryMiB) },
        ],
        environment: Object.entries(job.environment).map(([name, value]) => ({ name, value })),
        ...(job.attempts.at(-1)?.logStreamName !== undefined && { logStreamName: job.attempts.at(-1)?.logStreamName }),
        volumes: [],
        mountPoints: [],
        ulimits: [],
        networkInterfaces: [],
        secrets: [],
      },
    },
  );
}
