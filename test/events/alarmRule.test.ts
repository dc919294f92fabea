/**
 * Issue 18 defect 6: the scale-down rule matched `namespace`/`name` inside `detail.configuration.metrics`, an
 * array of objects. EventBridge documents array matching for arrays of values ("Arrays in Amazon EventBridge
 * event patterns": the pattern's values intersect the event's array), not for fields of objects inside an
 * array, so nothing showed that AWS would deliver the alarm. The rule now matches the alarm's name with a
 * wildcard ("Content filtering in Amazon EventBridge event patterns", wildcard matching) and its state value,
 * two string fields reached through objects only.
 */
import { describe, expect, it } from 'vitest';
import baseConfig from '../../landfall.config.ts';
import { AlarmStateChangeEvent } from '../../contracts/events/cloudwatch.ts';
import { inactivityAlarmName } from '../../contracts/names.ts';
import { buildRules } from '../../events/rules.ts';
import { type EventPattern, matchesPattern } from '../../events/pattern/index.ts';
import { inactivityAlarms } from '../../functions/alarms/inactivityAlarms.ts';

const rule = buildRules(baseConfig).find((candidate) => candidate.name === 'scale-down-idle-region')!;
const pattern = rule.pattern as EventPattern;

/** A "CloudWatch Alarm State Change" as CloudWatch documents it (abridged to what Landfall reads). */
function alarmEvent(alarmName: string, region: string, state: 'ALARM' | 'OK' = 'ALARM') {
  return {
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    source: 'aws.cloudwatch',
    'detail-type': 'CloudWatch Alarm State Change',
    account: '123456789012',
    time: '2026-11-02T01:15:00Z',
    region: baseConfig.homeRegion,
    resources: [`arn:aws:cloudwatch:${baseConfig.homeRegion}:123456789012:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: state, reason: 'Threshold Crossed', timestamp: '2026-11-02T01:15:00.000+0000' },
      previousState: { value: state === 'ALARM' ? 'OK' : 'ALARM', reason: '…', timestamp: '2026-11-02T00:15:00.000+0000' },
      configuration: {
        metrics: [
          {
            id: 'm1',
            metricStat: {
              metric: { namespace: 'Landfall', name: 'ActiveJobs', dimensions: { Region: region } },
              period: 60,
              stat: 'Maximum',
            },
            returnData: true,
          },
        ],
      },
    },
  };
}

/** Every path of the pattern that, in the event, passes through an array before its last step. */
function pathsThroughArrays(patternPart: unknown, eventPart: unknown, path: string[] = []): string[] {
  if (Array.isArray(patternPart) || typeof patternPart !== 'object' || patternPart === null) return [];
  const found: string[] = [];
  for (const [key, value] of Object.entries(patternPart)) {
    if (key.startsWith('$')) continue;
    const inEvent = (eventPart as Record<string, unknown> | undefined)?.[key];
    if (Array.isArray(inEvent) && !Array.isArray(value)) found.push([...path, key].join('.'));
    else found.push(...pathsThroughArrays(value, inEvent, [...path, key]));
  }
  return found;
}

describe('scale-down rule (inactivity alarm → scaleRegion)', () => {
  it('reaches every field it matches through objects only: no field inside an array of objects', () => {
    expect(pathsThroughArrays(pattern, alarmEvent('landfall-prod-idle-us-east-1', 'us-east-1'))).toEqual([]);
    expect(JSON.stringify(pattern)).not.toContain('configuration');
  });

  it.each(['prod', 'dev'])('matches the alarm of every region as the stack names it (stage %s)', (stage) => {
    for (const alarm of inactivityAlarms(baseConfig, { namePrefix: `${baseConfig.app}-${stage}` })) {
      expect(matchesPattern(pattern, alarmEvent(alarm.alarmName, alarm.region)), alarm.alarmName).toBe(true);
    }
  });

  it('matches the alarms the embedded runtime raises (no stage in the name)', () => {
    for (const alarm of inactivityAlarms(baseConfig)) {
      expect(alarm.alarmName).toBe(inactivityAlarmName(baseConfig.app, alarm.region));
      expect(matchesPattern(pattern, alarmEvent(alarm.alarmName, alarm.region))).toBe(true);
    }
  });

  it('ignores a return to OK, another app’s alarm and a Landfall alarm that is not an inactivity alarm', () => {
    expect(matchesPattern(pattern, alarmEvent('landfall-prod-idle-us-east-1', 'us-east-1', 'OK'))).toBe(false);
    expect(matchesPattern(pattern, alarmEvent('otherapp-prod-idle-us-east-1', 'us-east-1'))).toBe(false);
    expect(matchesPattern(pattern, alarmEvent('landfall-prod-queue-depth-us-east-1', 'us-east-1'))).toBe(false);
  });

  it('is tried on events of the shape Landfall’s contract parses (contracts/events/cloudwatch.ts)', () => {
    expect(AlarmStateChangeEvent.safeParse(alarmEvent('landfall-prod-idle-us-east-1', 'us-east-1')).success).toBe(true);
  });
});
