import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { validateLandedFile } from './validation/validateLandedFile.ts';

export const FileLandedEvent = eventEnvelope(LANDFALL_SOURCE, 'File Landed', landfallEventDetails['File Landed']);

/** Rule `validate-landed-file` ("File Landed") → {@link validateLandedFile}. */
export const handler = lambdaHandler(async (event) => validateLandedFile(await services(), event.detail), FileLandedEvent);
