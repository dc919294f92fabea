import { RunFactEvent } from '../contracts/events/landfall.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { releaseHeldSteps } from './workflow/earlySteps.ts';

/** Rule `release-held-steps` (a step published, a sample ended) → {@link releaseHeldSteps}. */
export const handler = lambdaHandler(async (event) => releaseHeldSteps(await services(), event), RunFactEvent);
