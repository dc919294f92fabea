import { RunFactEvent } from '../contracts/events/landfall.ts';
import { updateRunIndex } from './publishing/updateRunIndex.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Rule `index-run` (a step published, a sample ended) → {@link updateRunIndex}. */
export const handler = lambdaHandler(async (event) => updateRunIndex(await services(), event), RunFactEvent);
