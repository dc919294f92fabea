import { RunFactEvent } from '../contracts/events/landfall.ts';
import { indexRunFact } from './publishing/updateRunIndex.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Rule `index-run` (a step published, a sample ended) → {@link indexRunFact}. */
export const handler = lambdaHandler(async (event) => indexRunFact(await services(), event), RunFactEvent);
