import type { JobStateChangeEvent } from '../../contracts/events/batch.ts';
import { FailureRecord } from '../../contracts/jobPayload.ts';
import { attemptFailureKey, attemptPrefix } from '../../contracts/workArea.ts';
import { ObjectNotFoundError } from '../../seams/storage/errors.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import { JOB_REPLACED, JOB_STOPPED, jobCost } from './jobCost.ts';
import type { JobRecord } from '../catalog/types.ts';
import type { JobResult } from './payloads.ts';
import { isInfrastructureFailure } from '../placement/regionHealth.ts';
import { onInfrastructureFailure, replaceJob } from '../placement/replaceJob.ts';
import { rebalanceInto } from '../placement/rebalanceInto.ts';
import { counted } from '../../contracts/words.ts';

/** Errors Step Functions answers for a token that was already completed or timed out: a repeat, not a failure. */
const SETTLED_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'TaskDoesNotExistError', 'InvalidToken']);

/**
 * "Batch Job State Change" (SUCCEEDED/FAILED, forwarded from every region to the home bus): completes the
 * waiting workflow task through its token. Duplicate completion events are tolerated.
 */
export async function completeJobTask(svc: Services, event: JobStateChangeEvent) {
  const detail = event.detail;
  const lastAttempt = detail.attempts.at(-1);
  // RUNNABLE matters only as a retry after a lost host: the region's health is judged on those.
  if (detail.status === 'RUNNABLE' && !isInfrastructureFailure(lastAttempt?.statusReason)) return { outcome: 'ignored', reason: 'queued' };
  const job = await svc.catalog.jobs.get(detail.jobName);
  if (!job) return { outcome: 'ignored', reason: `job ${detail.jobName} is not Landfall's` };
  if (detail.status === 'RUNNING') {
    // Placement weighs a running job by its remaining time.
    await svc.catalog.regionLoads.markRunning(job.region, job.jobName, detail.startedAt ?? Date.now());
    return { outcome: 'ignored', reason: 'running' };
  }
  const terminal = detail.status === 'SUCCEEDED' || detail.status === 'FAILED';
  // Every finished job is paid for, whatever happens next (a failure, a re-placement): recorded once per job.
  const cost = terminal ? jobCost(detail, { region: job.region, config: svc.config, transferBytes: job.stagedBytes }) : undefined;
  // A job stopped with its sample (cancelled, or another of its steps failed) ended FAILED in Batch too, but its
  // step says it was stopped (stopVersionJobs marks it first): not its own failure, and nothing waits for it.
  const stopped = detail.status === 'FAILED' && (await stoppedWithItsSample(svc, job));
  // A job stopped to move it elsewhere ended FAILED in Batch, but it is a re-placement, not a failure (issue 19).
  if (cost)
    await svc.catalog.costs.record(job, job.step, job.jobName, {
      ...cost,
      status: job.replacedBy ? JOB_REPLACED : stopped ? JOB_STOPPED : detail.status,
    });
  if (job.replacedBy) {
    await svc.catalog.regionLoads.release(job.region, job.jobName);
    return { outcome: 'ignored', reason: `job ${job.jobName} was re-placed as ${job.replacedBy}` };
  }
  if (detail.status === 'SUCCEEDED' || detail.status === 'FAILED') await svc.catalog.regionLoads.release(job.region, job.jobName);
  if (stopped) return { outcome: 'ignored', reason: `job ${job.jobName} was stopped with its sample` };
  if (isInfrastructureFailure(lastAttempt?.statusReason) && detail.status !== 'SUCCEEDED') {
    // Once per lost attempt, however often the event is delivered.
    const fact = `infra:${detail.jobId}:${detail.attempts.length}`;
    if (await svc.catalog.facts.claim(fact, 'Infrastructure Failure')) {
      const moved = await onInfrastructureFailure(svc, job.region);
      // Done: never acted on again (a claim left unmarked by a process that died is taken again later).
      await svc.catalog.facts.markPublished(fact);
      if (moved.includes(job.jobName)) return { outcome: 're-placed', reason: `region ${job.region} is unhealthy` };
    }
    // Out of attempts on a lost host: the step is not at fault, so it runs elsewhere rather than failing.
    if (detail.status === 'FAILED' && (await replaceJob(svc, job.jobName, detail.statusReason ?? 'host terminated')))
      return { outcome: 're-placed', reason: 'attempts ran out on lost hosts' };
    if (detail.status === 'RUNNABLE') return { outcome: 'retrying' };
  }
  const attempt = Math.max(1, detail.attempts.length);
  try {
    if (detail.status === 'SUCCEEDED') {
      const result: JobResult = {
        jobId: detail.jobId,
        jobName: detail.jobName,
        region: job.region,
        attempt,
        workBucket: job.workBucket,
        workPrefix: attemptPrefix(job.workPrefix, attempt),
        cost,
      };
      await svc.workflows.sendTaskSuccess(job.taskToken, result);
    } else if (detail.status === 'FAILED') {
      const failure = await readFailureRecord(svc, job.workBucket, attemptFailureKey(job.workPrefix, attempt));
      const error = failure ? failureSummary(job.step, failure) : (detail.statusReason ?? 'no reason given');
      // A failed job never erases a publication of its step (an ended execution's job that published it).
      await svc.catalog.steps.put(
        {
          ...job,
          status: 'FAILED',
          jobId: detail.jobId,
          attempt,
          cost,
          error,
          ...(failure && { logTail: failure.logTail }),
        },
        { unlessPublished: true },
      );
      const lastLine = failure && errorLine(failure.logTail);
      await svc.workflows.sendTaskFailure(
        job.taskToken,
        'Landfall.JobFailed',
        `${job.step} failed after ${counted(attempt, 'attempt')}: ${error}${lastLine ? `: ${lastLine}` : ''}`,
      );
    } else {
      return { outcome: 'ignored', reason: `status ${detail.status}` };
    }
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (!SETTLED_TOKEN_ERRORS.has(name)) throw error;
    logger.info('job completion for a task that was already settled', { jobName: detail.jobName, status: detail.status });
    return { outcome: 'duplicate' };
  }
  // Capacity freed here: queued work that would wait longer elsewhere may move in. Best effort: the task
  // is already completed, and the next completion tries again.
  const moved = await rebalanceInto(svc, job.region).catch((error: unknown) => {
    logger.warn('rebalancing after a completion failed', { region: job.region, error: String(error) });
    return [];
  });
  return { outcome: 'completed', status: detail.status, ...(moved.length > 0 && { moved }) };
}

/**
 * What stage-out recorded when a phase of the job failed (contracts/jobPayload.ts `FailureRecord`), or
 * undefined when it recorded nothing: a timeout or a lost host ends the task before stage-out runs.
 */
export async function readFailureRecord(svc: Pick<Services, 'storage'>, bucket: string, key: string): Promise<FailureRecord | undefined> {
  let text: string;
  try {
    text = (await svc.storage.getBytes(bucket, key)).toString('utf8');
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
  const parsed = FailureRecord.safeParse(JSON.parse(text));
  if (!parsed.success) {
    logger.warn('a failure record does not have the agreed shape', { bucket, key, issues: parsed.error.message });
    return undefined;
  }
  return parsed.data;
}

/** One line saying which container of a step's job failed and how. */
export function failureSummary(step: string, failure: FailureRecord): string {
  const who =
    failure.container === 'tool'
      ? `the ${step} command`
      : failure.container === 'stage-in'
        ? 'stage-in (fetching its inputs)'
        : failure.container;
  return `${who} exited with code ${failure.exitCode}`;
}

/**
 * The line of a failing program's output that says what went wrong: the last one that is not a stack frame
 * (`    at …`), Node's version banner or a caret marker, so a sample's one-line status shows the error itself.
 */
export function errorLine(lines: readonly string[]): string | undefined {
  const noise = [/^\s+at /, /^Node\.js v\d/, /^\s*\^+\s*$/, /^\s*[{}]\s*$/];
  return [...lines].reverse().find((line) => !noise.some((pattern) => pattern.test(line))) ?? lines.at(-1);
}

/** Whether the job's step was stopped with its sample (its record says so, for this very job). */
async function stoppedWithItsSample(svc: Services, job: JobRecord): Promise<boolean> {
  const step = await svc.catalog.steps.get(job, job.step);
  return step?.stopped === true && step.jobName === job.jobName;
}
