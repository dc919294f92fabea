import { landfallEvent, type LandfallDetailType, type LandfallEventDetail } from '../../events/schemas/landfall.ts';
import type { Services } from './services.ts';

/**
 * Emits a Landfall event once per fact: the catalog claims the `dedupeKey` first (conditional write), so
 * repeated deliveries and racing handlers publish nothing twice. If publishing fails the claim is
 * released, so a retry can emit it: a fact costs latency, never the notification.
 */
export async function emitOnce<T extends LandfallDetailType>(svc: Pick<Services, 'catalog' | 'events'>, detailType: T, detail: LandfallEventDetail<T>): Promise<boolean> {
  const event = landfallEvent(detailType, detail);
  if (!(await svc.catalog.claimFact(detail.dedupeKey, detailType))) return false;
  try {
    await svc.events.publish([event]);
  } catch (error) {
    await svc.catalog.releaseFact(detail.dedupeKey).catch(() => undefined);
    throw error;
  }
  return true;
}
