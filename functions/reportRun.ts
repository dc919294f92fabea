import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { writeRunReport } from './reporting/writeRunReport.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

const RunCompletedEvent = eventEnvelope(LANDFALL_SOURCE, 'Run Completed', landfallEventDetails['Run Completed']);

/** Rule `report-run` ("Run Completed") → {@link writeRunReport}. */
export const handler = lambdaHandler(async (event) => writeRunReport(await services(), event.detail), RunCompletedEvent);
