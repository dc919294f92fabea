import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoRegionError } from '../../../functions/placement/errors.ts';
import { estimatedStart, placeJob, queueSeconds } from '../../../functions/placement/placeJob.ts';
import { isInfrastructureFailure, regionHealth } from '../../../functions/placement/regionHealth.ts';
import type { PlacementJob, RegionState, Reservation } from '../../../functions/placement/types.ts';

const GB = 1024 ** 3;
const HOME = 'eu-west-1';
const baseJob: PlacementJob = {
  jobName: 'exec-s1-trim',
  vcpus: 4,
  memoryMiB: 1024,
  expectedSeconds: 120,
  inputBytes: GB,
  dataRegions: [HOME],
  priority: 0,
};
const region = (name: string, vcpuQuota: number, preference: number, reservations: Reservation[] = []): RegionState => ({
  name,
  vcpuQuota,
  memoryMiB: vcpuQuota * 4096,
  preference,
  transferCostPerGb: 0.02,
  transferSecondsPerGb: 10,
  healthy: true,
  reservations,
});
const busy = (vcpus: number, expectedSeconds: number, priority = 0, count = 1): Reservation[] =>
  Array.from({ length: count }, () => ({ vcpus, memoryMiB: 1024, expectedSeconds, priority }));
const baseRegions = (): RegionState[] => [region(HOME, 64, 0), region('us-east-1', 32, 1), region('ap-south-1', 16, 2)];

describe('placeJob', () => {
  it('keeps a job at home while the home region has room, even when other regions are idle', () => {
    // Prepare
    const regions = baseRegions();
    regions[0]!.reservations = busy(4, 120, 0, 15); // 60 of 64 vCPUs
    // Act
    const decision = placeJob(structuredClone(baseJob), regions, HOME);
    // Assess
    expect(decision.region).toBe(HOME);
    expect(decision.reasons[0]).toBe(`chose home region ${HOME}`);
  });

  it('spills over from a saturated home region to the region where the job starts soonest, and says why', () => {
    // Prepare
    const regions = baseRegions();
    regions[0]!.reservations = busy(4, 120, 0, 32); // 128 vCPUs of work on 64: about 240 s of queue
    regions[1]!.reservations = busy(4, 120, 0, 8); // us-east-1 exactly full: 120 s of queue
    // Act
    const decision = placeJob(structuredClone(baseJob), regions, HOME);
    // Assess: ap-south-1 is idle, 10 s of staging beats any queue
    expect(decision.region).toBe('ap-south-1');
    expect(decision.estimatedStartSeconds).toBe(10);
    expect(decision.reasons[0]).toMatch(/home region eu-west-1 saturated \(est\. wait 240 s\)/);
  });

  it('gives an unhealthy region no work, even when it is the idle home region', () => {
    // Prepare
    const regions = baseRegions();
    regions[0]!.healthy = false;
    regions[0]!.healthReason = '2 infrastructure failures in the last 600 s';
    // Act
    const decision = placeJob(structuredClone(baseJob), regions, HOME);
    // Assess
    expect(decision.region).toBe('us-east-1');
    expect(decision.reasons[0]).toContain('home region eu-west-1 unhealthy (2 infrastructure failures');
  });

  it('throws a NoRegionError listing every region when none may take the job', () => {
    // Prepare
    const regions = baseRegions().map((state) => ({ ...state, healthy: state.name !== HOME ? false : state.healthy }));
    const tooBig = { ...structuredClone(baseJob), vcpus: 96 };
    // Act
    const act = () => placeJob(tooBig, regions, HOME);
    // Assess
    expect(act).toThrow(NoRegionError);
    expect(act).toThrow(/eu-west-1 needs 96 vCPUs, quota is 64; us-east-1 unhealthy; ap-south-1 unhealthy/);
  });

  it('follows the data: a job whose inputs are already staged in a remote region goes there when queues are equal', () => {
    // Prepare
    const regions = baseRegions();
    const staged = { ...structuredClone(baseJob), dataRegions: [HOME, 'us-east-1'] };
    regions[0]!.reservations = busy(4, 120, 0, 16); // home full
    regions[1]!.reservations = busy(4, 120, 0, 7); // room for one more
    // Act
    const decision = placeJob(staged, regions, HOME);
    const unstaged = placeJob(structuredClone(baseJob), regions, HOME);
    // Assess: with data there it starts at once; without, 10 s of staging anywhere but home
    expect(decision).toMatchObject({ region: 'us-east-1', estimatedStartSeconds: 0 });
    expect(decision.reasons[0]).toContain('inputs already there');
    expect(unstaged.estimatedStartSeconds).toBe(10);
  });

  it('prefers queueing at home over a remote transfer that costs more time than the queue', () => {
    // Prepare: home is full of 8 s jobs (512 vCPU-s ahead on 64 vCPUs = 8 s of queue); staging elsewhere is 10 s
    const regions = baseRegions();
    regions[0]!.reservations = busy(4, 8, 0, 16);
    // Act
    const decision = placeJob(structuredClone(baseJob), regions, HOME);
    // Assess
    expect(decision.region).toBe(HOME);
  });

  it('lets an urgent job ignore backlog of lower priority: it waits only for the first completion', () => {
    // Prepare: every region full of long backlog work
    const regions = baseRegions().map((state) => ({ ...state, reservations: busy(4, 120, 0, (state.vcpuQuota / 4) * 3) }));
    const urgent = { ...structuredClone(baseJob), priority: 100 };
    // Act
    const backlogWait = queueSeconds(baseJob, 64, regions[0]!.reservations);
    const urgentWait = queueSeconds(urgent, 64, regions[0]!.reservations);
    const decision = placeJob(urgent, regions, HOME);
    // Assess
    expect(backlogWait).toBe(360);
    expect(urgentWait).toBe(60);
    expect(decision.region).toBe(HOME);
  });

  it('counts urgent work ahead of an urgent job', () => {
    // Prepare
    const reservations = [...busy(4, 120, 0, 16), ...busy(4, 120, 100, 16)];
    // Act
    const wait = queueSeconds({ vcpus: 4, priority: 100 }, 64, reservations);
    // Assess
    expect(wait).toBe(120);
  });

  describe('with start times known (RUNNING events)', () => {
    const running = (vcpus: number, expectedSeconds: number, runningForSeconds: number, priority = 0): Reservation => ({
      vcpus,
      memoryMiB: 1024,
      expectedSeconds,
      priority,
      runningForSeconds,
    });

    it('starts an urgent job when enough running jobs finished, ignoring queued backlog', () => {
      // Prepare: 8 vCPUs busy with jobs finishing in 5, 20, 40 and 60 s; lots of backlog queued
      const reservations = [running(2, 60, 55), running(2, 60, 40), running(2, 60, 20), running(2, 60, 0), ...busy(2, 60, 0, 10)];
      // Act
      const urgent = estimatedStart({ vcpus: 4, priority: 100 }, 8, reservations);
      const backlog = estimatedStart({ vcpus: 4, priority: 0 }, 8, reservations);
      // Assess: two completions free 4 vCPUs at 20 s; the backlog job waits for the queue ahead to drain (1200 vCPU-s on 8)
      expect(urgent).toBe(20);
      expect(backlog).toBe(150);
    });

    it('loses capacity freed while its inputs are staged to the jobs queued behind it', () => {
      // Prepare: one job finishes in 5 s, the next in 40 s; staging takes 10 s
      const withQueue = [running(2, 60, 55), running(2, 60, 20), ...busy(2, 60, 0, 3)];
      const withoutQueue = [running(2, 60, 55), running(2, 60, 20)];
      // Act
      const queuedBehind = estimatedStart({ vcpus: 2, priority: 100 }, 4, withQueue, 10);
      const nothingBehind = estimatedStart({ vcpus: 2, priority: 100 }, 4, withoutQueue, 10);
      // Assess
      expect(queuedBehind).toBe(40);
      expect(nothingBehind).toBe(10);
    });
  });

  describe('properties', () => {
    const reservationArb = fc.record({
      vcpus: fc.integer({ min: 1, max: 8 }),
      memoryMiB: fc.constant(1024),
      expectedSeconds: fc.integer({ min: 1, max: 600 }),
      priority: fc.constantFrom(0, 100),
    });
    const regionsArb = fc.tuple(
      fc.array(reservationArb, { maxLength: 40 }),
      fc.array(reservationArb, { maxLength: 40 }),
      fc.array(reservationArb, { maxLength: 40 }),
      fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    );
    const jobArb = fc.record({
      vcpus: fc.integer({ min: 1, max: 8 }),
      priority: fc.constantFrom(0, 100),
      inputBytes: fc.integer({ min: 0, max: 20 * GB }),
      dataRegions: fc.subarray(['eu-west-1', 'us-east-1', 'ap-south-1'], { minLength: 1 }),
    });

    it('never places on an unhealthy region, and picks the eligible region with the earliest estimated start', () => {
      fc.assert(
        fc.property(regionsArb, jobArb, ([a, b, c, health], jobPart) => {
          // Prepare
          const regions = baseRegions();
          [a, b, c].forEach((reservations, i) => {
            regions[i]!.reservations = reservations;
            regions[i]!.healthy = health[i]!;
          });
          const job = { ...structuredClone(baseJob), ...jobPart };
          if (!health.some(Boolean)) {
            expect(() => placeJob(job, regions, HOME)).toThrow(NoRegionError);
            return;
          }
          // Act
          const decision = placeJob(job, regions, HOME);
          // Assess
          const chosen = regions.find((state) => state.name === decision.region)!;
          expect(chosen.healthy).toBe(true);
          const eligibleStarts = decision.candidates
            .filter((candidate) => candidate.eligible)
            .map((candidate) => candidate.estimatedStartSeconds);
          expect(decision.estimatedStartSeconds).toBeLessThan(Math.min(...eligibleStarts) + 1);
        }),
        { seed: 5, numRuns: 300 },
      );
    });

    it('is deterministic and does not depend on the order regions are listed in', () => {
      fc.assert(
        fc.property(regionsArb, jobArb, ([a, b, c], jobPart) => {
          // Prepare
          const regions = baseRegions();
          [a, b, c].forEach((reservations, i) => (regions[i]!.reservations = reservations));
          const job = { ...structuredClone(baseJob), ...jobPart };
          // Act
          const forward = placeJob(job, regions, HOME);
          const backward = placeJob(job, [...regions].reverse(), HOME);
          // Assess
          expect(backward.region).toBe(forward.region);
        }),
        { seed: 7, numRuns: 200 },
      );
    });

    it('never chooses a remote region while the home region has room and holds the data', () => {
      fc.assert(
        fc.property(fc.array(reservationArb, { maxLength: 10 }), jobArb, (homeLoad, jobPart) => {
          // Prepare
          const regions = baseRegions();
          regions[0]!.reservations = homeLoad;
          const job = { ...structuredClone(baseJob), ...jobPart, dataRegions: [HOME] };
          fc.pre(homeLoad.reduce((sum, r) => sum + r.vcpus, 0) + job.vcpus <= 64);
          // Act
          const decision = placeJob(job, regions, HOME);
          // Assess
          expect(decision.region).toBe(HOME);
        }),
        { seed: 11, numRuns: 200 },
      );
    });
  });
});

describe('regionHealth', () => {
  it.each([
    { case: 'no failures', failures: [], healthy: true },
    { case: 'one failure, threshold two', failures: [1_000], healthy: true },
    { case: 'two recent failures', failures: [1_000, 2_000], healthy: false },
    { case: 'two failures, one aged out of the window', failures: [-700_000, 2_000], healthy: true },
  ])('$case → healthy: $healthy', ({ failures, healthy }) => {
    // Act
    const judged = regionHealth(failures, 10_000, { unhealthyAfterFailures: 2, windowSeconds: 600 });
    // Assess
    expect(judged.healthy).toBe(healthy);
  });

  it.each([
    { case: 'spot interruption', reason: 'Host EC2 (instance i-0abc123) terminated.', infra: true },
    { case: 'application error', reason: 'Essential container in task exited', infra: false },
    { case: 'timeout', reason: 'Job attempt duration exceeded timeout', infra: false },
    { case: 'missing', reason: undefined, infra: false },
  ])('isInfrastructureFailure: $case → $infra', ({ reason, infra }) => {
    expect(isInfrastructureFailure(reason)).toBe(infra);
  });
});
