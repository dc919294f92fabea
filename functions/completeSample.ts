import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { FinishSamplePayload } from './workflow/payloads.ts';
import { completeSample } from './workflow/finishSample.ts';

/** State machine task `Complete sample` → {@link completeSample}. */
export const handler = lambdaHandler(async (payload) => completeSample(await services(), payload), FinishSamplePayload);
