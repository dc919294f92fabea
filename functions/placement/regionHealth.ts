import { counted } from '../../contracts/words.ts';

/** When a region stops getting new work. */
export interface HealthPolicy {
  /** Infrastructure failures (host terminated, region lost) within the window that make a region unhealthy. */
  unhealthyAfterFailures: number;
  /** How far back failures count; a region with none for this long is healthy again. */
  windowSeconds: number;
  /** Submitted jobs waiting this long with room free mean the queue does not drain. @default 900 */
  queueStallSeconds?: number;
  /** Jobs a region may hold waiting (reserved, not running) before it takes no more. @default 1000 */
  maxQueuedJobs?: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { unhealthyAfterFailures: 2, windowSeconds: 600, queueStallSeconds: 900 };

/**
 * A region is unhealthy while enough jobs failed there for infrastructure reasons recently; it recovers by
 * itself once the failures age out of the window (then it gets work again, and is judged again).
 *
 * @example regionHealth([Date.now()], Date.now(), { unhealthyAfterFailures: 1, windowSeconds: 60 }).healthy // false
 */
export function regionHealth(
  failureTimes: readonly number[],
  now: number,
  policy: HealthPolicy = DEFAULT_HEALTH_POLICY,
): { healthy: boolean; reason?: string } {
  const recent = failureTimes.filter((at) => now - at <= policy.windowSeconds * 1000);
  if (recent.length < policy.unhealthyAfterFailures) return { healthy: true };
  return { healthy: false, reason: `${counted(recent.length, 'infrastructure failure')} in the last ${policy.windowSeconds} s` };
}

/** A job holding capacity in a region, as the drain check sees it. */
export interface QueuedJob {
  vcpus: number;
  /** Epoch ms it was handed to Batch; absent while it is held (behind early steps). */
  submittedAt?: number;
  /** Epoch ms it started; absent while it waits. */
  runningSince?: number;
}

/**
 * Whether a region's queue drains: it does not when jobs handed to Batch have waited longer than
 * `stallSeconds` although the region has room for them (a broken compute environment, a quota cut, an
 * image that cannot be pulled). A full region, or jobs held behind early steps, are waiting as designed.
 *
 * @example queueDrain([{ vcpus: 2, submittedAt: 0 }], 16, 3_600_000, 900).draining // false
 */
export function queueDrain(
  jobs: readonly QueuedJob[],
  vcpuQuota: number,
  now: number,
  stallSeconds: number,
): { draining: boolean; stalled: number; reason?: string } {
  const usedVcpus = jobs.filter((job) => job.runningSince !== undefined).reduce((sum, job) => sum + job.vcpus, 0);
  const stalled = jobs.filter(
    (job) =>
      job.runningSince === undefined &&
      job.submittedAt !== undefined &&
      now - job.submittedAt > stallSeconds * 1000 &&
      usedVcpus + job.vcpus <= vcpuQuota,
  );
  if (stalled.length === 0) return { draining: true, stalled: 0 };
  return {
    draining: false,
    stalled: stalled.length,
    reason: `queue not draining: ${counted(stalled.length, 'job')} handed to Batch over ${stallSeconds} s ago ${stalled.length === 1 ? 'has' : 'have'} not started though ${vcpuQuota - usedVcpus} of ${vcpuQuota} vCPUs are free`,
  };
}

/** Batch's status reason for a lost host (spot interruption, region outage): an infrastructure failure, not the job's fault. */
export const HOST_TERMINATED = /^Host EC2 \(instance [^)]*\) terminated\.?$/;

/** Whether an attempt ended for infrastructure reasons. */
export function isInfrastructureFailure(statusReason: string | undefined): boolean {
  return statusReason !== undefined && HOST_TERMINATED.test(statusReason);
}
