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
  const jobs = Object.values(load.jobs);
  const failures = regionHealth(load.infraFailures, now, health);
  const drain = queueDrain(jobs, config.vcpuQuota, now, health.queueStallSeconds ?? DEFAULT_HEALTH_POLICY.queueStallSeconds!);
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
    // A queued job's reservation is what placement weighs as it is (no copy: a region can hold a thousand, and a
    // burst places tens of jobs a second); a running one adds how long it has run.
    reservations: jobs.map((job) =>
      job.runningSince === undefined
        ? job
        : {
            vcpus: job.vcpus,
            memoryMiB: job.memoryMiB,
            expectedSeconds: job.expectedSeconds,
            priority: job.priority,
            runningForSeconds: Math.max(0, (now - job.runningSince) / 1000),
          },
    ),
  };
}

/**
 * Places a job and reserves its capacity: reads every region's load item (or this process's view of it, at most
 * `PLACEMENT_VIEW_MS` old), lets {@link placeJob} decide, and reserves on the chosen region only if that item
 * is unchanged since it was read; otherwise decides again on fresh numbers. A job that already holds a reservation (a retried submission) keeps it.
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

/** Jobs reserved in a region and not yet running, counted once per load as read (a load is never changed in place). */
function waitingJobs(load: RegionLoad): number {
  let count = waitingCounts.get(load);
  if (count === undefined) {
    count = 0;
    for (const reserved of Object.values(load.jobs)) if (reserved.runningSince === undefined) count++;
    waitingCounts.set(load, count);
  }
  return count;
}

const waitingCounts = new WeakMap<RegionLoad, number>();

async function placeAndReserveNow(
  store: RegionLoads,
  setup: PlacementSetup,
  job: PlacementJob,
  options: { exclude?: readonly string[] },
): Promise<PlacementDecision & { reused?: boolean }> {
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    // The first round may decide on this process's recent view of the loads; a reservation refused because the
    // region changed meanwhile sends the next round to the table.
    const now = (setup.now ?? Date.now)();
    const loads = await Promise.all(
      setup.regions.map((region) => (round === 1 ? store.forPlacement(region.name) : store.get(region.name))),
    );
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
    const bound = Math.floor(
      (setup.health.maxQueuedJobs ?? DEFAULT_MAX_QUEUED_JOBS) * (isUrgentClass(job.priority) ? URGENT_QUEUE_HEADROOM : 1),
    );
    const excluded = (name: string) => options.exclude?.includes(name) ?? false;
    const waiting = loads.map(waitingJobs);
    const full = setup.regions.flatMap((region, i) =>
      !excluded(region.name) && waiting[i]! >= bound ? [`${region.name} holds ${waiting[i]} waiting jobs (bound ${bound})`] : [],
    );
    // No region can take it now, and a full queue is among the reasons: wait for room (the workflow retries
    // the submission) instead of failing the step. Told before weighing any region: while a burst waits for room,
    // every execution asks again and again.
    if (full.length > 0 && setup.regions.every((region, i) => excluded(region.name) || waiting[i]! >= bound))
      throw new RegionsFullError(job.jobName, full);
    const states = setup.regions.map((region, i) => {
      const state = regionState(region, loads[i]!, setup.health, now);
      // A region the job is being moved away from counts as unhealthy for this job.
      if (excluded(region.name))
        return { ...state, healthy: false, healthReason: state.healthReason ?? 'the job is being moved away from it' };
      if (waiting[i]! < bound) return state;
      return { ...state, healthy: false, healthReason: `its queue is full: ${waiting[i]} waiting jobs` };
    });
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
