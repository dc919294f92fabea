import { describe, expect, it } from 'vitest';
import { pickMoves, type QueuedJob, type RebalanceRegion } from '../../../functions/placement/rebalance.ts';

const GB = 1024 ** 3;
const queued = (jobName: string, expectedSeconds = 120): QueuedJob => ({
  jobName,
  vcpus: 4,
  memoryMiB: 1024,
  expectedSeconds,
  priority: 0,
  inputBytes: GB,
  dataRegions: ['eu-west-1'],
});
const region = (name: string, vcpuQuota: number, change: Partial<RebalanceRegion> = {}): RebalanceRegion => ({
  name,
  vcpuQuota,
  transferSecondsPerGb: 10,
  healthy: true,
  freeVcpus: 0,
  runningWork: vcpuQuota * 60,
  queue: [],
  ...change,
});

describe('pickMoves', () => {
  it('moves jobs from the back of a long queue to an idle region, as many as fit there', () => {
    // Prepare
    const regions = [
      region('eu-west-1', 8, { queue: [queued('a'), queued('b'), queued('c')] }),
      region('us-east-1', 8, { freeVcpus: 8, runningWork: 0 }),
    ];
    // Act
    const moves = pickMoves(structuredClone(regions));
    // Assess
    expect(moves.map((move) => [move.jobName, move.to])).toEqual([
      ['c', 'us-east-1'],
      ['b', 'us-east-1'],
    ]);
  });

  it.each([
    { case: 'the wait is shorter than staging', change: {}, source: { runningWork: 8 * 5, queue: [queued('a', 5)] } },
    { case: 'the idle region is unhealthy', change: { healthy: false }, source: { queue: [queued('a'), queued('b')] } },
    { case: 'the idle region has its own queue', change: { queue: [queued('x')] }, source: { queue: [queued('a'), queued('b')] } },
    { case: 'the job does not fit the free vCPUs', change: { freeVcpus: 2 }, source: { queue: [queued('a'), queued('b')] } },
  ])('moves nothing when $case', ({ change, source }) => {
    // Prepare
    const regions = [region('eu-west-1', 8, source), region('us-east-1', 8, { freeVcpus: 8, runningWork: 0, ...change })];
    // Act
    const moves = pickMoves(regions);
    // Assess
    expect(moves).toEqual([]);
  });

  it('moves a job waiting in an unhealthy region however short its wait there looks', () => {
    // Prepare: a lost region runs nothing, yet its queue looks empty ahead of the job (no running work)
    const regions = [
      region('eu-west-1', 8, { healthy: false, runningWork: 0, queue: [queued('stranded', 5)] }),
      region('us-east-1', 8, { freeVcpus: 8, runningWork: 0 }),
    ];
    // Act
    const moves = pickMoves(regions);
    // Assess
    expect(moves).toEqual([
      { jobName: 'stranded', from: 'eu-west-1', to: 'us-east-1', reason: 'eu-west-1 is unhealthy, starts in 10 s in us-east-1' },
    ]);
  });
});
