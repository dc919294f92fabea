import type { JobStateChangeEvent } from '../../contracts/events/batch.ts';
import { concludeValidation, concludeValidationWithDocuments } from './concludeValidation.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import type { SampleValidation } from '../../validation/validateSample.ts';
import { ValidationJobInput } from '../../contracts/validationJob.ts';
import { validationJobKeys } from './validationJob.ts';

/**
 * "Batch Job State Change" of a validation job (samples too large to validate inside a function):
 * SUCCEEDED catalogs the sample from the job's result, exactly as inline validation does; FAILED leaves
 * it VALIDATING with the reason, and the reconciliation sweep submits it again. Repeats are harmless:
 * the version is claimed by conditional write and each notification is emitted once.
 */
export async function finishValidationJob(svc: Services, event: JobStateChangeEvent) {
  const { jobName, status, statusReason } = event.detail;
  const keys = validationJobKeys(svc.config, jobName);
  const input = ValidationJobInput.parse(JSON.parse((await svc.storage.getBytes(keys.bucket, keys.input)).toString('utf8')));
  if (status === 'FAILED') {
    logger.warn('validation job failed; the sweep retries it', { jobName, statusReason });
    await svc.catalog.samples.setStatus(input.ref, 'VALIDATING', {
      detail: `validation job ${jobName} failed (${statusReason ?? 'no reason given'}); it is retried by the reconciliation sweep`,
    });
    return { outcome: 'job-failed', jobName };
  }
  const result = JSON.parse((await svc.storage.getBytes(keys.bucket, input.resultKey)).toString('utf8')) as SampleValidation;
  return input.checkedDocuments === undefined
    ? concludeValidation(svc, input.ref, result)
    : concludeValidationWithDocuments(svc, input.ref, result, input.checkedDocuments);
}
