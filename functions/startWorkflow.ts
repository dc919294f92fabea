import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { startAutomaticExecution } from './workflow/startVersionExecution.ts';

export const SampleCatalogedEvent = eventEnvelope(LANDFALL_SOURCE, 'Sample Cataloged', landfallEventDetails['Sample Cataloged']);

/** Rule `start-cataloged-sample` ("Sample Cataloged") → {@link startAutomaticExecution}. */
export const handler = lambdaHandler(
  async ({ detail: { team, runId, sampleId, version } }) => startAutomaticExecution(await services(), { team, runId, sampleId, version }),
  SampleCatalogedEvent,
);
