import { landfallEvent, type LandfallDetailType, type LandfallEventDetail } from '../../contracts/events/landfall.ts';
import { faultPoint } from './faults.ts';
import { FACT_CLAIM_LEASE_MS } from '../catalog/Facts.ts';
import { INSTANCE_ID } from './instance.ts';
import { logger } from './powertools.ts';
import type { Services } from './services.ts';

/**
 * Emits a Landfall event once per fact: the catalog claims the `dedupeKey` first (conditional write), so
 * repeated deliveries and racing handlers publish nothing twice, and marks it published after. If
 * publishing fails the claim is released, so a retry can emit it. The claim keeps the event (an outbox):
 * if the process dies between the claim and the publish, {@link relayUnpublishedFacts} publishes it (at
 * the embedded runtime's next start, after the claim's lease on schedule), whether or not anything would
 * ever emit the fact again: a fact costs latency, never the notification. `recordClaimed` runs once the fact is
 * claimed (or found claimed: a retry), before it is published.
 */
export async function emitOnce<T extends LandfallDetailType>(
  svc: Pick<Services, 'catalog' | 'events'>,
  detailType: T,
  detail: LandfallEventDetail<T>,
  { recordClaimed }: { recordClaimed?: () => Promise<unknown> } = {},
): Promise<boolean> {
  const event = landfallEvent(detailType, detail);
  await faultPoint('emit.beforeClaim', { detailType });
  const claimed = await svc.catalog.facts.claim(detail.dedupeKey, detailType, event);
  // A terminal write that ends what would emit the fact again goes after the claim: a process dying before
  // it leaves its work to recovery, after it the fact in the outbox.
  await recordClaimed?.();
  if (!claimed) return false;
  try {
    await faultPoint('emit.afterClaim', { detailType });
    await svc.events.publish([event]);
  } catch (error) {
    await svc.catalog.facts.release(detail.dedupeKey).catch(() => undefined);
    throw error;
  }
  // The event is out: failing the handler now would not help (its retry finds the claim held and stops).
  // An unmarked claim can be taken again once its lease ends, and the event carries its dedupeKey.
  await svc.catalog.facts
    .markPublished(detail.dedupeKey)
    .catch((error: unknown) => logger.warn('fact published but not marked so', { dedupeKey: detail.dedupeKey, detailType, error }));
  return true;
}

export interface RelayedFact {
  dedupeKey: string;
  detailType: string;
  owner: string;
  claimedAt: string;
}

/**
 * Publishes the kept events of facts whose publisher died between claiming and publishing them (the
 * reconciliation sweep's outbox relay). At the embedded runtime's start (`startup`) that is every claim of
 * another process, since one process owns the state dir; on schedule, claims older than the lease, which
 * no live function still holds (Lambda stops one after 15 minutes). Each is taken over by conditional
 * write first, so of racing relays, or a relay and a new emitter reclaiming after the lease, one publishes.
 * A fact whose publish fails stays claimed and is relayed again after its lease.
 */
export async function relayUnpublishedFacts(
  svc: Pick<Services, 'catalog' | 'events'>,
  { startup, now = Date.now() }: { startup: boolean; now?: number },
): Promise<RelayedFact[]> {
  const candidates = startup
    ? (await svc.catalog.facts.listUnpublished()).filter((fact) => fact.owner !== INSTANCE_ID)
    : await svc.catalog.facts.listUnpublished(new Date(now - FACT_CLAIM_LEASE_MS));
  const relayed: RelayedFact[] = [];
  for (const fact of candidates) {
    if (!(await svc.catalog.facts.takeOver(fact))) continue;
    try {
      await svc.events.publish([fact.event]);
    } catch (error) {
      logger.warn('could not relay an unpublished fact: it is relayed again after its lease', {
        dedupeKey: fact.dedupeKey,
        detailType: fact.detailType,
        error,
      });
      continue;
    }
    await svc.catalog.facts.markPublished(fact.dedupeKey);
    logger.warn('relayed a fact its publisher claimed but died before publishing', {
      dedupeKey: fact.dedupeKey,
      detailType: fact.detailType,
      owner: fact.owner,
      claimedAt: fact.claimedAt,
    });
    relayed.push({ dedupeKey: fact.dedupeKey, detailType: fact.detailType, owner: fact.owner, claimedAt: fact.claimedAt });
  }
  return relayed;
}
