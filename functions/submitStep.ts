import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { SubmitStepPayload } from './workflow/payloads.ts';
import { submitStepJob } from './workflow/submitStepJob.ts';

/** State machine task `Run <step>` (lambda:invoke.waitForTaskToken) → {@link submitStepJob}. */
export const handler = lambdaHandler(async (payload) => submitStepJob(await services(), payload), SubmitStepPayload);
