import { z } from 'zod';
import { eventEnvelope } from './envelope.ts';

export const CLOUDWATCH_SOURCE = 'aws.cloudwatch';
export const ALARM_STATE_CHANGE_DETAIL_TYPE = 'CloudWatch Alarm State Change';

export const AlarmStateValue = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']);
export type AlarmStateValue = z.infer<typeof AlarmStateValue>;

const AlarmState = z
  .object({
    value: AlarmStateValue,
    reason: z.string(),
    /** JSON text: statistic, period, threshold, the evaluated datapoints. */
    reasonData: z.string().optional(),
    timestamp: z.string(),
  })
  .passthrough();

/**
 * A single-metric alarm changed state. Only the fields Landfall relies on are modelled, the rest pass
 * through. Sample (abridged):
 * ```json
 * { "source": "aws.cloudwatch", "detail-type": "CloudWatch Alarm State Change", "region": "eu-west-1",
 *   "resources": ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:landfall-prod-idle-us-east-1"],
 *   "detail": { "alarmName": "landfall-prod-idle-us-east-1",
 *     "state": { "value": "ALARM", "reason": "Threshold Crossed: 15 out of the last 15 datapoints were …", "timestamp": "2026-11-02T01:15:00.000+0000" },
 *     "previousState": { "value": "OK", "reason": "…", "timestamp": "…" },
 *     "configuration": { "metrics": [{ "id": "…", "metricStat": { "metric": { "namespace": "Landfall", "name": "ActiveJobs",
 *       "dimensions": { "Region": "us-east-1" } }, "period": 60, "stat": "Maximum" }, "returnData": true }] } } }
 * ```
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
 */
export const AlarmStateChangeDetail = z
  .object({
    alarmName: z.string().min(1),
    state: AlarmState,
    previousState: AlarmState,
    configuration: z
      .object({
        description: z.string().optional(),
        metrics: z
          .array(
            z
              .object({
                id: z.string(),
                metricStat: z
                  .object({
                    metric: z
                      .object({ namespace: z.string(), name: z.string(), dimensions: z.record(z.string(), z.string()).default({}) })
                      .passthrough(),
                    period: z.number(),
                    stat: z.string(),
                  })
                  .passthrough()
                  .optional(),
                returnData: z.boolean().optional(),
              })
              .passthrough(),
          )
          .default([]),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type AlarmStateChangeDetail = z.infer<typeof AlarmStateChangeDetail>;

export const AlarmStateChangeEvent = eventEnvelope(CLOUDWATCH_SOURCE, ALARM_STATE_CHANGE_DETAIL_TYPE, AlarmStateChangeDetail);
export type AlarmStateChangeEvent = z.infer<typeof AlarmStateChangeEvent>;

/** CloudWatch's timestamp format in these events: `2019-10-02T17:04:40.985+0000`. */
export function cloudWatchTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('Z', '+0000');
}
