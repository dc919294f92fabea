import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { validateLandedSampleOnce } from './validation/validateLandedSample.ts';

export const SampleLandedEvent = eventEnvelope(LANDFALL_SOURCE, 'Sample Landed', landfallEventDetails['Sample Landed']);

/** Rule `validate-landed-sample` ("Sample Landed") → {@link validateLandedSampleOnce}. */
export const handler = lambdaHandler(
  async (event, context) => validateLandedSampleOnce(await services(), event.detail, context),
  SampleLandedEvent,
);
