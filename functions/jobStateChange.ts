import { BatchJobStateChangeEvent } from '../events/schemas/batch.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { logger } from './shared/powertools.ts';
import { services } from './shared/services.ts';
import type { JobResult } from './workflow/payloads.ts';

/** Errors Step Functions answers for a token that was already completed or timed out: a repeat, not a failure. */
const SETTLED_TOKEN_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'TaskDoesNotExistError', 'InvalidToken']);

/**
 * "Batch Job State Change" (SUCCEEDED/FAILED, forwarded from every region to the home bus): completes the
 * waiting workflow task through its token. Duplicate completion events are tolerated.
 */
export async function completeJobTask(event: BatchJobStateChangeEvent) {
  const svc = await services();
  const detail = event.detail;
  const job = await svc.catalog.getJob(detail.jobName);
  if (!job) return { outcome: 'ignored', reason: `job ${detail.jobName} is not Landfall's` };
  const attempt = Math.max(1, detail.attempts.length);
  try {
    if (detail.status === 'SUCCEEDED') {
      const result: JobResult = {
        jobId: detail.jobId,
        jobName: detail.jobName,
        region: job.region,
        attempt,
        workBucket: job.workBucket,
        workPrefix: `${job.workPrefix}attempt-${attempt}/`,
      };
      await svc.workflows.sendTaskSuccess(job.taskToken, result);
    } else if (detail.status === 'FAILED') {
      await svc.catalog.putStep({ ...job, status: 'FAILED', jobId: detail.jobId, attempt });
      await svc.workflows.sendTaskFailure(job.taskToken, 'Landfall.JobFailed', `${job.step} failed after ${attempt} attempt(s): ${detail.statusReason ?? 'no reason given'}`);
    } else {
      return { outcome: 'ignored', reason: `status ${detail.status}` };
    }
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    if (!SETTLED_TOKEN_ERRORS.has(name)) throw error;
    logger.info('job completion for a task that was already settled', { jobName: detail.jobName, status: detail.status });
    return { outcome: 'duplicate' };
  }
  return { outcome: 'completed', status: detail.status };
}

export const handler = lambdaHandler(completeJobTask, BatchJobStateChangeEvent);
