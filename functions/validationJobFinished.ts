import { JobStateChangeEvent } from '../contracts/events/batch.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { finishValidationJob } from './validation/finishValidationJob.ts';

/** Rule `validation-job-finished` (a validation job's "Batch Job State Change") → {@link finishValidationJob}. */
export const handler = lambdaHandler(async (event) => finishValidationJob(await services(), event), JobStateChangeEvent);
