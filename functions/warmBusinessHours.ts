import { ScheduledEvent } from '../contracts/events/scheduled.ts';
import { applyBusinessHours } from './alarms/applyBusinessHours.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Schedule `warm-business-hours` → {@link applyBusinessHours}. */
export const handler = lambdaHandler(async (event) => applyBusinessHours(await services(), event), ScheduledEvent);
