import type { ScheduledEvent } from '../../contracts/events/scheduled.ts';
import { warmVcpusAt } from './warmCapacity.ts';
import type { Services } from '../shared/services.ts';

/**
 * Business hours begin or end: a scaled-down region's warm floor follows its business-hours capacity
 * (the inactivity alarm fires once, so nothing else would raise it in the morning or lower it at night).
 * A region that is awake keeps its capacity until its alarm fires, which then applies the current hours.
 */
export async function applyBusinessHours(svc: Services, _event: ScheduledEvent) {
  const now = new Date();
  const changed: { region: string; warmVcpus: number }[] = [];
  for (const region of new Set(svc.config.idle.businessHours.map((hours) => hours.region))) {
    const warmVcpus = warmVcpusAt(svc.config, region, now);
    const state = await svc.catalog.regionScale.get(region);
    if (!state.scaledDown) continue;
    if (state.warmVcpus !== warmVcpus) {
      if (!(await svc.catalog.regionScale.setScaledDownFloor(region, warmVcpus))) continue; // woken meanwhile
      changed.push({ region, warmVcpus });
    }
    // Applied every time: idempotent, and it restores the floor of a compute stand-in that restarted.
    await svc.capacity.setWarmVcpus(region, warmVcpus);
  }
  return { outcome: changed.length > 0 ? 'changed' : 'unchanged', changed };
}
