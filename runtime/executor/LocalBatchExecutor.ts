import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PHASE_COMMANDS } from '../../workflows/job/stepContainers.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { JOB_LOG_PAGE_LINES, type JobLogPage, type JobLogRef, type JobLogs } from '../../seams/jobs/JobLogs.ts';
import type { JobAttempt, JobDescription, JobService, JobSpec, JobStatus } from '../../seams/jobs/JobService.ts';
import { batchJobStateChange, jobArn, jobQueueName } from './batchJobStateChange.ts';
import { decideAttemptAction } from './decideAttemptAction.ts';
import { ExecutorError, ExecutorStateError, JobSpecError } from './errors.ts';
import { killLeftoverJobs } from './killLeftoverJobs.ts';
import { killGroup, processStartTicks, waitGroupGone } from './processGroups.ts';
import { RegionCapacity, type RegionCapacityConfig } from './RegionCapacity.ts';
import { writeRunningJobs, type RunningJobEntry } from './runningJobsFile.ts';
import { WarmWorkers, type WarmWorkerInfo } from './WarmWorkers.ts';
import type { ComputeCapacity } from '../../seams/capacity/ComputeCapacity.ts';
import type { ScratchClass } from '../../contracts/names.ts';

const WATCHDOG = fileURLToPath(new URL('./jobWatchdog.mjs', import.meta.url));
const TASK_RUNNER = fileURLToPath(new URL('./taskRunner.mjs', import.meta.url));

/** Bytes of an attempt log read for one page of {@link LocalBatchExecutor.readAttemptLog}. */
const LOG_PAGE_BYTES = 1 << 20;

/** Status reasons AWS Batch uses, so consumers match the same strings in both runtimes. */
export const STATUS_REASONS = {
  containerExited: 'Essential container in task exited',
  timeout: 'Job attempt duration exceeded timeout',
  hostTerminated: (instanceId: string) => `Host EC2 (instance ${instanceId}) terminated.`,
  cannotStart: (message: string) => `CannotStartContainerError: ${message}`,
  /** Local only: the runtime shut down under the job; no event is sent for it (see `stop`). */
  executorStopped: 'Executor stopped',
} as const;

/** Options of {@link LocalBatchExecutor}. */
export interface LocalBatchExecutorOptions {
  /** The local "regions" and what each may run at once. */
  regions: RegionCapacityConfig[];
  /** Runtime state folder; the executor writes `executor/running.json` (and logs, by default) under it. */
  stateDir: string;
  /** Receives every "Batch Job State Change" event, in order; a rejection is reported, never retried. */
  onStateChange: (event: BusEvent) => void | Promise<void>;
  /** `command[0]` → argv prefix, e.g. `{ 'landfall-step': [process.execPath, '--import', 'tsx', '/abs/runStep.ts'] }`. @default {} */
  commandAliases?: Record<string, string[]>;
  /** Working directory of job processes. @default process.cwd() */
  cwd?: string;
  /** Where attempt logs go: `<logDir>/<jobName>/attempt-<k>.log`. @default `<stateDir>/executor/logs` */
  logDir?: string;
  /** Account id in ARNs and events. @default '000000000000' */
  accountId?: string;
  /** Between SIGTERM and SIGKILL when a job times out, is terminated or the executor stops. @default 2000 */
  killGraceMs?: number;
  /** Compute environment name a region's jobs see in `AWS_BATCH_CE_NAME`. @default `landfall-<region>` */
  computeEnvironmentName?: (region: string) => string;
  /** Called when `onStateChange` throws or rejects. @default writes to stderr */
  onEmitError?: (error: unknown, event: BusEvent) => void;
  /**
   * Keep warm worker processes per region, one per vCPU the region holds (the analogue of instances):
   * started for work or a warm floor ({@link LocalBatchExecutor.setWarmVcpus}), drained when neither needs
   * them. Jobs do not wait for them. @default false
   */
  warmWorkers?: boolean;
  /**
   * The runtime's stager (runtime/executor/startStager.ts): task runners hand it the stage-in and stage-out
   * containers of step jobs instead of starting a process for each. Without it every container is a process.
   */
  stager?: { url: string; token: string };
}

/** A job as `listJobs` shows it: the description plus scheduling facts and, while it runs, its processes. */
export interface LocalJobInfo extends JobDescription {
  priority: number;
  vcpus: number;
  memoryMiB: number;
  /** 1-based number of the attempt in STARTING or RUNNING. */
  attempt?: number;
  /** Pid of the attempt's watchdog, which leads the job's process group. */
  pid?: number;
  pgid?: number;
}

/** Load of one region, for placement and benchmarks. */
export interface RegionUsage {
  region: string;
  vcpus: number;
  memoryMiB: number;
  vcpusInUse: number;
  memoryMiBInUse: number;
  runnable: number;
  running: number;
  down: boolean;
  /** The warm floor (vCPUs kept while idle; Batch minvCpus). */
  warmVcpus: number;
  /** Live warm worker processes. */
  workers: number;
}

/** Environment variable handing a task runner the stager's token (taskRunner.mjs removes it before any container starts). */
const STAGER_TOKEN_ENV = 'LANDFALL_STAGER_TOKEN';

/**
 * Multi-container jobs of a region launched ahead of their compute: at most the region's vCPUs' worth (enough for
 * the next tools to start as the running ones end) and at most this many, as each holds a task runner and a
 * volume of inputs while it waits.
 */
const MAX_STAGED_AHEAD = 4;

/** Highest priority first, FIFO within a priority. */
const byPriority = (a: { priority: number; queueSeq: number }, b: { priority: number; queueSeq: number }) =>
  b.priority - a.priority || a.queueSeq - b.queueSeq;

/** The step image's phase programs the stager runs, by the command that names them. */
const STAGE_PHASES: Record<string, string> = { [PHASE_COMMANDS.stageIn]: 'stage-in', [PHASE_COMMANDS.stageOut]: 'stage-out' };

type AttemptEndKind = 'exit' | 'timeout' | 'host-terminated' | 'terminated' | 'stopped' | 'start-error';

interface AttemptEnd {
  kind: AttemptEndKind;
  exitCode?: number;
  statusReason: string;
  stoppedAt: number;
}

interface RunningAttempt {
  number: number;
  region: RegionCapacity;
  /**
   * The job's vCPUs and memory in its region: `ahead` (launched to stage its inputs while they are in use by
   * others; its tool waits for them), `held`, or `released` (its tools have ended; stage-out goes on without them).
   */
  compute: 'ahead' | 'held' | 'released';
  /** Its task runner asked for the compute and has not been granted it yet. */
  waitsForCompute: boolean;
  /** The runner reported its start; the job turns RUNNING once it also holds its compute. */
  spawned: boolean;
  logStreamName: string;
  child?: ChildProcess;
  pgid?: number;
  startedAt?: number;
  end?: AttemptEnd;
  timeoutTimer?: NodeJS.Timeout;
  killTimer?: NodeJS.Timeout;
  isClosed: boolean;
  closed: Promise<void>;
  markClosed: () => void;
}

interface JobRecord {
  jobId: string;
  spec: JobSpec;
  priority: number;
  status: JobStatus;
  statusReason?: string;
  createdAt: number;
  startedAt?: number;
  stoppedAt?: number;
  exitCode?: number;
  /** Finished attempts, as DescribeJobs lists them. */
  attempts: JobAttempt[];
  current?: RunningAttempt;
  /** Order of entering RUNNABLE: FIFO within a priority. */
  queueSeq: number;
  /**
   * Folder name of its logs and task volumes: its name, or for a later job of a name this executor already ran
   * (Batch starts another job for a repeated name) its name and id, so the two never share a volume or a log.
   */
  folder: string;
  settled: Promise<JobDescription>;
  settle: (description: JobDescription) => void;
}

const JOB_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const TERMINAL: ReadonlySet<JobStatus> = new Set(['SUCCEEDED', 'FAILED']);

/**
 * The embedded runtime's AWS Batch: per-region vCPU/memory capacity, priority then FIFO dispatch, retries,
 * timeouts, and each attempt a real child process in its own process group, watched by a tiny watchdog (a
 * multi-container job's task runner watches its own) so that no job outlives the runtime (not even after SIGKILL
 * of the runtime). While multi-container jobs are queued or running, one task runner waits as a spare, so a job
 * starts without waiting for a Node process to start (two such starts cost a 2-vCPU region ~0.15 s per job). Announces every transition
 * (RUNNABLE, STARTING, RUNNING, SUCCEEDED/FAILED, RUNNABLE again on retry) as the "Batch Job State Change"
 * event AWS sends; like AWS, none for the initial SUBMITTED.
 *
 * Local differences, on purpose: a duplicate `jobName` that is not FAILED returns the existing job (SubmitJob
 * has no idempotency token, and Landfall's job names are deterministic), a job that can never fit its region
 * is rejected at submit instead of waiting in RUNNABLE forever, `timeoutSeconds` has no 60 s minimum,
 * memory is reserved but not enforced, and a multi-container job's vCPUs and memory are held by its tool
 * containers only (its stage phases run on the runtime's stager): a full region launches jobs ahead to stage
 * their inputs, STARTING until their tool may start, and RUNNING (with its timeout) from then.
 *
 * @example
 * const executor = new LocalBatchExecutor({
 *   regions: [{ name: 'eu-west-1', vcpus: 2, memoryMiB: 4096 }],
 *   stateDir: '.landfall',
 *   onStateChange: (event) => bus.publish([event]),
 *   commandAliases: { 'landfall-step': [process.execPath, '--import', 'tsx', '/abs/workflows/steps/runStep.ts'] },
 * });
 * await executor.start();
 * const { jobId } = await executor.submit({ jobName: 'exec1-qc', region: 'eu-west-1', jobQueue: 'landfall-eu-west-1',
 *   jobDefinition: 'landfall-step', command: ['landfall-step', 'qc'], environment: {}, vcpus: 1, memoryMiB: 1024,
 *   timeoutSeconds: 3600, attempts: 2 });
 * const done = await executor.waitUntilDone(jobId); // done.status === 'SUCCEEDED'
 * await executor.stop();
 */
export class LocalBatchExecutor implements JobService, ComputeCapacity, JobLogs {
  readonly #regions = new Map<string, RegionCapacity>();
  readonly #stateDir: string;
  readonly #logDir: string;
  readonly #cwd: string;
  readonly #accountId: string;
  readonly #killGraceMs: number;
  readonly #aliases: Record<string, string[]>;
  readonly #stager: { url: string; token: string } | undefined;
  readonly #computeEnvironmentName: (region: string) => string;
  readonly #onStateChange: (event: BusEvent) => void | Promise<void>;
  readonly #onEmitError: (error: unknown, event: BusEvent) => void;
  readonly #jobs = new Map<string, JobRecord>();
  readonly #jobIdByName = new Map<string, string>();
  readonly #runningEntries = new Map<string, RunningJobEntry>();
  readonly #warmVcpus = new Map<string, number>();
  readonly #workers?: WarmWorkers;
  /** A task runner started ahead of its job (taskRunner.mjs), so a job's start does not wait for Node to start. */
  #spareRunner?: { child: ChildProcess; forget: () => void };
  #emitChain: Promise<void> = Promise.resolve();
  #queueSeq = 0;
  #started = false;
  #paused = false;
  #stopping = false;
  #stopped?: Promise<void>;

  constructor(options: LocalBatchExecutorOptions) {
    if (options.regions.length === 0) throw new ExecutorError('LocalBatchExecutor needs at least one region');
    for (const region of options.regions) {
      if (this.#regions.has(region.name)) throw new ExecutorError(`LocalBatchExecutor: duplicate region ${region.name}`);
      if (!(region.vcpus > 0) || !(region.memoryMiB > 0)) {
        throw new ExecutorError(
          `LocalBatchExecutor: region ${region.name} needs vcpus > 0 and memoryMiB > 0, found ${region.vcpus} vCPUs and ${region.memoryMiB} MiB`,
        );
      }
      this.#regions.set(region.name, new RegionCapacity(region));
    }
    this.#stateDir = resolve(options.stateDir);
    this.#logDir = resolve(options.logDir ?? join(this.#stateDir, 'executor', 'logs'));
    this.#cwd = resolve(options.cwd ?? process.cwd());
    this.#accountId = options.accountId ?? '000000000000';
    this.#killGraceMs = options.killGraceMs ?? 2_000;
    this.#aliases = { ...options.commandAliases };
    this.#stager = options.stager;
    this.#computeEnvironmentName = options.computeEnvironmentName ?? ((region) => `landfall-${region}`);
    this.#onStateChange = options.onStateChange;
    if (options.warmWorkers) this.#workers = new WarmWorkers({ onChange: () => this.#scaleWorkers() });
    this.#onEmitError =
      options.onEmitError ??
      ((error, event) => {
        const detail = event.detail as { jobName?: string; status?: string };
        process.stderr.write(`local Batch executor: onStateChange failed for ${detail.jobName} ${detail.status}: ${String(error)}\n`);
      });
  }

  /**
   * Kills job process groups a previous run left behind (see {@link killLeftoverJobs}), then starts
   * dispatching. Jobs submitted before `start` wait in RUNNABLE.
   */
  async start(): Promise<void> {
    if (this.#stopping) throw new ExecutorStateError('LocalBatchExecutor was stopped; create a new one to start again');
    if (this.#started) return;
    await killLeftoverJobs(this.#stateDir);
    writeRunningJobs(this.#stateDir, []);
    this.#started = true;
    this.#dispatch();
  }

  /**
   * Stops dispatching, sends `signal` to every running job's process group, SIGKILLs what is left after
   * `graceMs`, and resolves once every group is gone and every event has been delivered. Jobs killed this
   * way end FAILED ("Executor stopped") WITHOUT an event: the runtime is going away, and announcing a
   * failure would make the workflow fail samples that a restart should simply resubmit.
   */
  stop(options: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
    this.#stopped ??= this.#stop(options.signal ?? 'SIGTERM', options.graceMs ?? this.#killGraceMs);
    return this.#stopped;
  }

  async #stop(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#dropSpareRunner();
    const attempts = [...this.#jobs.values()].flatMap((job) => (job.current ? [{ job, attempt: job.current }] : []));
    const pgids = attempts.flatMap(({ attempt }) => (attempt.pgid === undefined ? [] : [attempt.pgid]));
    for (const { attempt } of attempts) {
      this.#endAttempt(attempt, { kind: 'stopped', statusReason: STATUS_REASONS.executorStopped, stoppedAt: Date.now() }, signal, graceMs);
    }
    await Promise.all(attempts.map(({ attempt }) => attempt.closed));
    await Promise.all(pgids.map((pgid) => waitGroupGone(pgid, 2_000)));
    await this.#emitChain;
    await this.#workers?.stop();
    if (this.#started) writeRunningJobs(this.#stateDir, []);
  }

  /** Holds dispatch: RUNNABLE jobs stay queued, running ones go on. */
  pause(): void {
    this.#paused = true;
  }

  /** Resumes dispatch after {@link pause}. */
  resume(): void {
    this.#paused = false;
    this.#dispatch();
  }

  /**
   * SubmitJob. Like Batch, every call starts a new job, even for a name already used: SubmitJob has no
   * idempotency, and a caller that may repeat a submission finds its job first ({@link findByName}). Throws
   * {@link JobSpecError} for a spec AWS would reject or that can never fit its region.
   */
  async submit(spec: JobSpec): Promise<{ jobId: string }> {
    if (this.#stopping) throw new ExecutorStateError(`cannot submit ${spec.jobName}: the local Batch executor is stopped`);
    this.#validate(spec);
    const jobId = randomUUID();
    const repeated = this.#jobIdByName.has(spec.jobName);

    let settle!: (description: JobDescription) => void;
    const settled = new Promise<JobDescription>((resolvePromise) => (settle = resolvePromise));
    const job: JobRecord = {
      jobId,
      spec: structuredClone(spec),
      priority: spec.priority ?? 0,
      status: 'SUBMITTED',
      createdAt: Date.now(),
      attempts: [],
      queueSeq: 0,
      folder: repeated ? `${spec.jobName}.${jobId}` : spec.jobName,
      settled,
      settle,
    };
    this.#jobs.set(job.jobId, job);
    this.#jobIdByName.set(spec.jobName, job.jobId);
    // AWS sends no event for the initial SUBMITTED; the first one a job produces is RUNNABLE.
    this.#makeRunnable(job);
    this.#dispatch();
    return { jobId: job.jobId };
  }

  /** DescribeJobs for one job; undefined when the id is unknown. */
  async describe(jobId: string): Promise<JobDescription | undefined> {
    const job = this.#jobs.get(jobId);
    return job && this.#description(job);
  }

  async findByName(jobName: string, jobQueue: string, region: string): Promise<string | undefined> {
    const newest = this.#jobs.get(this.#jobIdByName.get(jobName) ?? '');
    return newest?.spec.jobQueue === jobQueue && newest.spec.region === region ? newest.jobId : undefined;
  }

  /** Every job this executor knows, oldest first. */
  listJobs(): LocalJobInfo[] {
    return [...this.#jobs.values()]
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((job) => ({
        ...this.#description(job),
        priority: job.priority,
        vcpus: job.spec.vcpus,
        memoryMiB: job.spec.memoryMiB,
        ...(job.current && { attempt: job.current.number }),
        ...(job.current?.pgid !== undefined && { pid: job.current.pgid, pgid: job.current.pgid }),
      }));
  }

  /** Capacity and load per region. */
  regionUsage(): RegionUsage[] {
    const jobs = [...this.#jobs.values()];
    return [...this.#regions.values()].map((region) => ({
      region: region.name,
      vcpus: region.vcpus,
      memoryMiB: region.memoryMiB,
      vcpusInUse: region.vcpusInUse,
      memoryMiBInUse: region.memoryMiBInUse,
      runnable: jobs.filter((job) => job.spec.region === region.name && job.status === 'RUNNABLE').length,
      running: jobs.filter((job) => job.current?.region === region).length,
      down: region.down,
      warmVcpus: this.#warmVcpus.get(region.name) ?? 0,
      workers: this.#workers?.count(region.name) ?? 0,
    }));
  }

  /**
   * The capacity seam's warm floor: the region keeps this many vCPUs of warm workers while idle. Lowering
   * it drains idle workers at once; workers running jobs stay until their jobs end. This machine has one
   * disk, so a scratch class other than `standard` has no compute of its own here: its floor changes nothing.
   */
  async setWarmVcpus(regionName: string, vcpus: number, scratch: ScratchClass = 'standard'): Promise<void> {
    const region = this.#regions.get(regionName);
    if (!region)
      throw new ExecutorStateError(`unknown region ${regionName}; the local Batch executor has [${[...this.#regions.keys()].join(', ')}]`);
    if (!Number.isInteger(vcpus) || vcpus < 0)
      throw new ExecutorError(`warm vCPUs for ${regionName} must be a whole number >= 0, got ${vcpus}`);
    if (scratch !== 'standard') return;
    this.#warmVcpus.set(regionName, Math.min(vcpus, region.vcpus));
    this.#scaleWorkers();
  }

  /** The warm worker processes (empty without the `warmWorkers` option). */
  warmWorkers(): WarmWorkerInfo[] {
    return this.#workers?.list() ?? [];
  }

  /** Resolves with the job's description once it is SUCCEEDED or FAILED. */
  waitUntilDone(jobId: string): Promise<JobDescription> {
    const job = this.#jobs.get(jobId);
    if (!job) return Promise.reject(new ExecutorStateError(`no job ${jobId} in the local Batch executor`));
    return job.settled;
  }

  /** Absolute path of an attempt's combined stdout/stderr log (of the first job of that name, see `folder`). */
  logPath(jobName: string, attempt: number): string {
    return this.#logFile(jobName, attempt);
  }

  #logFile(folder: string, attempt: number): string {
    return join(this.#logDir, folder, `attempt-${attempt}.log`);
  }

  /**
   * {@link JobLogs} on this machine: the attempt's log file (every container's stdout and stderr, in the order
   * written), from byte offset `after`. While the attempt runs, a line still being written waits for its
   * newline; once it ended, the last line is returned without one. Logs outlive the runtime process, so a job
   * of an earlier `landfall up` on the same state dir is read the same way.
   */
  async readAttemptLog(ref: JobLogRef, options: { after?: string; limit?: number } = {}): Promise<JobLogPage | undefined> {
    const start = Number(options.after ?? 0);
    if (!Number.isSafeInteger(start) || start < 0) throw new ExecutorError(`log cursor must be a byte offset, got ${options.after}`);
    let file: Awaited<ReturnType<typeof open>>;
    try {
      file = await open(this.#logFile(this.#jobs.get(ref.jobId)?.folder ?? ref.jobName, ref.attempt), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await file.stat();
      const length = Math.max(0, Math.min(size - start, LOG_PAGE_BYTES));
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, start);
      const writing = this.#jobs.get(ref.jobId)?.current?.number === ref.attempt;
      const lastNewline = buffer.lastIndexOf(10);
      const more = start + length < size;
      // Whole lines only while more follows or the attempt still writes (a line over a page is cut).
      const complete = (writing || more) && lastNewline >= 0 ? lastNewline + 1 : more || !writing ? length : 0;
      const lines = buffer.subarray(0, complete).toString('utf8').split('\n');
      if (lines.at(-1) === '') lines.pop();
      const limit = options.limit ?? JOB_LOG_PAGE_LINES;
      if (lines.length <= limit) return { lines, next: String(start + complete) };
      const kept = lines.slice(0, limit);
      return { lines: kept, next: String(start + Buffer.byteLength(`${kept.join('\n')}\n`)) };
    } finally {
      await file.close();
    }
  }

  /**
   * Fault hook: the job's host disappears (spot interruption). Its process group is SIGKILLed and the attempt
   * ends with "Host EC2 (instance i-…) terminated." (or `reason`); the usual retry rules apply.
   * @returns false when the job has no attempt in STARTING or RUNNING.
   */
  killJob(jobId: string, options: { reason?: string } = {}): boolean {
    const attempt = this.#jobs.get(jobId)?.current;
    if (!attempt) return false;
    const statusReason = options.reason ?? STATUS_REASONS.hostTerminated(attempt.region.instanceId);
    return this.#endAttempt(attempt, { kind: 'host-terminated', statusReason, stoppedAt: Date.now() }, 'SIGKILL');
  }

  /** The job seam's TerminateJob (see {@link terminateJob}). */
  async terminate(jobId: string, reason: string): Promise<void> {
    this.terminateJob(jobId, reason);
  }

  /**
   * TerminateJob: a queued job fails at once; a running one gets SIGTERM, SIGKILL after the grace period, and
   * is not retried. @returns false when the job is unknown or already finished.
   */
  terminateJob(jobId: string, reason: string): boolean {
    const job = this.#jobs.get(jobId);
    if (!job || TERMINAL.has(job.status)) return false;
    if (job.current) return this.#endAttempt(job.current, { kind: 'terminated', statusReason: reason, stoppedAt: Date.now() }, 'SIGTERM');
    this.#finish(job, 'FAILED', reason, undefined, Date.now());
    return true;
  }

  /**
   * Fault hook: a region goes down (its running jobs lose their host and follow the retry rules; nothing is
   * dispatched there) or comes back (dispatch resumes).
   */
  setRegionDown(regionName: string, down: boolean): void {
    const region = this.#regions.get(regionName);
    if (!region)
      throw new ExecutorStateError(`unknown region ${regionName}; the local Batch executor has [${[...this.#regions.keys()].join(', ')}]`);
    region.down = down;
    if (down) {
      for (const job of this.#jobs.values()) {
        if (job.current?.region === region) this.killJob(job.jobId);
      }
    } else {
      this.#dispatch();
    }
  }

  #validate(spec: JobSpec): void {
    const name = String(spec.jobName);
    const check = (ok: boolean, field: string, expected: string, found: unknown): void => {
      if (!ok) throw new JobSpecError(name, field, expected, found);
    };
    check(JOB_NAME.test(name), 'jobName', '1-128 letters, digits, - or _, starting with a letter or digit', spec.jobName);
    const region = this.#regions.get(spec.region);
    check(region !== undefined, 'region', `one of [${[...this.#regions.keys()].join(', ')}]`, spec.region);
    check(typeof spec.jobQueue === 'string' && spec.jobQueue.length > 0, 'jobQueue', 'a queue name or ARN', spec.jobQueue);
    check(
      typeof spec.jobDefinition === 'string' && spec.jobDefinition.length > 0,
      'jobDefinition',
      'a definition name or ARN',
      spec.jobDefinition,
    );
    check(
      Array.isArray(spec.command) && spec.command.length > 0 && spec.command.every((part) => typeof part === 'string'),
      'command',
      'a non-empty array of strings',
      spec.command,
    );
    check(Number.isFinite(spec.vcpus) && spec.vcpus > 0, 'vcpus', 'a number > 0', spec.vcpus);
    check(Number.isInteger(spec.memoryMiB) && spec.memoryMiB > 0, 'memoryMiB', 'an integer > 0', spec.memoryMiB);
    check(Number.isFinite(spec.timeoutSeconds) && spec.timeoutSeconds > 0, 'timeoutSeconds', 'a number > 0', spec.timeoutSeconds);
    check(
      Number.isInteger(spec.attempts) && spec.attempts >= 1 && spec.attempts <= 10,
      'attempts',
      'an integer from 1 to 10',
      spec.attempts,
    );
    check(spec.priority === undefined || Number.isInteger(spec.priority), 'priority', 'an integer', spec.priority);
    for (const [key, value] of Object.entries(spec.environment ?? {})) {
      check(!key.startsWith('AWS_BATCH'), `environment.${key}`, 'a name not starting with AWS_BATCH (reserved by Batch)', key);
      check(typeof value === 'string', `environment.${key}`, 'a string', value);
    }
    if (region && !region.canEverFit(spec.vcpus, spec.memoryMiB)) {
      throw new JobSpecError(
        name,
        'vcpus/memoryMiB',
        `at most ${region.vcpus} vCPUs and ${region.memoryMiB} MiB, the capacity of local region ${region.name} (it would wait in RUNNABLE forever)`,
        { vcpus: spec.vcpus, memoryMiB: spec.memoryMiB },
      );
    }
  }

  #makeRunnable(job: JobRecord): void {
    job.queueSeq = ++this.#queueSeq;
    job.statusReason = undefined;
    this.#transition(job, 'RUNNABLE');
  }

  /** Places RUNNABLE jobs, highest priority first and FIFO within a priority, wherever they fit (smaller jobs may pass a big one that does not fit yet). */
  #dispatch(): void {
    this.#scaleWorkers();
    if (!this.#started || this.#paused || this.#stopping) return;
    this.#grantWaitingCompute();
    const queued = [...this.#jobs.values()].filter((job) => job.status === 'RUNNABLE').sort(byPriority);
    for (const job of queued) {
      const region = this.#regions.get(job.spec.region);
      if (!region) continue;
      if (region.fits(job.spec.vcpus, job.spec.memoryMiB)) this.#launch(job, region, 'held');
      else if (job.spec.containers && !region.down && this.#mayStageAhead(region, job.spec.vcpus)) this.#launch(job, region, 'ahead');
    }
    this.#keepSpareRunner();
  }

  /** Attempts launched in `region` ahead of their compute (staging inputs, or staged and waiting): how many, how many vCPUs. */
  #stagedAhead(region: RegionCapacity): { count: number; vcpus: number } {
    const ahead = { count: 0, vcpus: 0 };
    for (const job of this.#jobs.values()) {
      if (job.current?.region !== region || job.current.compute !== 'ahead') continue;
      ahead.count += 1;
      ahead.vcpus += job.spec.vcpus;
    }
    return ahead;
  }

  #mayStageAhead(region: RegionCapacity, vcpus: number): boolean {
    const ahead = this.#stagedAhead(region);
    return ahead.count < MAX_STAGED_AHEAD && ahead.vcpus + vcpus <= region.vcpus;
  }

  /** Gives freed compute to attempts whose inputs are staged, highest priority first, before any queued job. */
  #grantWaitingCompute(): void {
    const waiting = [...this.#jobs.values()].filter((job) => job.current?.waitsForCompute).sort(byPriority);
    for (const job of waiting) {
      const attempt = job.current!;
      // Ending (stopped, timed out, its host gone): its task starts no tool, and its close clears the wait.
      if (attempt.end) continue;
      if (attempt.compute === 'ahead') {
        if (!attempt.region.fits(job.spec.vcpus, job.spec.memoryMiB)) continue;
        attempt.region.reserve(job.spec.vcpus, job.spec.memoryMiB);
        attempt.compute = 'held';
      }
      this.#grantCompute(job, attempt);
    }
  }

  #grantCompute(job: JobRecord, attempt: RunningAttempt): void {
    attempt.waitsForCompute = false;
    if (attempt.spawned && job.status === 'STARTING') this.#begin(job, attempt);
    try {
      attempt.child?.send({ type: 'granted' });
    } catch {
      // The runner is gone: its close ends the attempt.
    }
  }

  /** The attempt runs: RUNNING, and its timeout counts from now. */
  #begin(job: JobRecord, attempt: RunningAttempt): void {
    const now = Date.now();
    attempt.startedAt = now;
    job.startedAt = now;
    this.#transition(job, 'RUNNING');
    attempt.timeoutTimer = setTimeout(
      () => this.#endAttempt(attempt, { kind: 'timeout', statusReason: STATUS_REASONS.timeout, stoppedAt: Date.now() }, 'SIGTERM'),
      job.spec.timeoutSeconds * 1000,
    );
  }

  /** Gives back what the attempt holds of its region (once). */
  #releaseCompute(job: JobRecord, attempt: RunningAttempt): void {
    if (attempt.compute !== 'held') return;
    attempt.compute = 'released';
    attempt.region.release(job.spec.vcpus, job.spec.memoryMiB);
  }

  /**
   * Keeps one task runner waiting while multi-container jobs are queued or running (the next one is likely near:
   * a step's successor is submitted as it ends), and none otherwise: an idle runtime holds no spare process.
   */
  #keepSpareRunner(): void {
    const wanted =
      !this.#stopping &&
      [...this.#jobs.values()].some((job) => job.spec.containers && (job.status === 'RUNNABLE' || job.current !== undefined));
    if (!wanted) {
      this.#dropSpareRunner();
      return;
    }
    if (this.#spareRunner) return;
    const child = this.#spawnTaskRunner();
    // A spare holds nothing open: it must not keep a process alive that would otherwise exit.
    child.unref();
    child.channel?.unref();
    const forget = () => {
      if (this.#spareRunner?.child === child) this.#spareRunner = undefined;
    };
    child.once('exit', forget);
    child.once('error', forget);
    this.#spareRunner = { child, forget };
  }

  #dropSpareRunner(): void {
    const pid = this.#spareRunner?.child.pid;
    this.#spareRunner = undefined;
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  }

  /** The spare task runner when it is alive, else a new one. */
  #takeTaskRunner(): ChildProcess {
    const spare = this.#spareRunner;
    this.#spareRunner = undefined;
    if (spare?.child.connected && spare.child.exitCode === null && spare.child.signalCode === null) {
      spare.child.off('exit', spare.forget);
      spare.child.off('error', spare.forget);
      spare.child.ref();
      spare.child.channel?.ref();
      return spare.child;
    }
    if (spare?.child.pid !== undefined) killGroup(spare.child.pid, 'SIGKILL');
    return this.#spawnTaskRunner();
  }

  #spawnTaskRunner(): ChildProcess {
    return spawn(process.execPath, [TASK_RUNNER], { cwd: this.#cwd, detached: true, stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  }

  /**
   * Workers per region: enough for the vCPUs in use and queued (like Batch's desired vCPUs), at least the
   * warm floor, at most the region's capacity. Runs after every change of work or floor.
   */
  #scaleWorkers(): void {
    if (!this.#workers || this.#stopping) return;
    for (const region of this.#regions.values()) {
      const queued = [...this.#jobs.values()]
        .filter((job) => job.status === 'RUNNABLE' && job.spec.region === region.name)
        .reduce((sum, job) => sum + job.spec.vcpus, 0);
      const demand = region.vcpusInUse + (region.down ? 0 : queued + this.#stagedAhead(region).vcpus);
      const desired = Math.min(region.vcpus, Math.ceil(Math.max(this.#warmVcpus.get(region.name) ?? 0, demand)));
      this.#workers.scaleTo(region.name, desired);
    }
  }

  /**
   * Starts an attempt. `held`: with its vCPUs and memory reserved now. `ahead` (multi-container jobs only, while
   * the region is full): its stage-in runs now on the runtime's stager and its tool waits for the compute, so
   * the tool can start the moment another job's tool ends; the job stays STARTING until then.
   */
  #launch(job: JobRecord, region: RegionCapacity, compute: 'held' | 'ahead'): void {
    if (compute === 'held') region.reserve(job.spec.vcpus, job.spec.memoryMiB);
    const number = job.attempts.length + 1;
    let markClosed!: () => void;
    const closed = new Promise<void>((resolvePromise) => (markClosed = resolvePromise));
    const attempt: RunningAttempt = {
      number,
      region,
      compute,
      waitsForCompute: false,
      spawned: false,
      logStreamName: `${job.folder}/attempt-${number}`,
      isClosed: false,
      closed,
      markClosed,
    };
    job.current = attempt;
    this.#transition(job, 'STARTING');

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_REGION: region.name,
      AWS_DEFAULT_REGION: region.name,
      ...job.spec.environment,
      AWS_BATCH_JOB_ID: job.jobId,
      AWS_BATCH_JOB_ATTEMPT: String(number),
      AWS_BATCH_JQ_NAME: jobQueueName(job.spec.jobQueue),
      AWS_BATCH_CE_NAME: this.#computeEnvironmentName(region.name),
      LANDFALL_REGION: region.name,
    };
    let logFd: number | undefined;
    try {
      const logFile = this.#logFile(job.folder, number);
      mkdirSync(dirname(logFile), { recursive: true });
      logFd = openSync(logFile, 'w');
      let child: ChildProcess;
      if (job.spec.containers) {
        // A task runner (the spare, usually) is its own watchdog: it appends to the log it is handed.
        const task = this.#taskSpec(job, number, env);
        child = this.#takeTaskRunner();
        child.send({ type: 'run', spec: task, env, logFile });
      } else {
        child = spawn(process.execPath, [WATCHDOG, JSON.stringify(this.#aliased(job.spec.command))], {
          cwd: this.#cwd,
          env,
          detached: true,
          stdio: ['ignore', logFd, logFd, 'ipc'],
        });
      }
      attempt.child = child;
      child.on('message', (message: WatchdogMessage) => this.#onWatchdogMessage(job, attempt, message));
      child.on('error', (error) => {
        attempt.end ??= { kind: 'start-error', statusReason: STATUS_REASONS.cannotStart(error.message), stoppedAt: Date.now() };
      });
      child.on('close', (code, signal) => this.#onAttemptClosed(job, attempt, code, signal));
      if (child.pid !== undefined) {
        attempt.pgid = child.pid;
        const startTicks = processStartTicks(child.pid);
        this.#runningEntries.set(job.jobId, {
          jobId: job.jobId,
          jobName: job.spec.jobName,
          attempt: number,
          pid: child.pid,
          pgid: child.pid,
          startedAt: Date.now(),
          ...(startTicks !== undefined && { startTicks }),
        });
        this.#persistRunning();
      }
    } catch (error) {
      // Could not open the log, spawn, or record the group: the attempt fails to start, and a process that
      // did start is killed rather than left running untracked.
      attempt.end ??= { kind: 'start-error', statusReason: STATUS_REASONS.cannotStart(String(error)), stoppedAt: Date.now() };
      if (attempt.pgid !== undefined) killGroup(attempt.pgid, 'SIGKILL');
      if (!attempt.child) queueMicrotask(() => this.#onAttemptClosed(job, attempt, null, null));
    } finally {
      if (logFd !== undefined) closeSync(logFd);
    }
  }

  /** `command[0]` → the argv prefix it stands for on this machine (`landfall-step` → node + tsx + the program). */
  #aliased(command: readonly string[]): string[] {
    const [head = '', ...rest] = command;
    return [...(this.#aliases[head] ?? [head]), ...rest];
  }

  /** Host folder of an attempt of a multi-container job: its shared volume and its containers' stderr tails. */
  #attemptDir(folder: string, attempt: number): string {
    return join(this.#stateDir, 'executor', 'tasks', folder, `attempt-${attempt}`);
  }

  /**
   * A multi-container job runs as the task runner (taskRunner.mjs), whose containers are host processes. Host
   * processes share one file system, so the task's shared volume is a fresh folder per attempt, and its
   * container path (e.g. `/landfall`) is rewritten to that folder in every argv element and environment value.
   */
  #taskSpec(job: JobRecord, attempt: number, env: NodeJS.ProcessEnv): TaskRunnerSpec {
    const { spec } = job;
    const dir = this.#attemptDir(job.folder, attempt);
    rmSync(dir, { recursive: true, force: true });
    const volume = join(dir, 'volume');
    mkdirSync(volume, { recursive: true });
    const mount = spec.sharedVolume;
    const rewrite = (text: string) => (mount ? rewriteMountPath(text, mount, volume) : text);
    for (const [name, value] of Object.entries(spec.environment ?? {})) env[name] = rewrite(value);
    const containers = (spec.containers ?? []).map((container) => ({
      name: container.name,
      essential: container.essential,
      dependsOn: container.dependsOn ?? [],
      // Landfall's own phases (the whole command is the program): run by the stager when there is one.
      ...(container.command.length === 1 && STAGE_PHASES[container.command[0]!] && { phase: STAGE_PHASES[container.command[0]!] }),
      argv: this.#aliased(container.command).map(rewrite),
      env: Object.fromEntries(
        Object.entries({ ...container.environment, ...(mount && { LANDFALL_VOLUME: mount }) }).map(([name, value]) => [
          name,
          rewrite(value),
        ]),
      ),
    }));
    // The stager's token goes in the job environment the task runner is sent over its IPC channel (argv would
    // show it to every user of the machine); the runner keeps it from every container.
    if (this.#stager) env[STAGER_TOKEN_ENV] = this.#stager.token;
    return { containers, tailDir: join(dir, 'tails'), computeGate: true, ...(this.#stager && { stager: { url: this.#stager.url } }) };
  }

  #onWatchdogMessage(job: JobRecord, attempt: RunningAttempt, message: WatchdogMessage): void {
    const now = Date.now();
    if (message.type === 'spawned') {
      if (attempt.end) return;
      attempt.spawned = true;
      if (attempt.compute !== 'ahead') this.#begin(job, attempt);
    } else if (message.type === 'acquire') {
      if (attempt.end || attempt.compute === 'released') return;
      attempt.waitsForCompute = true;
      if (attempt.compute === 'held') this.#grantCompute(job, attempt);
      else this.#dispatch();
    } else if (message.type === 'release') {
      this.#releaseCompute(job, attempt);
      this.#dispatch();
    } else if (message.type === 'exit') {
      const exitCode = message.code ?? signalExitCode(message.signal);
      attempt.end ??= { kind: 'exit', exitCode, statusReason: STATUS_REASONS.containerExited, stoppedAt: now };
    } else if (message.type === 'error') {
      attempt.end ??= { kind: 'start-error', statusReason: STATUS_REASONS.cannotStart(message.message), stoppedAt: now };
    }
  }

  /** Records why the attempt ends (first reason wins) and signals its group; SIGKILL follows after the grace period. */
  #endAttempt(attempt: RunningAttempt, end: AttemptEnd, signal: NodeJS.Signals, graceMs = this.#killGraceMs): boolean {
    if (attempt.end || attempt.isClosed) return false;
    attempt.end = end;
    clearTimeout(attempt.timeoutTimer);
    const pgid = attempt.pgid;
    if (pgid === undefined) return true;
    killGroup(pgid, signal);
    if (signal !== 'SIGKILL') {
      attempt.killTimer = setTimeout(() => {
        if (!attempt.isClosed) killGroup(pgid, 'SIGKILL');
      }, graceMs);
    }
    return true;
  }

  #onAttemptClosed(job: JobRecord, attempt: RunningAttempt, code: number | null, signal: NodeJS.Signals | null): void {
    if (attempt.isClosed) return;
    attempt.isClosed = true;
    clearTimeout(attempt.timeoutTimer);
    clearTimeout(attempt.killTimer);
    // The watchdog kills its group before it exits; this covers a watchdog that was itself killed.
    if (attempt.pgid !== undefined) killGroup(attempt.pgid, 'SIGKILL');
    if (this.#runningEntries.delete(job.jobId)) this.#persistRunning();
    attempt.waitsForCompute = false;
    this.#releaseCompute(job, attempt);
    // The attempt's volume is scratch: gone with the task, as in Batch.
    // Not synchronously, and never throwing: a phase the stager was running for this attempt may still be writing
    // into the volume (its job was killed mid-phase), and a removal racing it fails with ENOTEMPTY; the stager
    // removes what such a phase wrote once it ends (stagerThread.ts).
    if (job.spec.containers)
      void rm(this.#attemptDir(job.folder, attempt.number), { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(
        () => undefined,
      );

    const end = attempt.end ?? {
      kind: 'exit' as const,
      exitCode: code ?? signalExitCode(signal),
      statusReason: STATUS_REASONS.containerExited,
      stoppedAt: Date.now(),
    };
    job.current = undefined;
    job.attempts.push({
      ...(attempt.startedAt !== undefined && { startedAt: attempt.startedAt }),
      stoppedAt: end.stoppedAt,
      ...(end.exitCode !== undefined && { exitCode: end.exitCode }),
      statusReason: end.statusReason,
      logStreamName: attempt.logStreamName,
    });
    attempt.markClosed();

    if (end.kind === 'stopped') {
      this.#finish(job, 'FAILED', end.statusReason, end.exitCode, end.stoppedAt, { silent: true });
    } else if (end.kind === 'exit' && end.exitCode === 0) {
      this.#finish(job, 'SUCCEEDED', end.statusReason, 0, end.stoppedAt);
    } else {
      const action =
        end.kind === 'terminated'
          ? 'EXIT'
          : decideAttemptAction(
              {
                attempt: attempt.number,
                maxAttempts: job.spec.attempts,
                statusReason: end.statusReason,
                timedOut: end.kind === 'timeout',
                ...(end.exitCode !== undefined && { exitCode: end.exitCode }),
              },
              job.spec.evaluateOnExit,
            );
      if (action === 'RETRY') this.#makeRunnable(job);
      else this.#finish(job, 'FAILED', end.statusReason, end.exitCode, end.stoppedAt);
    }
    this.#dispatch();
  }

  #finish(
    job: JobRecord,
    status: 'SUCCEEDED' | 'FAILED',
    statusReason: string,
    exitCode: number | undefined,
    stoppedAt: number,
    options: { silent?: boolean } = {},
  ): void {
    job.statusReason = statusReason;
    job.exitCode = exitCode;
    job.stoppedAt = stoppedAt;
    this.#transition(job, status, options);
    job.settle(this.#description(job));
  }

  #transition(job: JobRecord, status: JobStatus, options: { silent?: boolean } = {}): void {
    job.status = status;
    if (options.silent) return;
    const { spec } = job;
    const event = batchJobStateChange({
      accountId: this.#accountId,
      region: spec.region,
      jobId: job.jobId,
      jobName: spec.jobName,
      jobQueue: spec.jobQueue,
      jobDefinition: spec.jobDefinition,
      status,
      ...(job.statusReason !== undefined && { statusReason: job.statusReason }),
      attempts: job.attempts,
      createdAt: job.createdAt,
      ...(job.startedAt !== undefined && { startedAt: job.startedAt }),
      ...(job.stoppedAt !== undefined && { stoppedAt: job.stoppedAt }),
      ...(job.exitCode !== undefined && { exitCode: job.exitCode }),
      command: spec.command,
      environment: spec.environment,
      vcpus: spec.vcpus,
      memoryMiB: spec.memoryMiB,
      timeoutSeconds: spec.timeoutSeconds,
      retryAttempts: spec.attempts,
      ...(spec.evaluateOnExit && { evaluateOnExit: spec.evaluateOnExit }),
    });
    // One chain for all jobs: consumers see each job's transitions in order, even when onStateChange is slow.
    this.#emitChain = this.#emitChain.then(() => this.#onStateChange(event)).catch((error: unknown) => this.#onEmitError(error, event));
  }

  #description(job: JobRecord): JobDescription {
    return structuredClone({
      jobId: job.jobId,
      jobArn: jobArn(job.spec.region, this.#accountId, job.jobId),
      jobName: job.spec.jobName,
      jobQueue: job.spec.jobQueue,
      region: job.spec.region,
      status: job.status,
      ...(job.statusReason !== undefined && { statusReason: job.statusReason }),
      attempts: job.attempts,
      createdAt: job.createdAt,
      ...(job.startedAt !== undefined && { startedAt: job.startedAt }),
      ...(job.stoppedAt !== undefined && { stoppedAt: job.stoppedAt }),
      ...(job.exitCode !== undefined && { exitCode: job.exitCode }),
    });
  }

  #persistRunning(): void {
    writeRunningJobs(this.#stateDir, [...this.#runningEntries.values()]);
  }
}

/** What a task runner is sent to run (taskRunner.mjs). */
interface TaskRunnerSpec {
  containers: Array<{
    name: string;
    essential: boolean;
    dependsOn: Array<{ containerName: string; condition: string }>;
    phase?: string;
    argv: string[];
    env: Record<string, string>;
  }>;
  tailDir: string;
  stager?: { url: string };
  /** Tool containers wait for the job's compute and give it back when they end (taskRunner.mjs). */
  computeGate: boolean;
}

/** From a job watchdog (jobWatchdog.mjs) or a task runner (taskRunner.mjs), which watches its own job. */
type WatchdogMessage =
  | { type: 'spawned'; pid: number }
  | { type: 'acquire' }
  | { type: 'release' }
  | { type: 'exit'; code: number | null; signal: NodeJS.Signals | null }
  | { type: 'error'; code?: string; message: string };

/** Docker's convention for a process killed by a signal: 128 + the signal number (SIGKILL → 137). */
function signalExitCode(signal: NodeJS.Signals | null): number {
  return 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
}

/**
 * `text` with every path that starts at the container mount point `mount` (e.g. `/landfall/out/x`, or `/landfall`
 * alone) moved under `hostFolder`. A path only matches whole: `/landfallen` or `x/landfall/` are left alone.
 */
export function rewriteMountPath(text: string, mount: string, hostFolder: string): string {
  const escaped = mount.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return text.replace(
    new RegExp(`(^|[^A-Za-z0-9_.\\/-])${escaped}(?=$|/|[^A-Za-z0-9_.-])`, 'g'),
    (_match, before: string) => `${before}${hostFolder}`,
  );
}
