import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { buildRules } from '../../../events/rules.ts';
import { matchesPattern, type EventPattern } from '../../../events/pattern/index.ts';
import { AlarmStateChangeEvent } from '../../../contracts/events/cloudwatch.ts';
import { inactivityAlarms } from '../../../functions/alarms/inactivityAlarms.ts';
import { LocalAlarms } from '../../../runtime/alarms/LocalAlarms.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';

const PERIOD_MS = 60_000;
/** A period boundary far from 0, so "period start" arithmetic is exercised on realistic epochs. */
const T0 = Date.UTC(2026, 10, 2, 1, 0, 0);

function configWith(idle: { evaluationPeriods: number; datapointsToAlarm?: number }) {
  return defineConfig({
    app: 'landfall',
    homeRegion: 'eu-west-1',
    regions: [
      { name: 'eu-west-1', vcpuQuota: 4 },
      { name: 'us-east-1', vcpuQuota: 4 },
    ],
    teams: [{ id: 'genomics', pipeline: 'demo' }],
    idle: { periodSeconds: 60, ...idle },
  });
}

/** A controllable clock over the alarms: `activeIn(k)` puts a datapoint into period k, `evaluateAt(k)` evaluates just after period k-1 ended. */
function harness(idle: { evaluationPeriods: number; datapointsToAlarm?: number }) {
  const config = configWith(idle);
  const alarms = new LocalAlarms({ alarms: inactivityAlarms(config), region: 'eu-west-1' });
  const put = (region: string, period: number, value: number) =>
    alarms.putMetricData('Landfall', [
      { metricName: 'ActiveJobs', dimensions: { Region: region }, value, timestamp: T0 + period * PERIOD_MS + 1_000 },
    ]);
  const evaluateAt = (period: number) => alarms.evaluate(T0 + period * PERIOD_MS + 250);
  const changes = (events: BusEvent[], region = 'eu-west-1') =>
    events.filter((event) => (event.detail as { alarmName: string }).alarmName === `landfall-idle-${region}`);
  return { config, alarms, put, evaluateAt, changes };
}

const stateOf = (event: BusEvent) => {
  const detail = AlarmStateChangeEvent.parse(event).detail;
  return `${detail.previousState.value} -> ${detail.state.value}`;
};

describe('LocalAlarms', () => {
  describe('Method: evaluate', () => {
    it.each([
      { case: '3 of 3', evaluationPeriods: 3, datapointsToAlarm: 3 },
      { case: '2 of 4', evaluationPeriods: 4, datapointsToAlarm: 2 },
      { case: '5 of 5', evaluationPeriods: 5, datapointsToAlarm: 5 },
    ])('goes OK → ALARM after exactly the configured idle datapoints ($case)', async ({ evaluationPeriods, datapointsToAlarm }) => {
      // Prepare: busy for a whole evaluation window, so the alarm is OK.
      const { put, evaluateAt, changes } = harness({ evaluationPeriods, datapointsToAlarm });
      for (let k = 0; k < evaluationPeriods; k++) await put('eu-west-1', k, 2);
      expect(changes(evaluateAt(evaluationPeriods)).map(stateOf)).toEqual(['INSUFFICIENT_DATA -> OK']);

      // Act: idle periods follow (value 0, then nothing at all), one evaluation per period.
      const transitions: { idlePeriods: number; change: string }[] = [];
      for (let idle = 1; idle <= evaluationPeriods + 2; idle++) {
        const period = evaluationPeriods + idle - 1;
        if (idle === 1) await put('eu-west-1', period, 0);
        for (const event of changes(evaluateAt(period + 1))) transitions.push({ idlePeriods: idle, change: stateOf(event) });
      }

      // Assess: one transition, at the evaluation that first saw `datapointsToAlarm` idle periods.
      expect(transitions).toEqual([{ idlePeriods: datapointsToAlarm, change: 'OK -> ALARM' }]);
    });

    it('treats missing data as breaching: a region that never published goes to ALARM at the first evaluation', async () => {
      // Prepare
      const { put, evaluateAt, changes, alarms } = harness({ evaluationPeriods: 3 });
      for (let k = 0; k < 3; k++) await put('us-east-1', k, 1);

      // Act
      const events = evaluateAt(3);

      // Assess: eu-west-1 had no datapoint at all; us-east-1 was busy.
      expect(changes(events).map(stateOf)).toEqual(['INSUFFICIENT_DATA -> ALARM']);
      expect(changes(events, 'us-east-1').map(stateOf)).toEqual(['INSUFFICIENT_DATA -> OK']);
      expect(alarms.stateOf('landfall-idle-eu-west-1')).toBe('ALARM');
      expect(AlarmStateChangeEvent.parse(changes(events)[0]).detail.state.reason).toMatch(
        /3 out of the last 3 datapoints \[missing, missing, missing\]/,
      );
    });

    it('counts a missing period as breaching, and alarms only once the breaching periods reach the datapoints to alarm', async () => {
      // Prepare: 2 of 3; periods 0, 2, 3 busy, 1 and from 4 on without any datapoint.
      const { put, evaluateAt, changes } = harness({ evaluationPeriods: 3, datapointsToAlarm: 2 });
      for (const k of [0, 2, 3]) await put('eu-west-1', k, 1);

      // Act
      const byEvaluation = [3, 4, 5, 6].map((period) => changes(evaluateAt(period)).map(stateOf));

      // Assess: [0,1,2] and [1,2,3] and [2,3,4] have one missing period; [3,4,5] has two.
      expect(byEvaluation).toEqual([['INSUFFICIENT_DATA -> OK'], [], [], ['OK -> ALARM']]);
    });

    it('goes ALARM → OK at the first evaluation after new activity', async () => {
      // Prepare: idle long enough to alarm.
      const { put, evaluateAt, changes } = harness({ evaluationPeriods: 3 });
      expect(changes(evaluateAt(3)).map(stateOf)).toEqual(['INSUFFICIENT_DATA -> ALARM']);

      // Act: one busy period.
      await put('eu-west-1', 3, 1);
      const events = evaluateAt(4);

      // Assess
      expect(changes(events).map(stateOf)).toEqual(['ALARM -> OK']);
    });

    it('does not flap: evaluations that confirm the state emit nothing, and a short pause below the window never alarms', async () => {
      // Prepare: 3 of 3 over a busy, pause (2 idle periods), busy, pause pattern.
      const { put, evaluateAt, changes } = harness({ evaluationPeriods: 3 });
      const busy = [0, 1, 2, 5, 6, 9];
      for (const k of busy) await put('eu-west-1', k, 1);

      // Act: evaluate every period, several times within each.
      const all: string[] = [];
      for (let period = 3; period <= 12; period++) {
        for (let repeat = 0; repeat < 3; repeat++) all.push(...changes(evaluateAt(period)).map(stateOf));
      }

      // Assess: the pauses (periods 3-4 and 7-8) were two periods long: OK once, nothing else. Periods 10, 11 and 12
      // are idle, complete at 13.
      expect(all).toEqual(['INSUFFICIENT_DATA -> OK']);
      expect(changes(evaluateAt(13)).map(stateOf)).toEqual(['OK -> ALARM']);
      expect(changes(evaluateAt(13))).toEqual([]);
    });

    it('emits the CloudWatch event shape that the scale-down rule matches', async () => {
      // Prepare
      const { config, evaluateAt, changes } = harness({ evaluationPeriods: 2 });
      const pattern = buildRules(config).find((candidate) => candidate.target === 'scaleRegion')!.pattern as EventPattern;

      // Act
      const [event] = changes(evaluateAt(2));

      // Assess: real field names and the alarm's metric, region dimension included.
      const parsed = AlarmStateChangeEvent.parse(event);
      expect(parsed).toMatchObject({
        source: 'aws.cloudwatch',
        'detail-type': 'CloudWatch Alarm State Change',
        region: 'eu-west-1',
        resources: ['arn:aws:cloudwatch:eu-west-1:000000000000:alarm:landfall-idle-eu-west-1'],
        detail: {
          alarmName: 'landfall-idle-eu-west-1',
          state: { value: 'ALARM' },
          previousState: { value: 'INSUFFICIENT_DATA' },
          configuration: {
            metrics: [
              {
                metricStat: {
                  metric: { namespace: 'Landfall', name: 'ActiveJobs', dimensions: { Region: 'eu-west-1' } },
                  period: 60,
                  stat: 'Maximum',
                },
              },
            ],
          },
        },
      });
      expect(JSON.parse(parsed.detail.state.reasonData!)).toMatchObject({ statistic: 'Maximum', period: 60, threshold: 0 });
      expect(matchesPattern(pattern, event!)).toBe(true);
      expect(matchesPattern(pattern, { ...event!, detail: { ...event!.detail, state: { value: 'OK' } } })).toBe(false);
    });
  });
});
