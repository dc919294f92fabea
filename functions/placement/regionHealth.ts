/** When a region stops getting new work. */
export interface HealthPolicy {
  /** Infrastructure failures (host terminated, region lost) within the window that make a region unhealthy. */
  unhealthyAfterFailures: number;
  /** How far back failures count; a region with none for this long is healthy again. */
  windowSeconds: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { unhealthyAfterFailures: 2, windowSeconds: 600 };

/**
 * A region is unhealthy while enough jobs failed there for infrastructure reasons recently; it recovers by
 * itself once the failures age out of the window (then it gets work again, and is judged again).
 *
 * @example regionHealth([Date.now()], Date.now(), { unhealthyAfterFailures: 1, windowSeconds: 60 }).healthy // false
 */
export function regionHealth(failureTimes: readonly number[], now: number, policy: HealthPolicy = DEFAULT_HEALTH_POLICY): { healthy: boolean; reason?: string } {
  const recent = failureTimes.filter((at) => now - at <= policy.windowSeconds * 1000);
  if (recent.length < policy.unhealthyAfterFailures) return { healthy: true };
  return { healthy: false, reason: `${recent.length} infrastructure failure(s) in the last ${policy.windowSeconds} s` };
}

/** Batch's status reason for a lost host (spot interruption, region outage): an infrastructure failure, not the job's fault. */
export const HOST_TERMINATED = /^Host EC2 \(instance [^)]*\) terminated\.?$/;

/** Whether an attempt ended for infrastructure reasons. */
export function isInfrastructureFailure(statusReason: string | undefined): boolean {
  return statusReason !== undefined && HOST_TERMINATED.test(statusReason);
}
