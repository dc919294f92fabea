import { AlarmStateChangeEvent } from '../contracts/events/cloudwatch.ts';
import { scaleDownRegion } from './alarms/scaleDownRegion.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

/** Rule `scale-down-idle-region` (an inactivity alarm's state change) → {@link scaleDownRegion}. */
export const handler = lambdaHandler(async (event) => scaleDownRegion(await services(), event), AlarmStateChangeEvent);
