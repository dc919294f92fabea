/**
 * Scale-down on the inactivity alarm and wake-up on new work, through the real handlers and the real
 * catalog (local DynamoDB-compatible server): repeated and late alarms, racing wakes, the wake latency
 * recorded once. The capacity seam records the floors it is asked for (the thing observed, not tested).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cloudWatchTimestamp } from '../../../contracts/events/cloudwatch.ts';
import { wakeRegion } from '../../../functions/alarms/wakeRegion.ts';
import { recordRegionWokeUp } from '../../../functions/alarms/recordRegionWokeUp.ts';
import { scaleDownRegion } from '../../../functions/alarms/scaleDownRegion.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const REGION = 'eu-west-1';

describe('scale a region to zero on its inactivity alarm, wake it on new work', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const floors: Array<[string, number, string]> = [];
  const alarm = (value: 'ALARM' | 'OK', at: number) =>
    ({
      version: '0',
      id: `a-${at}-${value}`,
      source: 'aws.cloudwatch',
      account: '000000000000',
      time: new Date(at).toISOString(),
      region: REGION,
      resources: [],
      'detail-type': 'CloudWatch Alarm State Change',
      detail: {
        alarmName: `landfall-idle-${REGION}`,
        state: { value, reason: 'test', timestamp: cloudWatchTimestamp(at) },
        previousState: { value: value === 'ALARM' ? 'OK' : 'ALARM', reason: 'test', timestamp: cloudWatchTimestamp(at - 60_000) },
        configuration: {
          metrics: [
            {
              id: 'm',
              metricStat: {
                metric: { namespace: 'Landfall', name: 'ActiveJobs', dimensions: { Region: REGION } },
                period: 60,
                stat: 'Maximum',
              },
            },
          ],
        },
      },
    }) as Parameters<typeof scaleDownRegion>[1];
  const running = (jobName: string, startedAt: number) =>
    ({
      version: '0',
      id: `r-${jobName}`,
      source: 'aws.batch',
      account: '000000000000',
      time: new Date(startedAt).toISOString(),
      region: REGION,
      resources: [],
      'detail-type': 'Batch Job State Change',
      detail: { jobName, jobId: `id-${jobName}`, jobQueue: 'q', status: 'RUNNING', attempts: [], startedAt },
    }) as Parameters<typeof recordRegionWokeUp>[1];

  beforeAll(async () => {
    harness = await startServicesHarness();
    harness.services.capacity = {
      setWarmVcpus: async (region, vcpus, scratch = 'standard') => void floors.push([region, vcpus, scratch]),
    };
  });
  afterAll(async () => harness?.stop());

  it('scales down once per alarm transition, however often the event is delivered', async () => {
    const at = Date.parse('2026-11-23T02:00:00Z');
    const first = await scaleDownRegion(harness.services, alarm('ALARM', at));
    const again = await scaleDownRegion(harness.services, alarm('ALARM', at));
    expect(first).toEqual({ outcome: 'scaled-down', region: REGION, warmVcpus: 0 });
    expect(again.outcome).toBe('scaled-down'); // a redelivery retries the capacity call …
    expect(harness.published.filter((e) => e['detail-type'] === 'Region Scaled Down')).toHaveLength(1); // … but announces once
    expect(await scaleDownRegion(harness.services, alarm('OK', at + 60_000))).toMatchObject({ outcome: 'ignored' });
    expect((await harness.services.catalog.regionScale.get(REGION)).scaledDown).toBe(true);
  });

  it('lets exactly one of two racing submissions wake the region, at the job size', async () => {
    floors.length = 0;
    const woke = await Promise.all([
      wakeRegion(harness.services, REGION, { jobName: 'job-a', vcpus: 2 }),
      wakeRegion(harness.services, REGION, { jobName: 'job-b', vcpus: 2 }),
    ]);
    expect(woke.filter(Boolean)).toHaveLength(1);
    expect(floors).toEqual([[REGION, 2, 'standard']]);
    expect((await harness.services.catalog.regionScale.get(REGION)).scaledDown).toBe(false);
    expect(await wakeRegion(harness.services, REGION, { jobName: 'job-c', vcpus: 1 })).toBe(false); // already awake
  });

  it('records the wake-up latency once, when the waking job runs', async () => {
    const state = await harness.services.catalog.regionScale.get(REGION);
    const waker = state.wakeJobName!;
    const other = waker === 'job-a' ? 'job-b' : 'job-a';
    expect(await recordRegionWokeUp(harness.services, running(other, state.wokeAt! + 100))).toMatchObject({ outcome: 'not-a-wake' });
    expect(await recordRegionWokeUp(harness.services, running(waker, state.wokeAt! + 1_500))).toEqual({
      outcome: 'woke-up',
      region: REGION,
      wakeLatencyMs: 1_500,
    });
    expect(await recordRegionWokeUp(harness.services, running(waker, state.wokeAt! + 1_500))).toMatchObject({ outcome: 'not-a-wake' });
    const announced = harness.published.filter((e) => e['detail-type'] === 'Region Woke Up');
    expect(announced.map((e) => (e.detail as { wakeLatencyMs: number }).wakeLatencyMs)).toEqual([1_500]);
  });

  it('ignores an alarm evaluated before the wake that arrives after it (stale), keeping the new capacity', async () => {
    floors.length = 0;
    const { wokeAt } = await harness.services.catalog.regionScale.get(REGION);
    const stale = await scaleDownRegion(harness.services, alarm('ALARM', wokeAt! - 1_000));
    expect(stale).toMatchObject({ outcome: 'stale' });
    expect(floors).toEqual([]);
    expect((await harness.services.catalog.regionScale.get(REGION)).scaledDown).toBe(false);
  });

  it('keeps large-scratch compute warm from a large step until the next alarm takes it to zero', async () => {
    floors.length = 0;
    // The region is awake: a standard job changes no floor, a large-scratch job raises its own compute's floor.
    expect(await wakeRegion(harness.services, REGION, { jobName: 'job-d', vcpus: 2 })).toBe(false);
    expect(await wakeRegion(harness.services, REGION, { jobName: 'big-1', vcpus: 7.5, scratch: 'large' })).toBe(false);
    expect(floors).toEqual([[REGION, 8, 'large']]);

    floors.length = 0;
    const { wokeAt } = await harness.services.catalog.regionScale.get(REGION);
    expect(await scaleDownRegion(harness.services, alarm('ALARM', wokeAt! + 3_600_000))).toMatchObject({ outcome: 'scaled-down' });
    expect(floors).toEqual([
      [REGION, 0, 'standard'],
      [REGION, 0, 'large'],
    ]);
  });
});
