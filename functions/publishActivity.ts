import { ScheduledEvent } from '../contracts/events/scheduled.ts';
import { publishRegionActivity } from './alarms/publishRegionActivity.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Schedule `publish-region-activity` (every idle period) → {@link publishRegionActivity}. */
export const handler = lambdaHandler(async (event) => publishRegionActivity(await services(), event), ScheduledEvent);
