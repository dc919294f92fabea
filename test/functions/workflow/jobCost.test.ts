/**
 * Cost figures with literal, hand-computed expectations: a known workload with a failed attempt and a
 * cross-region transfer, per job and aggregated per sample, run and team on the real local catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import type { BatchJobStateChangeEvent } from '../../../contracts/events/batch.ts';
import { costReport } from '../../../functions/catalog/costReport.ts';
import { capacityTypeOf, jobCost, sumCosts } from '../../../functions/workflow/jobCost.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';

type Detail = BatchJobStateChangeEvent['detail'];
const detail = (overrides: Partial<Detail>): Detail =>
  ({
    jobName: 'j',
    jobId: 'id',
    jobQueue: 'landfall-eu-west-1-urgent',
    status: 'SUCCEEDED',
    attempts: [],
    container: {},
    ...overrides,
  }) as Detail;

// Prices chosen so the arithmetic is checkable by hand.
const config = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [
    {
      name: 'eu-west-1',
      vcpuQuota: 64,
      transferCostPerGb: 0.02,
      prices: { onDemand: { vcpuHour: 0.04, gbHour: 0.004 }, spot: { vcpuHour: 0.012, gbHour: 0.0012 } },
    },
    {
      name: 'us-east-1',
      vcpuQuota: 32,
      transferCostPerGb: 0.02,
      prices: { onDemand: { vcpuHour: 0.036, gbHour: 0.0036 }, spot: { vcpuHour: 0.01, gbHour: 0.001 } },
    },
  ],
  teams: [{ id: 'genomics', profile: 'illumina', pipeline: 'demo' }],
});
const GiB = 1024 ** 3;

// The workload: sample S1 at home — qc (1 vCPU, 2 GiB, 180 s) and trim (4 vCPU, 8 GiB) whose first
// attempt ran 30 s before its host was lost, second attempt 60 s. Sample S2's trim ran in us-east-1
// on spot (2 vCPU, 4 GiB, 360 s) after staging 5 GiB of inputs there; its qc failed after 2 attempts of 45 s.
const qcS1 = detail({
  jobName: 'qc-s1',
  attempts: [{ startedAt: 0, stoppedAt: 180_000 }] as Detail['attempts'],
  container: { vcpus: 1, memory: 2048 },
});
const trimS1 = detail({
  jobName: 'trim-s1',
  attempts: [
    { startedAt: 0, stoppedAt: 30_000, statusReason: 'Host EC2 (instance i-0abc) terminated.' },
    { startedAt: 40_000, stoppedAt: 100_000 },
  ] as Detail['attempts'],
  container: {
    resourceRequirements: [
      { type: 'VCPU', value: '4' },
      { type: 'MEMORY', value: '8192' },
    ],
  },
});
const trimS2 = detail({
  jobName: 'trim-s2',
  jobQueue: 'arn:aws:batch:us-east-1:1:job-queue/landfall-us-east-1-normal',
  attempts: [{ startedAt: 0, stoppedAt: 360_000 }] as Detail['attempts'],
  container: { vcpus: 2, memory: 4096 },
});
const qcS2 = detail({
  jobName: 'qc-s2',
  status: 'FAILED',
  attempts: [
    { startedAt: 0, stoppedAt: 45_000 },
    { startedAt: 50_000, stoppedAt: 95_000 },
  ] as Detail['attempts'],
  container: { vcpus: 1, memory: 2048 },
});

describe('job cost', () => {
  it('prices one attempt on demand at home: 180 vCPU-s × $0.04/h + 360 GB-s × $0.004/h = $0.0024', () => {
    expect(jobCost(qcS1, { region: 'eu-west-1', config })).toEqual({
      region: 'eu-west-1',
      capacityType: 'on-demand',
      attempts: 1,
      seconds: 180,
      vcpuSeconds: 180,
      memoryGbSeconds: 360,
      computeUsd: 0.0024,
      transferBytes: 0,
      transferUsd: 0,
      estimatedUsd: 0.0024,
    });
  });

  it('counts the lost first attempt: 90 s × 4 vCPU = 360 vCPU-s ($0.004) + 720 GB-s ($0.0008) = $0.0048', () => {
    expect(jobCost(trimS1, { region: 'eu-west-1', config })).toMatchObject({
      attempts: 2,
      seconds: 90,
      vcpuSeconds: 360,
      memoryGbSeconds: 720,
      computeUsd: 0.0048,
      estimatedUsd: 0.0048,
    });
  });

  it('prices spot in another region plus the staging transfer: $0.0024 compute + 5 GiB × $0.02 = $0.1024', () => {
    // 720 vCPU-s × $0.01/h = $0.002; 1440 GB-s × $0.001/h = $0.0004
    expect(jobCost(trimS2, { region: 'us-east-1', config, transferBytes: 5 * GiB })).toEqual({
      region: 'us-east-1',
      capacityType: 'spot',
      attempts: 1,
      seconds: 360,
      vcpuSeconds: 720,
      memoryGbSeconds: 1440,
      computeUsd: 0.0024,
      transferBytes: 5 * GiB,
      transferUsd: 0.1,
      estimatedUsd: 0.1024,
    });
  });

  it("prices a job at its queue's preferred capacity, and counts an attempt without both times as zero seconds", () => {
    const queues = [
      'landfall-eu-west-1-urgent',
      'arn:aws:batch:eu-west-1:1:job-queue/landfall-eu-west-1-normal',
      'landfall-eu-west-1-spot',
      undefined,
    ];
    expect(queues.map(capacityTypeOf)).toEqual(['on-demand', 'spot', 'spot', 'on-demand']);
    expect(
      jobCost(detail({ attempts: [{ startedAt: 5_000 }] as Detail['attempts'], container: { vcpus: 8 } }), { region: 'eu-west-1', config })
        .vcpuSeconds,
    ).toBe(0);
  });

  describe('aggregated on the catalog (the real local DynamoDB-compatible server)', () => {
    let test: Awaited<ReturnType<typeof startTestCatalog>>;
    beforeAll(async () => {
      test = await startTestCatalog();
    });
    afterAll(async () => test?.stop());

    it('sums per sample, run and team, failed jobs included, each job once however often it is reported', async () => {
      // Prepare
      const s1 = { team: 'genomics', runId: 'RUN1', sampleId: 'S1', version: 1 };
      const s2 = { team: 'genomics', runId: 'RUN1', sampleId: 'S2', version: 1 };
      const record = (ref: typeof s1, step: string, event: Detail, region: string, transferBytes = 0) =>
        test.catalog.costs.record(ref, step, event.jobName, {
          ...jobCost(event, { region, config, transferBytes }),
          status: event.status,
        });
      // Act (trim-s1 reported twice: at-least-once delivery)
      const written = [
        await record(s1, 'qc', qcS1, 'eu-west-1'),
        await record(s1, 'trim', trimS1, 'eu-west-1'),
        await record(s1, 'trim', trimS1, 'eu-west-1'),
        await record(s2, 'trim', trimS2, 'us-east-1', 5 * GiB),
        await record(s2, 'qc', qcS2, 'eu-west-1'),
      ];
      for (const sampleId of ['S1', 'S2']) await test.catalog.samples.setStatus({ team: 'genomics', runId: 'RUN1', sampleId }, 'COMPLETED');
      await test.catalog.runs.recordFile('genomics', 'RUN1', {
        name: 'SampleSheet.csv',
        bucket: 'landfall-landing',
        key: 'incoming/genomics/RUN1/SampleSheet.csv',
        size: 1,
        etag: 'e',
        landedAt: '2026-11-23T00:00:00Z',
      });
      const perSample = await Promise.all(
        [s1, s2].map(async (ref) =>
          sumCosts((await test.catalog.costs.listForSample(ref)).map((item) => ({ ...item.cost, status: item.status }))),
        ),
      );
      const report = await costReport(test.catalog, ['genomics']);
      // Assess: S1 = $0.0024 + $0.0048; S2 = $0.1024 + qc-s2 (90 s × 1 vCPU = $0.001, 180 GB-s = $0.0002)
      expect(written).toEqual([true, true, false, true, true]);
      expect(perSample.map((sample) => [sample.jobs, sample.failedJobs, sample.attempts, sample.estimatedUsd])).toEqual([
        [2, 0, 3, 0.0072],
        [2, 1, 3, 0.1036],
      ]);
      const expected = {
        jobs: 4,
        failedJobs: 1,
        replacedJobs: 0,
        attempts: 6,
        vcpuSeconds: 1350,
        memoryGbSeconds: 2700,
        transferBytes: 5 * GiB,
        computeUsd: 0.0108,
        transferUsd: 0.1,
        estimatedUsd: 0.1108,
      };
      expect(report.runs).toEqual([expect.objectContaining({ team: 'genomics', runId: 'RUN1', samples: 2, ...expected })]);
      expect(report.teams).toEqual([{ team: 'genomics', runs: 1, ...expected }]);
      expect(report.total).toEqual(expected);
      expect((await costReport(test.catalog, ['genomics'], { since: new Date(Date.now() + 60_000) })).runs).toEqual([]);
    });
  });
});
