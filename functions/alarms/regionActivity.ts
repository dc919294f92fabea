import type { RegionLoad } from '../catalog/RegionLoads.ts';
import { ACTIVE_JOBS_METRIC, ACTIVITY_NAMESPACE, REGION_DIMENSION } from '../../contracts/names.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import type { MetricDatum } from '../../seams/metrics/MetricsSink.ts';

/** A region's Landfall jobs at one moment. */
export interface RegionActivity {
  region: string;
  /** Placed since `since` (submitted during the period, even if already finished). */
  submitted: number;
  /** Placed and not running yet (submitted, runnable, starting). */
  runnable: number;
  running: number;
}

/**
 * Activity of a region from its catalog load item, where placement records every job it places until
 * the job ends: the one view both runtimes share.
 */
export function regionActivity(load: RegionLoad, since: number): RegionActivity {
  const jobs = Object.values(load.jobs);
  return {
    region: load.region,
    submitted: jobs.filter((job) => Date.parse(job.reservedAt) >= since).length,
    runnable: jobs.filter((job) => job.runningSince === undefined).length,
    running: jobs.filter((job) => job.runningSince !== undefined).length,
  };
}

/**
 * The datapoints of one region: `ActiveJobs` (what the inactivity alarm watches; a job submitted and
 * finished inside the period still counts) and its three parts for dashboards.
 */
export function activityDatapoints(activity: RegionActivity, timestamp: number): MetricDatum[] {
  const dimensions = { [REGION_DIMENSION]: activity.region };
  const active = Math.max(activity.submitted, activity.runnable + activity.running);
  return [
    { metricName: ACTIVE_JOBS_METRIC, dimensions, value: active, timestamp },
    { metricName: 'JobsSubmitted', dimensions, value: activity.submitted, timestamp },
    { metricName: 'JobsRunnable', dimensions, value: activity.runnable, timestamp },
    { metricName: 'JobsRunning', dimensions, value: activity.running, timestamp },
  ];
}

/**
 * A submission is activity of its region in the period it happens, even for a job that ends before the
 * next periodic sample sees it. Never fails the submission: a lost datapoint only makes idle come sooner.
 */
export async function noteSubmission(svc: Pick<Services, 'metrics'>, region: string, at = Date.now()): Promise<void> {
  const dimensions = { [REGION_DIMENSION]: region };
  try {
    await svc.metrics.putMetricData(ACTIVITY_NAMESPACE, [
      { metricName: ACTIVE_JOBS_METRIC, dimensions, value: 1, timestamp: at },
      { metricName: 'JobsSubmitted', dimensions, value: 1, timestamp: at },
    ]);
  } catch (error) {
    logger.warn('could not publish a submission datapoint', { region, error: String(error) });
  }
}
