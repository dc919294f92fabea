import landfall from '../landfall.config.ts';
import { cloudWatchPeriodProblem, inactivityAlarms } from '../functions/alarms/inactivityAlarms.ts';
import { StacksError } from './errors.ts';
import { pascal } from './regions.ts';

const stage = $app.stage.toLowerCase();

// Checked before any alarm is declared: the embedded runtime accepts short test periods, CloudWatch does not.
const periodProblem = cloudWatchPeriodProblem(landfall.idle.periodSeconds);
if (periodProblem) throw new StacksError(periodProblem);

/**
 * One inactivity alarm per region, all in the home region on the `Landfall/ActiveJobs` metric with a
 * `Region` dimension (functions/publishActivity.ts publishes it), from the same definitions the embedded
 * runtime evaluates. No alarm actions: the "CloudWatch Alarm State Change" event goes to the default bus,
 * is forwarded to Landfall's bus, and the `scale-down-idle-region` rule takes it to `scaleRegion`.
 */
export const alarms: Record<string, aws.cloudwatch.MetricAlarm> = Object.fromEntries(
  inactivityAlarms(landfall, { namePrefix: `${landfall.app}-${stage}` }).map((alarm) => [
    alarm.region,
    new aws.cloudwatch.MetricAlarm(`InactivityAlarm${pascal(alarm.region)}`, {
      name: alarm.alarmName,
      alarmDescription: alarm.alarmDescription,
      namespace: alarm.namespace,
      metricName: alarm.metricName,
      dimensions: alarm.dimensions,
      statistic: alarm.statistic,
      period: alarm.periodSeconds,
      evaluationPeriods: alarm.evaluationPeriods,
      datapointsToAlarm: alarm.datapointsToAlarm,
      threshold: alarm.threshold,
      comparisonOperator: alarm.comparisonOperator,
      treatMissingData: alarm.treatMissingData,
    }),
  ]),
);

export const outputs = { inactivityAlarms: Object.values(alarms).map((alarm) => alarm.name) };
