import type { ScratchClass } from '../../contracts/names.ts';
import type { Services } from '../shared/services.ts';
import { logger } from '../shared/powertools.ts';
import { warmVcpusAt } from './warmCapacity.ts';

/**
 * Called just before the submission of work placed in `region`: if the region is scaled down, marks it awake
 * (one caller wins) and raises its warm capacity to fit the job, so instances start while Batch notices
 * the RUNNABLE job. Before, not beside, the submission: the job's RUNNING records the wake-up latency only for
 * a wake already recorded, and on the embedded runtime a job runs within milliseconds. Never fails the
 * submission: Batch scales up for RUNNABLE work on its own, the raised floor only keeps the region warm until
 * its next inactivity alarm.
 *
 * A job with `scratch: 'large'` runs on the region's separate large-root-volume compute: its floor is raised
 * to fit the job on every such submission (awake region or not), so the next large step of the run finds an
 * instance (with its 1 TB volume) warm instead of waiting minutes for one; the inactivity alarm takes it back to 0.
 *
 * The wake's moment is the job's submission (`submittedAt`, taken before it), so the latency recorded when the
 * job runs counts from there: a job that starts at once is not found running before its region woke.
 *
 * @returns whether this call woke the region
 */
export async function wakeRegion(
  svc: Pick<Services, 'catalog' | 'capacity' | 'config'>,
  region: string,
  job: { jobName: string; vcpus: number; scratch?: ScratchClass },
  submittedAt = Date.now(),
): Promise<boolean> {
  try {
    if (job.scratch && job.scratch !== 'standard') await svc.capacity.setWarmVcpus(region, Math.ceil(job.vcpus), job.scratch);
    const state = await svc.catalog.regionScale.get(region);
    if (!state.scaledDown) return false;
    const warmVcpus = Math.max(warmVcpusAt(svc.config, region, new Date(submittedAt)), Math.ceil(job.vcpus));
    if (!(await svc.catalog.regionScale.markWoken(region, job.jobName, warmVcpus, submittedAt))) return false;
    await svc.capacity.setWarmVcpus(region, warmVcpus);
    return true;
  } catch (error) {
    logger.warn('could not raise warm capacity of a scaled-down region; Batch still scales for the job', {
      region,
      jobName: job.jobName,
      error: String(error),
    });
    return false;
  }
}
