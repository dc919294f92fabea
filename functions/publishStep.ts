import { publishStepOutputs } from './publishing/publishStepOutputs.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { PublishStepPayload } from './workflow/payloads.ts';

/** State machine task `Publish <step>` → {@link publishStepOutputs}. */
export const handler = lambdaHandler(async (payload) => publishStepOutputs(await services(), payload), PublishStepPayload);
