import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, strip } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';
import type { RunRecord } from './types.ts';

/** The run exists and its index writer lease is free, this caller's (`:me`), or expired (before `:now`). */
const LEASE_FREE = 'attribute_exists(pk) AND (attribute_not_exists(indexLeaseOwner) OR indexLeaseOwner = :me OR indexLeaseUntil < :now)';

/** A sample whose part of the run's index.json is stale, as marked (the mark tells a re-mark from the one read). */
export interface ChangedSample {
  sampleId: string;
  mark: string;
}

/**
 * What the run index writer coordinates through the catalog, per run: which samples changed since index.json
 * was last written (one small `INDEXDIRTY#<sample>` item each under the run), the run's change counter
 * (`indexRevision`) and the revision index.json shows (`indexWrittenRevision`), and a lease so that ONE writer
 * per run renders at a time (`indexLeaseOwner`, `indexLeaseUntil`). Every write is a single-item conditional
 * write (the local server has no transactions).
 */
export class RunIndexState {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Records that the run's index is stale (for `sampleId`'s part, when given) and returns the new revision. */
  async markChanged(team: string, runId: string, sampleId?: string): Promise<number> {
    await this.#markSample(team, runId, sampleId);
    return Number((await this.#count(team, runId)).indexRevision);
  }

  /**
   * {@link markChanged} then {@link acquire}, reading the lease from the count's own write: while another writer
   * holds the run (most facts of a busy run), the change is counted and nothing else is asked — the holder lets
   * go only at the revision it rendered (see {@link release}), so it renders this one. Only a free or expired
   * lease is then taken (and the write that takes it gives the writer its first round's run item).
   * @returns whether this caller holds the lease, and the run item as the taking write left it (none otherwise).
   */
  async markChangedAndAcquire(
    team: string,
    runId: string,
    sampleId: string | undefined,
    owner: string,
    leaseMs: number,
    now = Date.now(),
  ): Promise<{ acquired: boolean; run?: RunRecord }> {
    await this.#markSample(team, runId, sampleId);
    const counted = await this.#count(team, runId);
    if (counted.indexLeaseOwner !== undefined && (counted.indexLeaseUntil ?? 0) >= now) return { acquired: false };
    // Another writer may take it meanwhile: then it renders this change.
    const taken = await this.#take(team, runId, owner, leaseMs, now);
    return taken ? { acquired: true, run: taken } : { acquired: false };
  }

  /** Counts a change of the run (its `indexRevision`): the run item as the write left it. */
  async #count(team: string, runId: string): Promise<RunRecord> {
    const result = await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.run(team, runId),
        UpdateExpression: 'ADD indexRevision :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return strip<RunRecord>(result.Attributes)!;
  }

  /** The sample's own mark (a writer renders the marked samples only). */
  async #markSample(team: string, runId: string, sampleId: string | undefined): Promise<void> {
    if (sampleId === undefined) return;
    await this.#table.doc.send(
      new PutCommand({ TableName: this.#table.name, Item: { ...keys.indexChange(team, runId, sampleId), sampleId, mark: randomUUID() } }),
    );
  }

  /**
   * Takes (or renews) the run's writer lease for `owner` until `now + leaseMs`; false while another writer
   * holds an unexpired one (that writer will see this caller's change before it lets go, see {@link release}).
   */
  async acquire(team: string, runId: string, owner: string, leaseMs: number, now = Date.now()): Promise<boolean> {
    return (await this.#take(team, runId, owner, leaseMs, now)) !== undefined;
  }

  /** {@link acquire}: the run item as the taking write left it, or undefined while another writer holds the lease. */
  async #take(team: string, runId: string, owner: string, leaseMs: number, now: number): Promise<RunRecord | undefined> {
    try {
      const result = await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.run(team, runId),
          UpdateExpression: 'SET indexLeaseOwner = :me, indexLeaseUntil = :until',
          ConditionExpression: LEASE_FREE,
          ExpressionAttributeValues: { ':me': owner, ':until': now + leaseMs, ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<RunRecord>(result.Attributes);
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /** The samples marked changed, at most `limit` (a writer takes them in batches). */
  async changedSamples(team: string, runId: string, limit = 500): Promise<ChangedSample[]> {
    const { pk } = keys.indexChange(team, runId, '');
    const page = await this.#table.doc.send(
      new QueryCommand({
        TableName: this.#table.name,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'INDEXDIRTY#' },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (page.Items ?? []).map((item) => ({ sampleId: String(item.sampleId), mark: String(item.mark) }));
  }

  /** Forgets the marks a writer rendered, each only if it was not marked again meanwhile. */
  async clearChanged(team: string, runId: string, changed: readonly ChangedSample[]): Promise<void> {
    for (const { sampleId, mark } of changed) {
      try {
        await this.#table.doc.send(
          new DeleteCommand({
            TableName: this.#table.name,
            Key: keys.indexChange(team, runId, sampleId),
            ConditionExpression: 'mark = :mark',
            ExpressionAttributeValues: { ':mark': mark },
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error; // marked again: the next round renders it
      }
    }
  }

  /**
   * Lets go of the lease, recording that index.json shows `revision` — only if nothing changed since (the run's
   * revision is still `revision`). False when it moved: the writer keeps the lease and renders again, so a
   * change whose own writer found the lease taken is never left unwritten.
   */
  async release(team: string, runId: string, owner: string, revision: number): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.run(team, runId),
          UpdateExpression: 'SET indexWrittenRevision = :revision REMOVE indexLeaseOwner, indexLeaseUntil',
          ConditionExpression: 'indexLeaseOwner = :me AND indexRevision = :revision',
          ExpressionAttributeValues: { ':me': owner, ':revision': revision },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Gives the lease up without recording a write (a writer that failed or ran out of time; the sweep re-drives). */
  async abandon(team: string, runId: string, owner: string): Promise<void> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.run(team, runId),
          UpdateExpression: 'REMOVE indexLeaseOwner, indexLeaseUntil',
          ConditionExpression: 'indexLeaseOwner = :me',
          ExpressionAttributeValues: { ':me': owner },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
