import type { Services } from '../shared/services.ts';
import { regionState } from './placeAndReserve.ts';
import { pickMoves, type RebalanceRegion } from './rebalance.ts';
import { replaceJob } from './replaceJob.ts';
import { placementSetup } from './stepPlacement.ts';

/**
 * After a job finished in `region` (capacity just freed there): moves queued jobs from the back of other
 * regions' queues when {@link pickMoves} says they would start sooner in `region`, each through
 * {@link replaceJob} (which places them again on fresh numbers). Jobs still held behind their run's early
 * steps stay where they are: they cannot start anywhere yet.
 * @returns the names of the jobs moved.
 */
export async function rebalanceInto(svc: Services, region: string, now = Date.now()): Promise<string[]> {
  const setup = placementSetup(svc.config);
  // One region: no other queue to take jobs from (and no region loads to read at every job's end).
  if (setup.regions.length < 2) return [];
  const loads = await Promise.all(setup.regions.map((config) => svc.catalog.regionLoads.get(config.name)));
  const view: RebalanceRegion[] = setup.regions.map((config, i) => {
    const load = loads[i]!;
    const entries = Object.entries(load.jobs);
    const running = entries.filter(([, reservation]) => reservation.runningSince !== undefined);
    const left = (expected: number, since: number) => Math.max(0, expected - (now - since) / 1000);
    return {
      name: config.name,
      vcpuQuota: config.vcpuQuota,
      transferSecondsPerGb: config.transferSecondsPerGb,
      healthy: regionState(config, load, setup.health, now).healthy,
      freeVcpus: config.vcpuQuota - running.reduce((sum, [, reservation]) => sum + reservation.vcpus, 0),
      runningWork: running.reduce((sum, [, r]) => sum + r.vcpus * left(r.expectedSeconds, r.runningSince!), 0),
      queue: entries
        .filter(([, reservation]) => reservation.runningSince === undefined)
        .sort(([, a], [, b]) => b.priority - a.priority || a.reservedAt.localeCompare(b.reservedAt))
        .map(([jobName, r]) => ({
          jobName,
          vcpus: r.vcpus,
          memoryMiB: r.memoryMiB,
          expectedSeconds: r.expectedSeconds,
          priority: r.priority,
          inputBytes: r.inputBytes ?? 0,
          dataRegions: r.dataRegions ?? [svc.config.homeRegion],
        })),
    };
  });
  const moved: string[] = [];
  for (const move of pickMoves(view).filter((candidate) => candidate.to === region)) {
    const job = await svc.catalog.jobs.get(move.jobName);
    if (!job || (job.deferredSpec && !job.releasedAt)) continue;
    if (await replaceJob(svc, move.jobName, `rebalanced: ${move.reason}`)) moved.push(move.jobName);
  }
  return moved;
}
