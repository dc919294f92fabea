import type { AlarmStateChangeEvent } from '../../contracts/events/cloudwatch.ts';
import { scratchClasses, type ScratchClass } from '../../contracts/names.ts';
import { regionOfAlarm } from './inactivityAlarms.ts';
import { warmVcpusAt } from './warmCapacity.ts';
import { emitOnce } from '../shared/emit.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/**
 * A region's inactivity alarm went to ALARM: take its warm compute to zero (or to its business-hours
 * capacity; large-scratch compute always to zero) and announce "Region Scaled Down". Running work is never stopped: capacity above the floor
 * drains as jobs end. Applied once per alarm transition; an alarm evaluated before new work woke the
 * region is stale and changes nothing.
 */
export async function scaleDownRegion(svc: Services, event: AlarmStateChangeEvent) {
  const { alarmName, state } = event.detail;
  if (state.value !== 'ALARM') return { outcome: 'ignored', alarmName, state: state.value };
  const dimensions = event.detail.configuration?.metrics[0]?.metricStat?.metric.dimensions;
  const region = regionOfAlarm(svc.config, alarmName, dimensions);
  if (!region) {
    logger.warn('alarm names no configured region', { alarmName });
    return { outcome: 'unknown-region', alarmName };
  }
  const at = Date.parse(state.timestamp);
  if (!Number.isFinite(at)) throw new Error(`alarm ${alarmName}: state.timestamp ${JSON.stringify(state.timestamp)} is not a timestamp`);
  const warmVcpus = warmVcpusAt(svc.config, region, new Date(at));
  if (!(await svc.catalog.regionScale.markScaledDown(region, warmVcpus, at))) {
    // A redelivery of the transition already applied retries the capacity call (it may have failed); anything else is stale.
    const current = await svc.catalog.regionScale.get(region);
    if (!(current.scaledDown && current.scaledDownAt === at)) return { outcome: 'stale', region, alarmName };
  }
  await svc.capacity.setWarmVcpus(region, warmVcpus);
  // Large-scratch compute has no business-hours floor: it is warm only between a large step and this alarm.
  for (const scratch of Object.keys(scratchClasses) as ScratchClass[])
    if (scratch !== 'standard') await svc.capacity.setWarmVcpus(region, 0, scratch);
  await emitOnce(svc, 'Region Scaled Down', {
    region,
    alarmName,
    warmVcpus,
    scaledDownAt: at,
    dedupeKey: `region-scaled-down:${region}:${at}`,
  });
  return { outcome: 'scaled-down', region, warmVcpus };
}
