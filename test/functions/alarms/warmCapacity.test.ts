import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { warmVcpusAt } from '../../../functions/alarms/warmCapacity.ts';

const config = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [
    { name: 'eu-west-1', vcpuQuota: 16 },
    { name: 'us-east-1', vcpuQuota: 16 },
  ],
  teams: [{ id: 'genomics', pipeline: 'demo' }],
  idle: {
    businessHours: [
      { region: 'eu-west-1', warmVcpus: 4, fromHour: 8, toHour: 18, timeZone: 'Europe/Dublin' },
      // A night shift in New York: 22:00 to 06:00, every day.
      { region: 'us-east-1', warmVcpus: 2, fromHour: 22, toHour: 6, timeZone: 'America/New_York', days: [0, 1, 2, 3, 4, 5, 6] },
    ],
  },
});

describe('warmVcpusAt', () => {
  it.each([
    { case: 'Dublin Monday 08:00 local (winter, UTC+0)', region: 'eu-west-1', at: '2026-11-02T08:00:00Z', vcpus: 4 },
    { case: 'Dublin Monday 07:59 local', region: 'eu-west-1', at: '2026-11-02T07:59:00Z', vcpus: 0 },
    { case: 'Dublin Monday 18:00 local (window end is exclusive)', region: 'eu-west-1', at: '2026-11-02T18:00:00Z', vcpus: 0 },
    { case: 'Dublin summer 08:30 local is 07:30 UTC', region: 'eu-west-1', at: '2026-06-01T07:30:00Z', vcpus: 4 },
    { case: 'Dublin Saturday midday', region: 'eu-west-1', at: '2026-11-07T12:00:00Z', vcpus: 0 },
    { case: 'New York 23:00 local (04:00 UTC next day)', region: 'us-east-1', at: '2026-11-03T04:00:00Z', vcpus: 2 },
    { case: 'New York 05:59 local, after midnight', region: 'us-east-1', at: '2026-11-03T10:59:00Z', vcpus: 2 },
    { case: 'New York 06:00 local', region: 'us-east-1', at: '2026-11-03T11:00:00Z', vcpus: 0 },
    { case: 'a region without business hours', region: 'ap-south-1', at: '2026-11-02T10:00:00Z', vcpus: 0 },
  ])('$case → $vcpus', ({ region, at, vcpus }) => {
    expect(warmVcpusAt(config, region, new Date(at))).toBe(vcpus);
  });

  it('refuses a time zone that is not IANA and hours for an unknown region', () => {
    const base = {
      app: 'landfall',
      homeRegion: 'eu-west-1',
      regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
      teams: [{ id: 'genomics', pipeline: 'demo' }],
    };
    expect(() =>
      defineConfig({
        ...base,
        idle: { businessHours: [{ region: 'eu-west-1', warmVcpus: 1, fromHour: 8, toHour: 18, timeZone: 'Dublin/Time' }] },
      }),
    ).toThrow(/IANA time zone/);
    expect(() =>
      defineConfig({ ...base, idle: { businessHours: [{ region: 'us-west-2', warmVcpus: 1, fromHour: 8, toHour: 18, timeZone: 'UTC' }] } }),
    ).toThrow(/businessHours region us-west-2/);
    expect(() => defineConfig({ ...base, idle: { evaluationPeriods: 3, datapointsToAlarm: 4 } })).toThrow(
      /cannot exceed evaluationPeriods/,
    );
  });
});
