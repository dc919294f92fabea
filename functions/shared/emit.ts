import { landfallEvent, type LandfallDetailType, type LandfallEventDetail } from '../../events/schemas/landfall.ts';
import { faultPoint } from './faults.ts';
import { logger } from './powertools.ts';
import type { Services } from './services.ts';

/**
 * Emits a Landfall event once per fact: the catalog claims the `dedupeKey` first (conditional write), so
 * repeated deliveries and racing handlers publish nothing twice, and marks it published after. If
 * publishing fails the claim is released, so a retry can emit it; if the process dies between the claim
 * and the publish, the claim is recovered (released at the embedded runtime's next start, claimable again
 * after its lease in AWS) and the next emitter of the fact publishes it: a fact costs latency, never the
 * notification.
 */
export async function emitOnce<T extends LandfallDetailType>(svc: Pick<Services, 'catalog' | 'events'>, detailType: T, detail: LandfallEventDetail<T>): Promise<boolean> {
  const event = landfallEvent(detailType, detail);
  if (!(await svc.catalog.claimFact(detail.dedupeKey, detailType))) return false;
  try {
    await faultPoint('emit.afterClaim', { detailType });
    await svc.events.publish([event]);
  } catch (error) {
    await svc.catalog.releaseFact(detail.dedupeKey).catch(() => undefined);
    throw error;
  }
  // The event is out: failing the handler now would not help (its retry finds the claim held and stops).
  // An unmarked claim can be taken again once its lease ends, and the event carries its dedupeKey.
  await svc.catalog.markFactPublished(detail.dedupeKey).catch((error: unknown) => logger.warn('fact published but not marked so', { dedupeKey: detail.dedupeKey, detailType, error }));
  return true;
}
