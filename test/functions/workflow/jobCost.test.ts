import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { DEFAULT_VCPU_HOUR_USD, jobCost, vcpuHourUsdOf } from '../../../functions/workflow/jobCost.ts';
import type { BatchJobStateChangeEvent } from '../../../events/schemas/batch.ts';

const detail = (overrides: Partial<BatchJobStateChangeEvent['detail']>): BatchJobStateChangeEvent['detail'] =>
  ({ jobName: 'j', jobId: 'id', jobQueue: 'q', status: 'SUCCEEDED', attempts: [], container: {}, ...overrides }) as BatchJobStateChangeEvent['detail'];

describe('jobCost', () => {
  it('sums every attempt, failed ones included, times the VCPU resource requirement', () => {
    const cost = jobCost(
      detail({
        attempts: [
          { startedAt: 1_000, stoppedAt: 31_000, statusReason: 'Host EC2 (instance i-0abc) terminated.' },
          { startedAt: 40_000, stoppedAt: 100_000 },
        ] as BatchJobStateChangeEvent['detail']['attempts'],
        container: { resourceRequirements: [{ type: 'MEMORY', value: '4096' }, { type: 'VCPU', value: '4' }] },
      }),
      0.036,
    );
    expect(cost).toEqual({ attempts: 2, seconds: 90, vcpuSeconds: 360, estimatedUsd: 0.0036 });
  });

  it('prefers container.vcpus, and falls back to the job-level times when no attempt is listed', () => {
    expect(jobCost(detail({ startedAt: 0, stoppedAt: 3_600_000, container: { vcpus: 2 } }), 0.05)).toEqual({ attempts: 1, seconds: 3600, vcpuSeconds: 7200, estimatedUsd: 0.1 });
  });

  it('counts an attempt without both times as zero seconds rather than guessing', () => {
    expect(jobCost(detail({ attempts: [{ startedAt: 5_000 }] as BatchJobStateChangeEvent['detail']['attempts'], container: { vcpus: 8 } })).vcpuSeconds).toBe(0);
  });

  it('takes the price from the region, else the default', () => {
    const config = defineConfig({
      app: 'landfall',
      homeRegion: 'eu-west-1',
      regions: [{ name: 'eu-west-1', vcpuQuota: 8, vcpuHourUsd: 0.03 }, { name: 'us-east-1', vcpuQuota: 8 }],
      teams: [{ id: 'genomics', profile: 'illumina', pipeline: 'demo' }],
    });
    expect([vcpuHourUsdOf(config, 'eu-west-1'), vcpuHourUsdOf(config, 'us-east-1')]).toEqual([0.03, DEFAULT_VCPU_HOUR_USD]);
  });
});
