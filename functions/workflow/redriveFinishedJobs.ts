import { replayedJobStateChange } from '../../contracts/events/batch.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/**
 * How long a finished job's own state change is waited for before the sweep re-drives it: longer than the
 * handler's retries take (Lambda retries an asynchronous invocation after 1 and 2 minutes), and at least
 * two sweep intervals.
 */
export function finishedJobGraceMs(config: Pick<Services['config'], 'completeness'>): number {
  return Math.max(5 * 60_000, 2 * config.completeness.sweepSeconds * 1000);
}

/**
 * Jobs that finished but whose workflow task was never completed: the state change that completes it
 * (and releases the job's capacity) was lost or dead-lettered, so the job still holds its place in its
 * region's load. Without this the execution waits until its task times out (a day and more). For each
 * job seen RUNNING longer ago than {@link finishedJobGraceMs}, Batch is asked (DescribeJobs in the job's region; the
 * local executor on the embedded runtime); a job finished that long ago has its state change re-driven,
 * which the handler tolerates twice. Only running jobs are asked: they are bounded by the regions'
 * vCPUs, while queued jobs can number thousands.
 * @returns the names of the jobs whose state change was re-driven.
 */
export async function redriveFinishedJobs(
  svc: Pick<Services, 'config' | 'catalog' | 'jobs' | 'events'>,
  at = Date.now(),
): Promise<string[]> {
  const graceMs = finishedJobGraceMs(svc.config);
  const redriven: string[] = [];
  for (const region of svc.config.regions) {
    const load = await svc.catalog.regionLoads.get(region.name);
    for (const [jobName, reservation] of Object.entries(load.jobs)) {
      if (reservation.runningSince === undefined || at - reservation.runningSince < graceMs) continue;
      const job = await svc.catalog.jobs.get(jobName);
      if (!job?.jobId || job.replacedBy) continue;
      const description = await svc.jobs.describe(job.jobId, job.region);
      if (!description || (description.status !== 'SUCCEEDED' && description.status !== 'FAILED')) continue;
      if (at - (description.stoppedAt ?? at) < graceMs) continue; // its own event may still be on its way
      logger.warn('job finished but its workflow was never told: re-driving its state change', {
        jobName,
        jobId: job.jobId,
        region: job.region,
        status: description.status,
      });
      await svc.events.publish([replayedJobStateChange(description)]);
      redriven.push(jobName);
    }
  }
  return redriven;
}
