import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { finishRunSteps } from './workflow/finishRunSteps.ts';
import { FinishSamplePayload } from './workflow/payloads.ts';

/** State machine tasks `Finish run steps` / `Record run steps failure` (a run's run-scope steps) → {@link finishRunSteps}. */
export const handler = lambdaHandler(async (payload) => finishRunSteps(await services(), payload), FinishSamplePayload);
