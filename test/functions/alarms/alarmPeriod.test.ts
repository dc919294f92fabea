/**
 * The inactivity alarm's period in AWS: activity is published by a schedule rule, once a minute at most, and a
 * period without a datapoint counts as idle (treatMissingData: breaching). A period CloudWatch would take (10 or
 * 30 s) but that goes without datapoints would take warm compute to zero while jobs run: refused at deploy.
 */
import { describe, expect, it } from 'vitest';
import { cloudWatchPeriodProblem } from '../../../functions/alarms/inactivityAlarms.ts';
import { scheduleExpression } from '../../../stacks/eventRouting.ts';

describe('cloudWatchPeriodProblem', () => {
  it.each([10, 30, 45, 90])('refuses %i s, shorter than or not a multiple of the minute activity is published at', (seconds) => {
    expect(cloudWatchPeriodProblem(seconds)).toMatch(/whole number of minutes/);
  });

  it.each([60, 120, 300])('takes %i s: every period holds a datapoint of the minutely schedule', (seconds) => {
    expect(cloudWatchPeriodProblem(seconds)).toBeUndefined();
    // the schedule that publishes activity fires each minute, whatever finer interval is asked for
    expect(scheduleExpression(Math.min(seconds, 10))).toBe('rate(1 minute)');
  });
});
