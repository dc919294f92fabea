import { isBreaching, type InactivityAlarm } from '../../functions/alarms/inactivityAlarms.ts';
import { cloudWatchTimestamp, type AlarmStateValue } from '../../contracts/events/cloudwatch.ts';

/** One period's aggregated value (the alarm's statistic over its datapoints), or missing. */
export interface EvaluatedPeriod {
  /** Epoch ms of the period's start (periods are aligned to multiples of the period, as in CloudWatch). */
  start: number;
  value?: number;
  breaching: boolean;
}

/** What one evaluation concluded. */
export interface AlarmEvaluation {
  state: Exclude<AlarmStateValue, 'INSUFFICIENT_DATA'>;
  reason: string;
  /** JSON text as CloudWatch puts it in `state.reasonData`. */
  reasonData: string;
  periods: EvaluatedPeriod[];
}

/** Start (epoch ms) of the period holding `time`. */
export function periodStart(time: number, periodSeconds: number): number {
  const periodMs = periodSeconds * 1000;
  return Math.floor(time / periodMs) * periodMs;
}

/**
 * Evaluates an alarm at `now` over the last `evaluationPeriods` COMPLETE periods, with CloudWatch's rules:
 * each period's value is the statistic (Maximum) of its datapoints; a period without datapoints counts as
 * breaching (`treatMissingData: breaching`); at least `datapointsToAlarm` breaching periods → ALARM,
 * otherwise OK. Pure: the caller owns the clock and the datapoints.
 *
 * @param datapoints value by period start (already aggregated with the statistic)
 * @example evaluateAlarm(alarm, new Map([[periodStart(t, 60), 3]]), t + 60_000).state // 'OK' or 'ALARM'
 */
export function evaluateAlarm(alarm: InactivityAlarm, datapoints: ReadonlyMap<number, number>, now: number): AlarmEvaluation {
  const periodMs = alarm.periodSeconds * 1000;
  const end = periodStart(now, alarm.periodSeconds);
  const periods: EvaluatedPeriod[] = [];
  for (let k = alarm.evaluationPeriods; k >= 1; k--) {
    const start = end - k * periodMs;
    const value = datapoints.get(start);
    periods.push({ start, ...(value !== undefined && { value }), breaching: value === undefined || isBreaching(alarm, value) });
  }
  const breaching = periods.filter((period) => period.breaching).length;
  const state = breaching >= alarm.datapointsToAlarm ? 'ALARM' : 'OK';
  const operator = alarm.comparisonOperator === 'LessThanOrEqualToThreshold' ? 'less than or equal to' : 'greater than';
  const shown = periods.map((period) => (period.value === undefined ? 'missing' : String(period.value))).join(', ');
  const reason =
    state === 'ALARM'
      ? `Threshold Crossed: ${breaching} out of the last ${alarm.evaluationPeriods} datapoints [${shown}] were ${operator} the threshold (${alarm.threshold}) or missing (treated as breaching) (minimum ${alarm.datapointsToAlarm} datapoints for OK -> ALARM transition).`
      : `Threshold Crossed: ${alarm.evaluationPeriods - breaching} out of the last ${alarm.evaluationPeriods} datapoints [${shown}] were not ${operator} the threshold (${alarm.threshold}) (minimum ${alarm.evaluationPeriods - alarm.datapointsToAlarm + 1} datapoints for ALARM -> OK transition).`;
  const reasonData = JSON.stringify({
    version: '1.0',
    queryDate: cloudWatchTimestamp(now),
    statistic: alarm.statistic,
    period: alarm.periodSeconds,
    recentDatapoints: periods.filter((period) => period.value !== undefined).map((period) => period.value),
    threshold: alarm.threshold,
    evaluatedDatapoints: periods
      .slice()
      .reverse()
      .map((period) => ({ timestamp: cloudWatchTimestamp(period.start), ...(period.value !== undefined && { value: period.value }) })),
  });
  return { state, reason, reasonData, periods };
}
