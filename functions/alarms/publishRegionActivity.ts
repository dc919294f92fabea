import type { ScheduledEvent } from '../../contracts/events/scheduled.ts';
import { ACTIVITY_NAMESPACE } from '../../contracts/names.ts';
import { activityDatapoints, regionActivity, type RegionActivity } from './regionActivity.ts';
import type { Services } from '../shared/services.ts';

/**
 * Every idle period: publishes each region's activity (jobs submitted, runnable, running) as metrics in
 * the home region with a `Region` dimension, which the inactivity alarms watch. A region without any
 * datapoint counts as idle too (`treatMissingData: breaching`), so a failed publish errs towards zero.
 */
export async function publishRegionActivity(
  svc: Services,
  _event: ScheduledEvent,
): Promise<{ outcome: 'published'; regions: RegionActivity[] }> {
  const now = Date.now();
  const since = now - svc.config.idle.periodSeconds * 1000;
  const regions = await Promise.all(
    svc.config.regions.map(async (region) => regionActivity(await svc.catalog.regionLoads.get(region.name), since)),
  );
  await svc.metrics.putMetricData(
    ACTIVITY_NAMESPACE,
    regions.flatMap((activity) => activityDatapoints(activity, now)),
  );
  return { outcome: 'published', regions };
}
