import { BatchJobStateChangeEvent } from '../contracts/events/batch.ts';
import { recordRegionWokeUp } from './alarms/recordRegionWokeUp.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Rule `region-woke-up` (a job RUNNING) → {@link recordRegionWokeUp}. */
export const handler = lambdaHandler(async (event) => recordRegionWokeUp(await services(), event), BatchJobStateChangeEvent);
