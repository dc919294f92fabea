import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';

/** A reservation as stored: what placement weighs, plus what a later move of the queued job needs. */
export interface StoredReservation {
  vcpus: number;
  memoryMiB: number;
  /** Best guess of the job's run time, seconds (placement weighs queued work with it). */
  expectedSeconds: number;
  /** Batch scheduling priority: higher runs first within a region. */
  priority: number;
  reservedAt: string;
  /** Epoch ms, set when the job's RUNNING event arrives. */
  runningSince?: number;
  /** Epoch ms, set once the job was handed to Batch (a job held behind early steps is reserved but not submitted). */
  submittedAt?: number;
  inputBytes?: number;
  dataRegions?: string[];
}

/** A region's load item: every job holding capacity there, and its recent infrastructure failures. */
export interface RegionLoad {
  region: string;
  /** Bumped by every reservation, release and infrastructure failure: the version a placement decided on. */
  revision: number;
  /** Jobs queued or running in the region, by job name; `runningSince` (epoch ms) once it runs. */
  jobs: Record<string, StoredReservation>;
  /** Epoch ms of recent infrastructure failures (the newest {@link KEEP_FAILURES}). */
  infraFailures: number[];
}

const KEEP_FAILURES = 20;

/**
 * Per-region capacity items of the catalog table (`REGION#<name>` / `#LOAD`). Every write is ONE
 * conditional item write (the local server has no transactions): a reservation succeeds only on the
 * revision the placement read, so concurrent placements that chose the same region serialise there and
 * the loser decides again on fresh numbers. Reserving and releasing are idempotent per job name, so
 * retried submissions and duplicate completion events never count a job twice. At ~100 bytes per job an
 * item holds thousands of concurrent jobs, far below the 400 KB item limit.
 */
export class RegionLoads {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Current load of a region (creating its empty item on first use). */
  async get(region: string): Promise<RegionLoad> {
    const read = async () =>
      (await this.#table.doc.send(new GetCommand({ TableName: this.#table.name, Key: keys.regionLoad(region), ConsistentRead: true })))
        .Item;
    let item = await read();
    if (!item) {
      try {
        await this.#table.doc.send(
          new PutCommand({
            TableName: this.#table.name,
            Item: { ...keys.regionLoad(region), region, revision: 0, jobs: {}, infraFailures: [] },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      item = await read();
    }
    return {
      region,
      revision: Number(item?.revision ?? 0),
      jobs: (item?.jobs ?? {}) as RegionLoad['jobs'],
      infraFailures: (item?.infraFailures ?? []) as number[],
    };
  }

  /** Reserves capacity for a job if the region is still at `seenRevision`; false when another write came first. */
  async reserve(
    region: string,
    jobName: string,
    reservation: Omit<StoredReservation, 'reservedAt' | 'runningSince'>,
    seenRevision: number,
  ): Promise<boolean> {
    const reserved = await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: 'SET jobs.#job = :reservation, revision = revision + :one',
      ConditionExpression: 'revision = :seen AND attribute_not_exists(jobs.#job)',
      ExpressionAttributeNames: { '#job': jobName },
      ExpressionAttributeValues: {
        ':reservation': { ...reservation, reservedAt: new Date().toISOString() },
        ':one': 1,
        ':seen': seenRevision,
      },
    });
    return reserved !== undefined;
  }

  /**
   * Notes that a reserved job was handed to Batch, so a queue that does not drain can be told from held work.
   * False when the job holds no reservation here (already released).
   */
  async markSubmitted(region: string, jobName: string, at: number): Promise<boolean> {
    return this.#setOnReservation(region, jobName, 'SET jobs.#job.submittedAt = if_not_exists(jobs.#job.submittedAt, :at)', at);
  }

  /**
   * Notes that a reserved job started (its "Batch Job State Change" to RUNNING), so placement counts its
   * remaining time rather than all of it. Leaves the revision alone: a decision made on the older view is
   * only slightly pessimistic. False when the job holds no reservation here (already released).
   */
  async markRunning(region: string, jobName: string, since: number): Promise<boolean> {
    return this.#setOnReservation(region, jobName, 'SET jobs.#job.runningSince = :at', since);
  }

  async #setOnReservation(region: string, jobName: string, update: string, at: number): Promise<boolean> {
    const set = await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: update,
      ConditionExpression: 'attribute_exists(jobs.#job)',
      ExpressionAttributeNames: { '#job': jobName },
      ExpressionAttributeValues: { ':at': at },
    });
    return set !== undefined;
  }

  /** Releases a job's capacity; false when it held none there (already released: a duplicate event). */
  async release(region: string, jobName: string): Promise<boolean> {
    const released = await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: 'REMOVE jobs.#job SET revision = revision + :one',
      ConditionExpression: 'attribute_exists(jobs.#job)',
      ExpressionAttributeNames: { '#job': jobName },
      ExpressionAttributeValues: { ':one': 1 },
    });
    return released !== undefined;
  }

  /**
   * Appends an infrastructure failure (host terminated) to the region's record; returns the recent ones.
   * Bumps the revision: a placement that read the region healthy just before must decide again, or it
   * would reserve in a failing region after the move of its jobs had already listed them.
   */
  async recordInfraFailure(region: string, at: number): Promise<number[]> {
    await this.get(region);
    const result = await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.regionLoad(region),
        UpdateExpression: 'SET infraFailures = list_append(infraFailures, :at), revision = revision + :one',
        ExpressionAttributeValues: { ':at': [at], ':one': 1 },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const failures = (result.Attributes?.infraFailures ?? []) as number[];
    if (failures.length > KEEP_FAILURES) {
      // Trimming races with a concurrent append at worst drop one old entry: health needs recent ones only.
      const kept = failures.slice(-KEEP_FAILURES);
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.regionLoad(region),
          UpdateExpression: 'SET infraFailures = :kept',
          ExpressionAttributeValues: { ':kept': kept },
        }),
      );
      return kept;
    }
    return failures;
  }
}
