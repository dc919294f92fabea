import { type BatchClient, DescribeJobsCommand, ListJobsCommand, SubmitJobCommand, TerminateJobCommand } from '@aws-sdk/client-batch';
import type { JobDescription, JobService, JobSpec } from './JobService.ts';
import { batchClientsByRegion } from './batchClients.ts';
import { JOB_SHARE_IDENTIFIER } from '../../contracts/names.ts';

/**
 * The AWS side of the job seam: Batch `SubmitJob`/`DescribeJobs`, one client per region (each region's
 * queues live in that region). SubmitJob has no idempotency token: callers use deterministic job names
 * and record the submission before calling; duplicate completions are tolerated downstream.
 */
/**
 * What a submission overrides in its job definition. A single-container job: `containerOverrides`. A
 * multi-container job (`ecsProperties`): `ecsPropertiesOverride` per container by name — each container's
 * command and environment, and the job's vCPUs and memory on its main container (the one whose command the
 * spec repeats). Environment names starting with AWS_BATCH are Batch's own and are never sent.
 */
export function jobOverrides(spec: JobSpec) {
  const environment = (values: Record<string, string> = {}) => Object.entries(values).map(([name, value]) => ({ name, value }));
  const resourceRequirements = [
    { type: 'VCPU' as const, value: String(spec.vcpus) },
    { type: 'MEMORY' as const, value: String(spec.memoryMiB) },
  ];
  if (!spec.containers)
    return { containerOverrides: { command: spec.command, environment: environment(spec.environment), resourceRequirements } };
  const main = spec.containers.find((container) => JSON.stringify(container.command) === JSON.stringify(spec.command));
  return {
    ecsPropertiesOverride: {
      taskProperties: [
        {
          containers: spec.containers.map((container) => ({
            name: container.name,
            command: container.command,
            environment: environment({ ...spec.environment, ...container.environment }),
            ...(container === main && { resourceRequirements }),
          })),
        },
      ],
    },
  };
}

export class BatchJobService implements JobService {
  readonly #clientFor: (region: string) => BatchClient;
  /** jobId → region, for describe() of jobs this instance submitted. */
  readonly #regions = new Map<string, string>();
  readonly #homeRegion: string;

  constructor(homeRegion: string, clientFor?: (region: string) => BatchClient) {
    this.#homeRegion = homeRegion;
    this.#clientFor = clientFor ?? batchClientsByRegion();
  }

  async submit(spec: JobSpec): Promise<{ jobId: string }> {
    const result = await this.#clientFor(spec.region).send(
      new SubmitJobCommand({
        jobName: spec.jobName,
        jobQueue: spec.jobQueue,
        jobDefinition: spec.jobDefinition,
        // Every queue has a fair-share policy (stacks/batch.ts): a job names its share, and its priority orders it.
        shareIdentifier: JOB_SHARE_IDENTIFIER,
        schedulingPriorityOverride: spec.priority,
        retryStrategy: { attempts: spec.attempts, evaluateOnExit: spec.evaluateOnExit?.map((rule) => ({ ...rule })) },
        timeout: { attemptDurationSeconds: Math.max(60, spec.timeoutSeconds) },
        ...jobOverrides(spec),
      }),
    );
    if (!result.jobId) throw new Error(`Batch returned no jobId for ${spec.jobName}`);
    this.#regions.set(result.jobId, spec.region);
    return { jobId: result.jobId };
  }

  async terminate(jobId: string, reason: string): Promise<void> {
    const region = this.#regions.get(jobId) ?? this.#homeRegion;
    await this.#clientFor(region).send(new TerminateJobCommand({ jobId, reason: reason.slice(0, 255) }));
  }

  async findByName(jobName: string, jobQueue: string, region: string): Promise<string | undefined> {
    // With a filter, ListJobs answers every status; the JOB_NAME filter is case-insensitive (and a trailing `*`
    // a prefix), so the exact name is compared here. Newest first, but not trusted to be: compared too.
    let newest: { jobId: string; createdAt: number } | undefined;
    let nextToken: string | undefined;
    do {
      const page = await this.#clientFor(region).send(
        new ListJobsCommand({ jobQueue, filters: [{ name: 'JOB_NAME', values: [jobName] }], ...(nextToken && { nextToken }) }),
      );
      for (const job of page.jobSummaryList ?? [])
        if (job.jobName === jobName && job.jobId && (!newest || (job.createdAt ?? 0) > newest.createdAt))
          newest = { jobId: job.jobId, createdAt: job.createdAt ?? 0 };
      nextToken = page.nextToken;
    } while (nextToken);
    if (newest) this.#regions.set(newest.jobId, region);
    return newest?.jobId;
  }

  async describe(jobId: string, regionHint?: string): Promise<JobDescription | undefined> {
    const region = regionHint ?? this.#regions.get(jobId) ?? this.#homeRegion;
    const { jobs } = await this.#clientFor(region).send(new DescribeJobsCommand({ jobs: [jobId] }));
    const job = jobs?.[0];
    if (!job) return undefined;
    return {
      jobId: job.jobId!,
      jobArn: job.jobArn,
      jobName: job.jobName!,
      jobQueue: job.jobQueue!,
      region,
      status: job.status as JobDescription['status'],
      statusReason: job.statusReason,
      // A multi-container job reports per container: the job's exit code is its essential container's (stage-out
      // ends with the tool's code), the log stream worth reading the tool's.
      attempts: (job.attempts ?? []).map((attempt) => {
        const containers = attempt.taskProperties?.[0]?.containers ?? [];
        const essential = containers.find((container) => container.name === 'stage-out') ?? containers.at(-1);
        return {
          startedAt: attempt.startedAt,
          stoppedAt: attempt.stoppedAt,
          exitCode: attempt.container?.exitCode ?? essential?.exitCode,
          statusReason: attempt.statusReason,
          logStreamName: attempt.container?.logStreamName ?? containers.find((container) => container.name === 'tool')?.logStreamName,
        };
      }),
      createdAt: job.createdAt ?? 0,
      startedAt: job.startedAt,
      stoppedAt: job.stoppedAt,
      logStreamName:
        job.container?.logStreamName ??
        job.ecsProperties?.taskProperties?.[0]?.containers?.find((container) => container.name === 'tool')?.logStreamName,
      exitCode:
        job.container?.exitCode ?? job.ecsProperties?.taskProperties?.[0]?.containers?.find((container) => container.essential)?.exitCode,
    };
  }
}
