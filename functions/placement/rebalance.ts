import type { Reservation } from './types.ts';

/** A queued (not yet started) job that could move. */
export interface QueuedJob extends Reservation {
  jobName: string;
  inputBytes: number;
  dataRegions: readonly string[];
}

/** A region as the rebalancer sees it: free capacity now, and its queue in dispatch order. */
export interface RebalanceRegion {
  name: string;
  vcpuQuota: number;
  transferSecondsPerGb: number;
  healthy: boolean;
  /** vCPUs not held by running jobs. */
  freeVcpus: number;
  /** vCPU-seconds still to run on jobs already running (their remaining time where known). */
  runningWork: number;
  /** Not started, in dispatch order (priority, then FIFO). */
  queue: readonly QueuedJob[];
}

export interface Move {
  jobName: string;
  from: string;
  to: string;
  reason: string;
}

const GB = 1024 ** 3;

/**
 * Late correction of early placement: a region with idle vCPUs and an empty queue takes queued jobs from
 * the back of other regions' queues when the job would start sooner after staging its inputs there than
 * by waiting where it is (work ahead of it spread over that region's quota). Placement decides on
 * estimates when a job becomes ready; queues drain unevenly, and without this the last jobs wait at home
 * while other regions idle. Pure: the caller moves the jobs (terminate, release, re-place with the target).
 *
 * @example pickMoves(regions) // [{ jobName: 'x-trim', from: 'eu-west-1', to: 'ap-south-1', reason: '…' }]
 */
export function pickMoves(regions: readonly RebalanceRegion[]): Move[] {
  const moves: Move[] = [];
  const free = new Map(regions.map((region) => [region.name, region.freeVcpus]));
  const taken = new Set<string>();
  for (const target of regions) {
    if (!target.healthy || target.queue.length > 0) continue;
    for (const source of regions) {
      if (source === target) continue;
      // Back of the queue first: those jobs wait longest.
      for (let i = source.queue.length - 1; i >= 0; i--) {
        const job = source.queue[i]!;
        if (taken.has(job.jobName) || job.vcpus > (free.get(target.name) ?? 0)) continue;
        const ahead = source.runningWork + source.queue.slice(0, i).reduce((sum, other) => sum + other.vcpus * other.expectedSeconds, 0);
        const wait = ahead / source.vcpuQuota;
        const staging = job.dataRegions.includes(target.name) ? 0 : (job.inputBytes / GB) * target.transferSecondsPerGb;
        // A job waiting in an unhealthy region may never start there (a lost region runs nothing): any room elsewhere is sooner.
        if (source.healthy && staging >= wait) continue;
        moves.push({
          jobName: job.jobName,
          from: source.name,
          to: target.name,
          reason: source.healthy
            ? `waits ~${Math.round(wait)} s in ${source.name}, starts in ${Math.round(staging)} s in ${target.name}`
            : `${source.name} is unhealthy, starts in ${Math.round(staging)} s in ${target.name}`,
        });
        taken.add(job.jobName);
        free.set(target.name, (free.get(target.name) ?? 0) - job.vcpus);
      }
    }
  }
  return moves;
}
