import { z } from 'zod';
import { type EventBridgeEvent, eventEnvelope, LOCAL_ACCOUNT } from './envelope.ts';

export const SCHEDULE_SOURCE = 'aws.events';
export const SCHEDULED_DETAIL_TYPE = 'Scheduled Event';

/**
 * What an EventBridge schedule rule delivers: `resources` holds the rule's ARN, `detail` is empty.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
export const ScheduledEvent = eventEnvelope(SCHEDULE_SOURCE, SCHEDULED_DETAIL_TYPE, z.object({}).passthrough());
export type ScheduledEvent = z.infer<typeof ScheduledEvent>;

/**
 * The "Scheduled Event" a schedule rule delivers: the embedded runtime's timers publish it for each
 * schedule rule of events/rules.ts. `detail` is empty in AWS; the embedded runtime's first run after a
 * start carries `{ startup: true, startedAt }`, so the sweep knows it runs after a restart.
 */
export function scheduledEvent(rule: {
  region: string;
  ruleName: string;
  account?: string;
  time?: string;
  detail?: Record<string, unknown>;
}): EventBridgeEvent {
  return {
    source: SCHEDULE_SOURCE,
    'detail-type': SCHEDULED_DETAIL_TYPE,
    ...(rule.time !== undefined && { time: rule.time }),
    resources: [`arn:aws:events:${rule.region}:${rule.account ?? LOCAL_ACCOUNT}:rule/${rule.ruleName}`],
    detail: rule.detail ?? {},
  };
}
