import { NoRegionError } from './errors.ts';
import type { CandidateAssessment, PlacementDecision, PlacementJob, RegionState, Reservation } from './types.ts';

const GB = 1024 ** 3;
/** Estimated starts closer than this are a tie, decided by transfer cost, then preference. */
const TIE_SECONDS = 1;

/**
 * Estimated queueing of `job` in a region, in seconds. Reservations known to be running hold their vCPUs
 * until they finish (their remaining time is the estimate minus how long they have run); queued ones are
 * ahead of the job only at equal or higher priority. None when the job fits beside what blocks it;
 * otherwise the work ahead spread over the quota, and at least until the first running job should finish
 * (when nothing is known to run: half the shortest reservation). Ignores fragmentation: an estimate,
 * recomputed at every placement.
 */
export function queueSeconds(job: Pick<PlacementJob, 'vcpus' | 'priority'>, quota: number, reservations: readonly Reservation[]): number {
  const running = reservations.filter((r) => r.runningForSeconds !== undefined);
  const left = (r: Reservation) => (r.runningForSeconds === undefined ? r.expectedSeconds : Math.max(1, r.expectedSeconds - r.runningForSeconds));
  // Without start times every reservation may be holding capacity.
  const blocking = running.length > 0 ? [...running, ...reservations.filter((r) => r.runningForSeconds === undefined && r.priority >= job.priority)] : reservations;
  if (blocking.reduce((sum, r) => sum + r.vcpus, 0) + job.vcpus <= quota) return 0;
  const ahead = [...running, ...reservations.filter((r) => r.runningForSeconds === undefined && r.priority >= job.priority)].reduce((sum, r) => sum + r.vcpus * left(r), 0);
  const firstCompletion = running.length > 0 ? Math.min(...running.map(left)) : Math.min(...reservations.map((r) => r.expectedSeconds)) / 2;
  return Math.max(ahead / quota, firstCompletion);
}

function assess(job: PlacementJob, region: RegionState): CandidateAssessment {
  const remote = !job.dataRegions.includes(region.name);
  const gb = remote ? job.inputBytes / GB : 0;
  const stagingSeconds = gb * region.transferSecondsPerGb;
  const queue = queueSeconds(job, region.vcpuQuota, region.reservations);
  const base = { region: region.name, stagingSeconds, queueSeconds: queue, estimatedStartSeconds: stagingSeconds + queue, transferCostUsd: gb * region.transferCostPerGb };
  if (!region.healthy) return { ...base, eligible: false, excludedBecause: `unhealthy${region.healthReason ? ` (${region.healthReason})` : ''}` };
  if (job.vcpus > region.vcpuQuota) return { ...base, eligible: false, excludedBecause: `needs ${job.vcpus} vCPUs, quota is ${region.vcpuQuota}` };
  if (job.memoryMiB > region.memoryMiB) return { ...base, eligible: false, excludedBecause: `needs ${job.memoryMiB} MiB, region has ${region.memoryMiB}` };
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
  if (eligible.length === 0) throw new NoRegionError(job.jobName, candidates.map((c) => `${c.region} ${c.excludedBecause}`));
  const best = [...eligible].sort(
    (a, b) =>
      (Math.abs(a.estimatedStartSeconds - b.estimatedStartSeconds) >= TIE_SECONDS ? a.estimatedStartSeconds - b.estimatedStartSeconds : 0) ||
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
  return { jobName: job.jobName, region: best.region, estimatedStartSeconds: best.estimatedStartSeconds, reasons: [why, ...reasons], candidates };
}
