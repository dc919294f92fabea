import { z } from 'zod';
import { eventEnvelope } from './envelope.ts';

export const SCHEDULE_SOURCE = 'aws.events';
export const SCHEDULED_DETAIL_TYPE = 'Scheduled Event';

/**
 * What an EventBridge schedule rule delivers: `resources` holds the rule's ARN, `detail` is empty.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
export const ScheduledEvent = eventEnvelope(SCHEDULE_SOURCE, SCHEDULED_DETAIL_TYPE, z.object({}).passthrough());
export type ScheduledEvent = z.infer<typeof ScheduledEvent>;
