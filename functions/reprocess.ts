import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { reprocessSamples } from './workflow/reprocessSamples.ts';

export const ReprocessRequestedEvent = eventEnvelope(LANDFALL_SOURCE, 'Reprocess Requested', landfallEventDetails['Reprocess Requested']);

/** Rule `reprocess-requested` (`landfall reprocess`) → {@link reprocessSamples}. */
export const handler = lambdaHandler(async (event) => reprocessSamples(await services(), event), ReprocessRequestedEvent);
