import type { LandfallConfig } from '../../config/schema.ts';
import { ACTIVE_JOBS_METRIC, ACTIVITY_NAMESPACE, REGION_DIMENSION, inactivityAlarmName } from '../../contracts/names.ts';

/** The comparison operators this definition uses, with CloudWatch's names. */
export type ComparisonOperator = 'LessThanOrEqualToThreshold' | 'GreaterThanThreshold';

/**
 * One region's inactivity alarm, exactly as `PutMetricAlarm` takes it: the stacks deploy it as a CloudWatch
 * alarm, the embedded runtime evaluates it (runtime/alarms). A datapoint is "breaching" when the region had
 * no active job in that period, and a period without any datapoint counts as breaching too: no data means
 * nothing is happening (and nothing published it).
 */
export interface InactivityAlarm {
  alarmName: string;
  alarmDescription: string;
  region: string;
  namespace: typeof ACTIVITY_NAMESPACE;
  metricName: typeof ACTIVE_JOBS_METRIC;
  dimensions: { Region: string };
  statistic: 'Maximum';
  periodSeconds: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: ComparisonOperator;
  treatMissingData: 'breaching';
}

/**
 * One inactivity alarm per configured region, from `config.idle`.
 *
 * @example
 * inactivityAlarms(config).map((alarm) => alarm.alarmName); // ['landfall-idle-eu-west-1', 'landfall-idle-us-east-1']
 */
export function inactivityAlarms(
  config: Pick<LandfallConfig, 'app' | 'regions' | 'idle'>,
  options: { namePrefix?: string } = {},
): InactivityAlarm[] {
  const prefix = options.namePrefix ?? config.app;
  const { periodSeconds, evaluationPeriods } = config.idle;
  const datapointsToAlarm = config.idle.datapointsToAlarm ?? evaluationPeriods;
  return config.regions.map((region) => ({
    alarmName: inactivityAlarmName(prefix, region.name),
    alarmDescription: `No Landfall job submitted, runnable or running in ${region.name} for ${datapointsToAlarm} of ${evaluationPeriods} periods of ${periodSeconds} s: take its warm compute to zero`,
    region: region.name,
    namespace: ACTIVITY_NAMESPACE,
    metricName: ACTIVE_JOBS_METRIC,
    dimensions: { Region: region.name },
    statistic: 'Maximum',
    periodSeconds,
    evaluationPeriods,
    datapointsToAlarm,
    threshold: 0,
    comparisonOperator: 'LessThanOrEqualToThreshold',
    treatMissingData: 'breaching',
  }));
}

/** Seconds from the last activity until the alarm can fire at the earliest: the datapoints it needs. */
export function idleWindowSeconds(alarm: Pick<InactivityAlarm, 'periodSeconds' | 'datapointsToAlarm'>): number {
  return alarm.periodSeconds * alarm.datapointsToAlarm;
}

/** Whether a value breaches the alarm's threshold. */
export function isBreaching(alarm: Pick<InactivityAlarm, 'threshold' | 'comparisonOperator'>, value: number): boolean {
  return alarm.comparisonOperator === 'LessThanOrEqualToThreshold' ? value <= alarm.threshold : value > alarm.threshold;
}

/**
 * Why this period cannot serve the alarm in AWS, or undefined: a whole number of minutes. CloudWatch would take
 * 10 or 30 s too (high resolution), but the activity datapoint comes from a schedule rule, which fires once a
 * minute at most: shorter periods would go without a datapoint, which the alarm counts as breaching
 * (`treatMissingData: 'breaching'`), and it would take warm compute to zero while jobs run. The embedded
 * runtime, whose clock publishes every period, takes any whole number of seconds.
 */
export function cloudWatchPeriodProblem(periodSeconds: number): string | undefined {
  if (periodSeconds >= 60 && periodSeconds % 60 === 0) return undefined;
  return `idle.periodSeconds is ${periodSeconds}; in AWS it must be a whole number of minutes (60, 120, …): activity is published once a minute, and a period without a datapoint counts as idle (short periods are for the embedded runtime only)`;
}

/**
 * The region an alarm is about: its `Region` dimension when the event carries the alarm's configuration,
 * else the `-idle-<region>` suffix of its name. Undefined for any other alarm.
 */
export function regionOfAlarm(
  config: Pick<LandfallConfig, 'regions'>,
  alarmName: string,
  dimensions?: Record<string, string>,
): string | undefined {
  const names = config.regions.map((region) => region.name);
  const byDimension = dimensions?.[REGION_DIMENSION];
  if (byDimension && names.includes(byDimension) && alarmName.endsWith(`-idle-${byDimension}`)) return byDimension;
  return names.find((name) => alarmName.endsWith(`-idle-${name}`));
}
