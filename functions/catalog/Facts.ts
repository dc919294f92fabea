import { DeleteCommand, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { INSTANCE_ID } from '../shared/instance.ts';
import { type CatalogTable, isConditionFailure, now } from './CatalogTable.ts';
import { keys, UNPUBLISHED_FACT_SHARDS, unpublishedFactShardPk } from './tableDesign.ts';

/**
 * How long a fact's unpublished claim is left to its owner before another process may claim it again.
 * Longer than any function can run (Lambda stops one after 15 minutes at most), so a live publisher is
 * never overtaken: only a claim whose owner died is. In AWS this expiry is how a dead publisher's fact is
 * recovered: the sweep relays its kept event (functions/shared/emit.ts), or the next emitter claims it.
 */
export const FACT_CLAIM_LEASE_MS = 16 * 60_000;

/** A fact claimed with its event kept (the outbox) and not yet published. */
export interface UnpublishedFact {
  dedupeKey: string;
  detailType: string;
  owner: string;
  claimedAt: string;
  event: BusEvent;
}

/**
 * Facts emitted once (`FACT#<dedupeKey>` / `#FACT`): a fact is claimed before its event is published, with
 * the event kept on the claim (an outbox), and marked published after. Unpublished claims are listed on a
 * sparse, sharded GSI1 index, so the sweep relays what a dead process claimed but never published.
 */
export class Facts {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /**
   * Claims a fact (by dedupeKey) before its event is published; false when it is already claimed. The
   * claim records its owner (this process) and when, so a claim whose publisher died between the claim
   * and the publish is not held forever: once older than {@link FACT_CLAIM_LEASE_MS} and still not
   * published it is claimed again. One conditional put either way, so of racing claimers (or racing
   * reclaimers of a stale claim) exactly one wins. Claims written before owners were recorded have no
   * `owner` and no `publishedAt`: they are treated as published, never reclaimed (no fact emitted twice).
   *
   * With `event` the claim is also an outbox entry: the event is kept on it, and the claim is listed in a
   * sparse index of unpublished facts until it is marked published, so {@link listUnpublished} finds
   * a dead publisher's fact and the relay publishes it without any handler having to run again.
   */
  async claim(dedupeKey: string, detailType: string, event?: BusEvent): Promise<boolean> {
    const at = new Date();
    const claimedAt = at.toISOString();
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: {
            ...keys.fact(dedupeKey),
            detailType,
            claimedAt,
            owner: INSTANCE_ID,
            ...(event ? { event: JSON.stringify(event), ...keys.unpublishedFact(dedupeKey, claimedAt) } : {}),
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR (attribute_exists(#owner) AND attribute_not_exists(publishedAt) AND claimedAt < :staleBefore)',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':staleBefore': new Date(at.getTime() - FACT_CLAIM_LEASE_MS).toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Whether a fact's event went out: marked published, or claimed before owners were recorded (treated as
   * published, see {@link claim}). A claim still unpublished is not: its relay or its next claimer sends it.
   */
  async wentOut(dedupeKey: string): Promise<boolean> {
    const { Item } = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.fact(dedupeKey), ConsistentRead: true }),
    );
    return Item !== undefined && (Item.publishedAt !== undefined || Item.owner === undefined);
  }

  /**
   * Marks this process's claim of a fact published: it is never claimed again, and it leaves the index of
   * unpublished facts (with its kept event). A claim another process has taken over (this one outlived
   * the lease) is left to that process.
   */
  async markPublished(dedupeKey: string): Promise<void> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.fact(dedupeKey),
          UpdateExpression: 'SET publishedAt = :at REMOVE gsi1pk, gsi1sk, #event',
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner', '#event': 'event' },
          ExpressionAttributeValues: { ':at': now(), ':owner': INSTANCE_ID },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /**
   * Unpublished claims that kept their event (the outbox), oldest first within each index shard; with
   * `claimedBefore`, only those claimed before it. A key query per shard of the sparse index, never a scan.
   */
  async listUnpublished(claimedBefore?: Date): Promise<UnpublishedFact[]> {
    const facts: UnpublishedFact[] = [];
    for (let shard = 0; shard < UNPUBLISHED_FACT_SHARDS; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.#table.doc.send(
          new QueryCommand({
            TableName: this.#table.name,
            IndexName: 'gsi1',
            KeyConditionExpression: claimedBefore ? 'gsi1pk = :pk AND gsi1sk < :before' : 'gsi1pk = :pk',
            ExpressionAttributeValues: {
              ':pk': unpublishedFactShardPk(shard),
              ...(claimedBefore ? { ':before': claimedBefore.toISOString() } : {}),
            },
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) {
          if (item.publishedAt || typeof item.event !== 'string') continue;
          facts.push({
            dedupeKey: String(item.pk).slice(keys.fact('').pk.length),
            detailType: String(item.detailType),
            owner: String(item.owner),
            claimedAt: String(item.claimedAt),
            event: JSON.parse(item.event) as BusEvent,
          });
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    }
    return facts;
  }

  /**
   * Takes over another process's unpublished claim, as found by {@link listUnpublished}, so this
   * process can publish its kept event; false when the claim changed meanwhile (published, released,
   * reclaimed or taken over by another), in which case its event is not this process's to publish.
   */
  async takeOver(fact: Pick<UnpublishedFact, 'dedupeKey' | 'owner' | 'claimedAt'>): Promise<boolean> {
    const claimedAt = now();
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.fact(fact.dedupeKey),
          UpdateExpression: 'SET #owner = :me, claimedAt = :at, gsi1sk = :g2',
          ConditionExpression: '#owner = :owner AND claimedAt = :claimedAt AND attribute_not_exists(publishedAt)',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':me': INSTANCE_ID,
            ':at': claimedAt,
            ':g2': keys.unpublishedFact(fact.dedupeKey, claimedAt).gsi1sk,
            ':owner': fact.owner,
            ':claimedAt': fact.claimedAt,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Releases this process's claim of a fact whose event could not be published, so a retry can emit it. */
  async release(dedupeKey: string): Promise<void> {
    await this.#releaseClaim(dedupeKey, INSTANCE_ID);
  }

  /**
   * Releases, at once, every unpublished claim held by another process that kept no event (claimed
   * before claims were outboxes; those that did are relayed, see relayUnpublishedFacts): for the embedded
   * runtime's start, where one process owns the state dir, so any other owner is a runtime that died
   * between a claim and its publish. The start-up sweep then re-evaluates and the emitters claim and
   * publish those facts again. Such claims are in no index, so this is a Scan filtered on the fact key:
   * acceptable once per start of a local catalog, and never used in AWS (there concurrent Lambdas are all
   * live owners; the lease in {@link claim} is how a dead one's claim is recovered). Each release is a
   * conditional delete (same owner, still unpublished), so a claim that changed meanwhile is kept.
   */
  async releaseAbandoned(): Promise<Array<{ dedupeKey: string; detailType: string; owner: string; claimedAt: string }>> {
    const factKey = keys.fact('');
    const abandoned: Array<{ pk: string; detailType: string; owner: string; claimedAt: string }> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#table.doc.send(
        new ScanCommand({
          TableName: this.#table.name,
          FilterExpression:
            'begins_with(pk, :factPk) AND sk = :factSk AND attribute_exists(#owner) AND #owner <> :me AND attribute_not_exists(publishedAt) AND attribute_not_exists(#event)',
          ProjectionExpression: 'pk, detailType, #owner, claimedAt',
          ExpressionAttributeNames: { '#owner': 'owner', '#event': 'event' },
          ExpressionAttributeValues: { ':factPk': factKey.pk, ':factSk': factKey.sk, ':me': INSTANCE_ID },
          ExclusiveStartKey: startKey,
        }),
      );
      abandoned.push(...((page.Items ?? []) as typeof abandoned));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const released = [];
    for (const item of abandoned) {
      const dedupeKey = item.pk.slice(factKey.pk.length);
      if (await this.#releaseClaim(dedupeKey, item.owner))
        released.push({ dedupeKey, detailType: item.detailType, owner: item.owner, claimedAt: item.claimedAt });
    }
    return released;
  }

  /** Deletes a fact's claim if `owner` still holds it unpublished; false when it did not. */
  async #releaseClaim(dedupeKey: string, owner: string): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new DeleteCommand({
          TableName: this.#table.name,
          Key: keys.fact(dedupeKey),
          ConditionExpression: '#owner = :owner AND attribute_not_exists(publishedAt)',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
