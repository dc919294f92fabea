import type { RegionConfig } from '../../config/schema.ts';
import type { RegionLoad, RegionLoads } from '../catalog/RegionLoads.ts';
import { PlacementContentionError, RegionsFullError } from './errors.ts';
import { isUrgentClass } from '../workflow/priority.ts';
import { placeJob } from './placeJob.ts';
import { DEFAULT_HEALTH_POLICY, queueDrain, regionHealth, type HealthPolicy } from './regionHealth.ts';
import type { PlacementDecision, PlacementJob, PlacementSetup, RegionState } from './types.ts';
import { counted } from '../../contracts/words.ts';

const MAX_ROUNDS = 25;
/** Urgent work may fill a region's queue this much beyond the bound, so a burst cannot keep it out. */
const URGENT_QUEUE_HEADROOM = 1.2;
const DEFAULT_MAX_QUEUED_JOBS = 1000;

/** A region's configuration and load item, as the pure placement function takes it. */
export function regionState(config: RegionConfig, load: RegionLoad, health: HealthPolicy, now: number): RegionState {
  const failures = regionHealth(load.infraFailures, now, health);
  const drain = queueDrain(
    Object.values(load.jobs),
    config.vcpuQuota,
    now,
    health.queueStallSeconds ?? DEFAULT_HEALTH_POLICY.queueStallSeconds!,
  );
  const judged = failures.healthy && !drain.draining ? { healthy: false, reason: drain.reason } : failures;
  return {
    name: config.name,
    vcpuQuota: config.vcpuQuota,
    memoryMiB: config.memoryMiB ?? config.vcpuQuota * 4096,
    preference: config.preference,
    transferCostPerGb: config.transferCostPerGb,
    transferSecondsPerGb: config.transferSecondsPerGb,
    healthy: judged.healthy,
    ...(judged.reason !== undefined && { healthReason: judged.reason }),
    reservations: Object.values(load.jobs).map(({ vcpus, memoryMiB, expectedSeconds, priority, runningSince }) => ({
      vcpus,
      memoryMiB,
      expectedSeconds,
      priority,
      ...(runningSince !== undefined && { runningForSeconds: Math.max(0, (now - runningSince) / 1000) }),
    })),
  };
}

/**
 * Places a job and reserves its capacity: reads every region's load item, lets {@link placeJob} decide,
 * and reserves on the chosen region only if that item is unchanged since it was read; otherwise decides
 * again on fresh numbers. A job that already holds a reservation (a retried submission) keeps it.
 *
 * @example const decision = await placeAndReserve(catalog.regionLoads, setup, job); // decision.region
 */
export function placeAndReserve(
  store: RegionLoads,
  setup: PlacementSetup,
  job: PlacementJob,
  options: { exclude?: readonly string[] } = {},
): Promise<PlacementDecision & { reused?: boolean }> {
  // One placement at a time per catalog client (one per process): concurrent ones would only lose the
  // conditional write to each other and decide again, so a burst of N submissions cost O(N²) reads and
  // writes of the load items (23,000 rounds for 200 samples). Between processes (Lambda) and clients the
  // revision check still serialises them.
  const placed = (placementQueues.get(store) ?? Promise.resolve()).then(() => placeAndReserveNow(store, setup, job, options));
  placementQueues.set(
    store,
    placed.then(
      () => undefined,
      () => undefined,
    ),
  );
  return placed;
}

const placementQueues = new WeakMap<RegionLoads, Promise<void>>();

async function placeAndReserveNow(
  store: RegionLoads,
  setup: PlacementSetup,
  job: PlacementJob,
  options: { exclude?: readonly string[] },
): Promise<PlacementDecision & { reused?: boolean }> {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const loads = await Promise.all(setup.regions.map((region) => store.get(region.name)));
    const held = loads.find((load) => load.jobs[job.jobName] !== undefined);
    if (held)
      return {
        jobName: job.jobName,
        region: held.region,
        estimatedStartSeconds: 0,
        reasons: [`already reserved in ${held.region}`],
        candidates: [],
        reused: true,
      };
    const now = (setup.now ?? Date.now)();
    const bound = Math.floor(
      (setup.health.maxQueuedJobs ?? DEFAULT_MAX_QUEUED_JOBS) * (isUrgentClass(job.priority) ? URGENT_QUEUE_HEADROOM : 1),
    );
    const full: string[] = [];
    const states = setup.regions.map((region, i) => {
      const state = regionState(region, loads[i]!, setup.health, now);
      // A region the job is being moved away from counts as unhealthy for this job.
      if (options.exclude?.includes(region.name))
        return { ...state, healthy: false, healthReason: state.healthReason ?? 'the job is being moved away from it' };
      const waiting = Object.values(loads[i]!.jobs).filter((reserved) => reserved.runningSince === undefined).length;
      if (waiting < bound) return state;
      full.push(`${region.name} holds ${waiting} waiting jobs (bound ${bound})`);
      return { ...state, healthy: false, healthReason: `its queue is full: ${waiting} waiting jobs` };
    });
    // No region can take it now, and a full queue is among the reasons: wait for room (the workflow retries
    // the submission) instead of failing the step.
    if (full.length > 0 && states.every((state) => !state.healthy)) throw new RegionsFullError(job.jobName, full);
    const decision = placeJob(job, states, setup.homeRegion);
    const chosen = loads.find((load) => load.region === decision.region)!;
    const reservation = {
      vcpus: job.vcpus,
      memoryMiB: job.memoryMiB,
      expectedSeconds: job.expectedSeconds,
      priority: job.priority,
      inputBytes: job.inputBytes,
      dataRegions: [...job.dataRegions],
    };
    if (await store.reserve(decision.region, job.jobName, reservation, chosen.revision)) {
      return round === 1
        ? decision
        : { ...decision, reasons: [...decision.reasons, `decided again after ${counted(round - 1, 'concurrent placement')}`] };
    }
  }
  throw new PlacementContentionError(job.jobName, MAX_ROUNDS);
}
