import { NoRegionError } from './errors.ts';
import type { CandidateAssessment, PlacementDecision, PlacementJob, RegionState, Reservation } from './types.ts';

const GB = 1024 ** 3;
/** Estimated starts closer than this are a tie, decided by transfer cost, then preference. */
const TIE_SECONDS = 1;

/**
 * When `job` is expected to start in a region, in seconds from now, if its inputs are there after
 * `readyAfter` seconds (staging). Queued reservations are ahead of it only at equal or higher priority.
 * When start times are known (RUNNING events), the job starts once enough running jobs finished to fit it
 * and the work queued ahead (walking the running jobs by remaining time), and no sooner than that queued
 * work drains over the quota; capacity freed while its inputs are still being staged goes to the jobs
 * queued behind it, if there are any. Without start times every reservation may be holding capacity: the
 * work ahead over the quota, and at least half the shortest reservation (the expected wait for a first
 * completion). Ignores fragmentation: an estimate, recomputed at every placement.
 */
export function estimatedStart(
  job: Pick<PlacementJob, 'vcpus' | 'priority'>,
  quota: number,
  reservations: readonly Reservation[],
  readyAfter = 0,
): number {
  const running = reservations.filter((r) => r.runningForSeconds !== undefined);
  const queued = reservations.filter((r) => r.runningForSeconds === undefined);
  const queuedAhead = queued.filter((r) => r.priority >= job.priority);
  const sumVcpus = (list: readonly Reservation[]) => list.reduce((sum, r) => sum + r.vcpus, 0);
  if (running.length === 0) {
    if (sumVcpus(reservations) + job.vcpus <= quota) return readyAfter;
    const ahead = queuedAhead.reduce((sum, r) => sum + r.vcpus * r.expectedSeconds, 0);
    return readyAfter + Math.max(ahead / quota, Math.min(...reservations.map((r) => r.expectedSeconds)) / 2);
  }
  const drain = queuedAhead.reduce((sum, r) => sum + r.vcpus * r.expectedSeconds, 0) / quota;
  const left = running
    .map((r) => ({ vcpus: r.vcpus, seconds: Math.max(1, r.expectedSeconds - r.runningForSeconds!) }))
    .sort((a, b) => a.seconds - b.seconds);
  const lostWhileStaging = readyAfter > 0 && queued.length > queuedAhead.length;
  // What must be freed: with a queue behind it and inputs still on their way, everything free by then is taken.
  const need = lostWhileStaging ? sumVcpus(queuedAhead) + job.vcpus : sumVcpus(running) + sumVcpus(queuedAhead) + job.vcpus - quota;
  if (need <= 0) return Math.max(readyAfter, drain);
  let freed = 0;
  let freedAt = left.at(-1)!.seconds;
  for (const r of lostWhileStaging ? left.filter((candidate) => candidate.seconds >= readyAfter) : left) {
    freed += r.vcpus;
    if (freed >= need) {
      freedAt = r.seconds;
      break;
    }
  }
  return Math.max(readyAfter, freedAt, drain);
}

/** Queueing alone: {@link estimatedStart} when the inputs are already there. */
export function queueSeconds(job: Pick<PlacementJob, 'vcpus' | 'priority'>, quota: number, reservations: readonly Reservation[]): number {
  return estimatedStart(job, quota, reservations, 0);
}

function assess(job: PlacementJob, region: RegionState): CandidateAssessment {
  const remote = !job.dataRegions.includes(region.name);
  const gb = remote ? job.inputBytes / GB : 0;
  const stagingSeconds = gb * region.transferSecondsPerGb;
  const start = estimatedStart(job, region.vcpuQuota, region.reservations, stagingSeconds);
  const base = {
    region: region.name,
    stagingSeconds,
    queueSeconds: start - stagingSeconds,
    estimatedStartSeconds: start,
    transferCostUsd: gb * region.transferCostPerGb,
  };
  if (!region.healthy)
    return { ...base, eligible: false, excludedBecause: `unhealthy${region.healthReason ? ` (${region.healthReason})` : ''}` };
  if (job.vcpus > region.vcpuQuota)
    return { ...base, eligible: false, excludedBecause: `needs ${job.vcpus} vCPUs, quota is ${region.vcpuQuota}` };
  if (job.memoryMiB > region.memoryMiB)
    return { ...base, eligible: false, excludedBecause: `needs ${job.memoryMiB} MiB, region has ${region.memoryMiB}` };
  return { ...base, eligible: true };
}

const seconds = (value: number) => `${Math.round(value)} s`;

/**
 * Chooses the region for one job: the healthy region where it is expected to start soonest (staging its
 * inputs there, if they are not there yet, plus queueing behind work of its priority or higher); near-ties
 * go to the cheaper transfer, then the preferred region, then the home region. Pure: the same inputs give
 * the same decision, so the caller can reserve the chosen region atomically and recompute on a conflict.
 *
 * @throws {NoRegionError} when every region is unhealthy or too small for the job.
 * @example
 * const decision = placeJob(job, regions, 'eu-west-1');
 * // decision.region === 'us-east-1'; decision.reasons[0] === 'eu-west-1: est. start 450 s (queue 450 s)…'
 */
export function placeJob(job: PlacementJob, regions: readonly RegionState[], homeRegion: string): PlacementDecision {
  const candidates = regions.map((region) => assess(job, region));
  const preference = new Map(regions.map((region) => [region.name, region.preference]));
  const eligible = candidates.filter((candidate) => candidate.eligible);
  if (eligible.length === 0)
    throw new NoRegionError(
      job.jobName,
      candidates.map((c) => `${c.region} ${c.excludedBecause}`),
    );
  const best = [...eligible].sort(
    (a, b) =>
      (Math.abs(a.estimatedStartSeconds - b.estimatedStartSeconds) >= TIE_SECONDS
        ? a.estimatedStartSeconds - b.estimatedStartSeconds
        : 0) ||
      a.transferCostUsd - b.transferCostUsd ||
      (preference.get(a.region) ?? 0) - (preference.get(b.region) ?? 0) ||
      Number(b.region === homeRegion) - Number(a.region === homeRegion) ||
      a.region.localeCompare(b.region),
  )[0]!;
  const reasons = candidates.map((c) =>
    c.eligible
      ? `${c.region}: est. start ${seconds(c.estimatedStartSeconds)} (queue ${seconds(c.queueSeconds)}, staging ${seconds(c.stagingSeconds)}, transfer $${c.transferCostUsd.toFixed(3)})`
      : `${c.region}: excluded, ${c.excludedBecause}`,
  );
  const home = candidates.find((c) => c.region === homeRegion);
  const dataNote = best.region !== homeRegion && job.dataRegions.includes(best.region) ? ', inputs already there' : '';
  const why =
    best.region === homeRegion
      ? `chose home region ${best.region}`
      : home && !home.eligible
        ? `chose ${best.region}: home region ${homeRegion} ${home.excludedBecause}${dataNote}`
        : home && home.queueSeconds > 0
          ? `chose ${best.region}: home region ${homeRegion} saturated (est. wait ${seconds(home.queueSeconds)})${dataNote}`
          : `chose ${best.region}: starts soonest${dataNote}`;
  return {
    jobName: job.jobName,
    region: best.region,
    estimatedStartSeconds: best.estimatedStartSeconds,
    reasons: [why, ...reasons],
    candidates,
  };
}
