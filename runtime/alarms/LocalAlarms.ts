import {
  ALARM_STATE_CHANGE_DETAIL_TYPE,
  CLOUDWATCH_SOURCE,
  cloudWatchTimestamp,
  type AlarmStateValue,
} from '../../contracts/events/cloudwatch.ts';
import type { InactivityAlarm } from '../../functions/alarms/inactivityAlarms.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import type { MetricDatum, MetricsSink } from '../../seams/metrics/MetricsSink.ts';
import { evaluateAlarm, periodStart } from './evaluateAlarm.ts';

/** Options of {@link LocalAlarms}. */
export interface LocalAlarmsOptions {
  alarms: InactivityAlarm[];
  /** Region of the events (the home region, where the alarms live in AWS). */
  region: string;
  /** @default '000000000000' */
  accountId?: string;
}

interface AlarmStatus {
  value: AlarmStateValue;
  reason: string;
  reasonData?: string;
  timestamp: string;
}

const metricKey = (namespace: string, metricName: string, dimensions: Record<string, string>) =>
  `${namespace}|${metricName}|${Object.entries(dimensions)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => `${name}=${value}`)
    .join(',')}`;

/**
 * The embedded runtime's CloudWatch for Landfall's alarms: stores datapoints per metric and period
 * (aggregated with the alarms' Maximum statistic), evaluates every alarm on demand with
 * {@link evaluateAlarm}, and returns a "CloudWatch Alarm State Change" event for each alarm whose state
 * CHANGED — never for an evaluation that confirms the current state, as in AWS. Alarms start in
 * INSUFFICIENT_DATA. The clock is the caller's (`now` arguments), so tests control it.
 *
 * @example
 * const alarms = new LocalAlarms({ alarms: inactivityAlarms(config), region: config.homeRegion });
 * await alarms.putMetricData('Landfall', [{ metricName: 'ActiveJobs', dimensions: { Region: 'eu-west-1' }, value: 2, timestamp: Date.now() }]);
 * const changes = alarms.evaluate(Date.now()); // publish them on the bus
 */
export class LocalAlarms implements MetricsSink {
  readonly #alarms: InactivityAlarm[];
  readonly #region: string;
  readonly #accountId: string;
  /** metric key → period start → Maximum of the period's datapoints. */
  readonly #series = new Map<string, Map<number, number>>();
  readonly #states = new Map<string, AlarmStatus>();

  constructor(options: LocalAlarmsOptions) {
    this.#alarms = options.alarms;
    this.#region = options.region;
    this.#accountId = options.accountId ?? '000000000000';
    for (const alarm of this.#alarms)
      this.#states.set(alarm.alarmName, {
        value: 'INSUFFICIENT_DATA',
        reason: 'Unchecked: Initial alarm creation',
        timestamp: cloudWatchTimestamp(Date.now()),
      });
  }

  /** PutMetricData: each datum lands in the period holding its timestamp of every alarm on that metric. */
  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    for (const datum of data) {
      if (!Number.isFinite(datum.value))
        throw new TypeError(`metric ${datum.metricName}: value must be a finite number, got ${datum.value}`);
      const key = metricKey(namespace, datum.metricName, datum.dimensions);
      const series = this.#series.get(key) ?? new Map<number, number>();
      this.#series.set(key, series);
      for (const periodSeconds of new Set(this.#alarms.map((alarm) => alarm.periodSeconds))) {
        const start = periodStart(datum.timestamp, periodSeconds);
        series.set(start, Math.max(series.get(start) ?? -Infinity, datum.value));
      }
    }
  }

  /** Current state of an alarm (DescribeAlarms' StateValue). */
  stateOf(alarmName: string): AlarmStateValue | undefined {
    return this.#states.get(alarmName)?.value;
  }

  /** Evaluates every alarm at `now`; returns the state-change events (none when nothing changed). */
  evaluate(now: number): BusEvent[] {
    const events: BusEvent[] = [];
    for (const alarm of this.#alarms) {
      const series = this.#series.get(metricKey(alarm.namespace, alarm.metricName, alarm.dimensions)) ?? new Map<number, number>();
      const result = evaluateAlarm(alarm, series, now);
      this.#prune(series, now, alarm);
      const previous = this.#states.get(alarm.alarmName)!;
      if (previous.value === result.state) continue;
      const next: AlarmStatus = {
        value: result.state,
        reason: result.reason,
        reasonData: result.reasonData,
        timestamp: cloudWatchTimestamp(now),
      };
      this.#states.set(alarm.alarmName, next);
      events.push(this.#stateChangeEvent(alarm, previous, next, now));
    }
    return events;
  }

  /** Periods older than any alarm looks at are dropped, so a runtime that runs for weeks stays small. */
  #prune(series: Map<number, number>, now: number, alarm: InactivityAlarm): void {
    const oldest = periodStart(now, alarm.periodSeconds) - (alarm.evaluationPeriods + 1) * alarm.periodSeconds * 1000;
    for (const start of series.keys()) if (start < oldest) series.delete(start);
  }

  #stateChangeEvent(alarm: InactivityAlarm, previous: AlarmStatus, next: AlarmStatus, now: number): BusEvent {
    return {
      version: '0',
      source: CLOUDWATCH_SOURCE,
      'detail-type': ALARM_STATE_CHANGE_DETAIL_TYPE,
      account: this.#accountId,
      time: new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.#region,
      resources: [`arn:aws:cloudwatch:${this.#region}:${this.#accountId}:alarm:${alarm.alarmName}`],
      detail: {
        alarmName: alarm.alarmName,
        state: next,
        previousState: previous,
        configuration: {
          description: alarm.alarmDescription,
          metrics: [
            {
              id: `${alarm.alarmName}-m1`,
              metricStat: {
                metric: { namespace: alarm.namespace, name: alarm.metricName, dimensions: alarm.dimensions },
                period: alarm.periodSeconds,
                stat: alarm.statistic,
              },
              returnData: true,
            },
          ],
        },
      },
    };
  }
}
