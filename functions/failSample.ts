import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { FinishSamplePayload } from './workflow/payloads.ts';
import { failSample } from './workflow/finishSample.ts';

/** State machine task `Record sample failure` → {@link failSample}. */
export const handler = lambdaHandler(async (payload) => failSample(await services(), payload), FinishSamplePayload);
