/** Batch job states, as AWS Batch names them. */
export type JobStatus = 'SUBMITTED' | 'PENDING' | 'RUNNABLE' | 'STARTING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

/** What Landfall submits for one step of one sample: the fields `SubmitJob` needs, plus the region. */
export interface JobSpec {
  /** Deterministic (SubmitJob has no idempotency token): `<execution>-<step>`; at most 128 chars of [A-Za-z0-9_-]. */
  jobName: string;
  region: string;
  jobQueue: string;
  jobDefinition: string;
  /** Container command; `landfall-step <step>` runs a step program (workflows/steps). */
  command: string[];
  environment: Record<string, string>;
  vcpus: number;
  memoryMiB: number;
  timeoutSeconds: number;
  /** Batch retryStrategy.attempts, 1..10. */
  attempts: number;
  /** Higher runs first within a region (scheduling priority). @default 0 */
  priority?: number;
  /** Batch retryStrategy.evaluateOnExit: the first matching rule decides RETRY or EXIT. @default [] (retry while attempts remain) */
  evaluateOnExit?: EvaluateOnExit[];
  /**
   * A multi-container job (Batch `ecsProperties`): the containers of one task, sharing a volume mounted at
   * `sharedVolume` in each. `command` then repeats the main container's command, for people reading the spec.
   */
  containers?: JobContainer[];
  /** Where every container of a multi-container job mounts the task's shared volume (e.g. `/landfall`). */
  sharedVolume?: string;
}

/** Batch `TaskContainerDependency`: when a container may start, in terms of another container of the task. */
export interface ContainerDependency {
  containerName: string;
  /** START: the other started; COMPLETE: it exited; SUCCESS: it exited 0 (COMPLETE and SUCCESS only on non-essential containers). */
  condition: 'START' | 'COMPLETE' | 'SUCCESS';
}

/** One container of a multi-container job (Batch `TaskContainerProperties`). */
export interface JobContainer {
  name: string;
  image: string;
  command: string[];
  /** When an essential container exits, the task stops and the job ends with its exit code. */
  essential: boolean;
  dependsOn?: ContainerDependency[];
  environment?: Record<string, string>;
}

/** One Batch `retryStrategy.evaluateOnExit` rule; patterns are exact or end with `*`. */
export interface EvaluateOnExit {
  onExitCode?: string;
  onStatusReason?: string;
  onReason?: string;
  action: 'RETRY' | 'EXIT';
}

export interface JobAttempt {
  startedAt?: number;
  stoppedAt?: number;
  exitCode?: number;
  statusReason?: string;
  /** CloudWatch log stream in AWS; locally `<jobName>/attempt-<k>` under the executor's log folder. */
  logStreamName?: string;
}

export interface JobDescription {
  jobId: string;
  /** `arn:aws:batch:<region>:<account>:job/<jobId>`. */
  jobArn?: string;
  jobName: string;
  jobQueue: string;
  region: string;
  status: JobStatus;
  statusReason?: string;
  attempts: JobAttempt[];
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  exitCode?: number;
  /** The log stream of the attempt running now (a finished attempt's is on `attempts`). */
  logStreamName?: string;
}

/**
 * Job seam: AWS Batch (`SubmitJob`/`DescribeJobs`) in AWS, the local executor on the embedded runtime.
 * Both announce state changes as "Batch Job State Change" events on the home bus.
 */
export interface JobService {
  submit(spec: JobSpec): Promise<{ jobId: string }>;
  /** DescribeJobs; `region` where the job was submitted, when the caller knows it (another process submitted it). */
  describe(jobId: string, region?: string): Promise<JobDescription | undefined>;
  /** TerminateJob: a queued job fails at once, a running one is stopped; neither is retried. */
  terminate(jobId: string, reason: string): Promise<void>;
  /**
   * The id of the newest job of exactly this name in `jobQueue` (of `region`), in any status (ListJobs with a
   * JOB_NAME filter): how a retried submission finds the job Batch accepted before its id was recorded.
   */
  findByName(jobName: string, jobQueue: string, region: string): Promise<string | undefined>;
}
