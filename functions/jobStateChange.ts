import { JobStateChangeEvent } from '../contracts/events/batch.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { completeJobTask } from './workflow/completeJobTask.ts';

/** Rule `complete-job-task` (a step job's "Batch Job State Change", from any region) → {@link completeJobTask}. */
export const handler = lambdaHandler(async (event) => completeJobTask(await services(), event), JobStateChangeEvent);
