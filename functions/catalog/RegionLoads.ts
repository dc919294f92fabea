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
 * How old this process's view of a region's load may be when a placement decides on it ({@link RegionLoads.forPlacement}).
 * The reservation itself is conditional on the revision, so a view another writer changed only costs a fresh read;
 * what a view can miss without a revision change (another process's `submitted`/`running` marks) is at most this old.
 */
export const PLACEMENT_VIEW_MS = 2_000;

/** A reservation as one string: `vcpus memoryMiB expectedSeconds priority reservedAt(epoch ms) inputBytes|- dataRegions(,)|-`. */
export function encodeReservation(reservation: Omit<StoredReservation, 'runningSince' | 'submittedAt'>): string {
  return [
    reservation.vcpus,
    reservation.memoryMiB,
    reservation.expectedSeconds,
    reservation.priority,
    Date.parse(reservation.reservedAt),
    reservation.inputBytes ?? '-',
    reservation.dataRegions?.length ? reservation.dataRegions.join(',') : '-',
  ].join(' ');
}

/** {@link encodeReservation} read back; an entry an earlier Landfall stored as a map is taken as it is. */
export function decodeReservation(stored: unknown, submittedAt?: number, runningSince?: number): StoredReservation {
  const marks = { ...(submittedAt !== undefined && { submittedAt }), ...(runningSince !== undefined && { runningSince }) };
  // The first hand-over stands (markSubmitted keeps it), whichever shape recorded it.
  if (typeof stored !== 'string')
    return { ...marks, ...(stored as StoredReservation), ...(runningSince !== undefined && { runningSince }) };
  const [vcpus, memoryMiB, expectedSeconds, priority, reservedAt, inputBytes, dataRegions] = stored.split(' ');
  return {
    vcpus: Number(vcpus),
    memoryMiB: Number(memoryMiB),
    expectedSeconds: Number(expectedSeconds),
    priority: Number(priority),
    reservedAt: new Date(Number(reservedAt)).toISOString(),
    ...(inputBytes !== undefined && inputBytes !== '-' && { inputBytes: Number(inputBytes) }),
    ...(dataRegions !== undefined && dataRegions !== '-' && { dataRegions: dataRegions.split(',') }),
    ...marks,
  };
}

/**
 * Per-region capacity items of the catalog table (`REGION#<name>` / `#LOAD`). Every write is ONE
 * conditional item write (the local server has no transactions): a reservation succeeds only on the
 * revision the placement read, so concurrent placements that chose the same region serialise there and
 * the loser decides again on fresh numbers. Reserving and releasing are idempotent per job name, so
 * retried submissions and duplicate completion events never count a job twice.
 *
 * Each reservation is stored as one short string (`jobs.<name>`, {@link encodeReservation}), with when it was
 * handed to Batch and when it started in maps of their own (`submitted.<name>`, `running.<name>`). Every
 * placement reads the whole item and every write rewrites it: as a map of named attributes per job, a region
 * holding 576 queued jobs took 11 ms of CPU to read (a 180 KB response) and 14 ms to update on the embedded
 * runtime, and three times that per step submitted in a burst. As strings, ~150 bytes a job of an ~80-character
 * name: a region holds ~2,500 jobs below DynamoDB's 400 KB item limit (as maps 1,600–1,800, near
 * `maxQueuedJobsPerRegion` plus the jobs running). Reservations an earlier Landfall stored as maps are still read.
 */
export class RegionLoads {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Regions whose item this process has seen with its `submitted` and `running` maps (see {@link #ensureShape}). */
  readonly #shaped = new Set<string>();

  /**
   * This process's last read of each region's load, with its own writes since applied exactly (each write learns the
   * revision it made: a gap means another writer, and the view is dropped). Replaced, never changed in place, so a
   * load handed out stays as it was.
   */
  readonly #views = new Map<string, { load: RegionLoad; readAt: number }>();

  /**
   * A region's load for a placement to decide on: this process's view when it was read from the table less than
   * {@link PLACEMENT_VIEW_MS} ago, else a fresh read. Every placement read the whole item — a region holding a
   * thousand queued jobs is a ~250 KB response, parsed and decoded on the runtime's one thread (DynamoDB: ~60 read
   * units) — and in a burst the placements come tens a second. A decision on a view another writer has since
   * changed fails its reservation's revision condition, and the placement reads afresh ({@link placeAndReserve}).
   */
  async forPlacement(region: string): Promise<RegionLoad> {
    const view = this.#views.get(region);
    if (view && Date.now() - view.readAt < PLACEMENT_VIEW_MS) return view.load;
    return this.get(region);
  }

  /** Sets the view of a region from what a write of this process made of it, or drops it when that is not known exactly. */
  #applyToView(region: string, madeRevision: number | undefined, change: (load: RegionLoad) => RegionLoad | undefined): void {
    const view = this.#views.get(region);
    if (!view) return;
    const expected = madeRevision === undefined ? view.load.revision : view.load.revision + 1;
    const next = (madeRevision ?? view.load.revision) === expected ? change(view.load) : undefined;
    if (next) this.#views.set(region, { load: { ...next, revision: expected }, readAt: view.readAt });
    else this.#views.delete(region);
  }

  /** Current load of a region (creating its empty item on first use). */
  async get(region: string): Promise<RegionLoad> {
    const readAt = Date.now();
    const read = async () =>
      (await this.#table.doc.send(new GetCommand({ TableName: this.#table.name, Key: keys.regionLoad(region), ConsistentRead: true })))
        .Item;
    let item = await read();
    if (!item) {
      try {
        await this.#table.doc.send(
          new PutCommand({
            TableName: this.#table.name,
            Item: { ...keys.regionLoad(region), region, revision: 0, jobs: {}, submitted: {}, running: {}, infraFailures: [] },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      item = await read();
    }
    if (item?.submitted && item.running) this.#shaped.add(region);
    const submitted = (item?.submitted ?? {}) as Record<string, number>;
    const running = (item?.running ?? {}) as Record<string, number>;
    const load: RegionLoad = {
      region,
      revision: Number(item?.revision ?? 0),
      jobs: Object.fromEntries(
        Object.entries((item?.jobs ?? {}) as Record<string, unknown>).map(([name, stored]) => [
          name,
          decodeReservation(stored, submitted[name], running[name]),
        ]),
      ),
      infraFailures: (item?.infraFailures ?? []) as number[],
    };
    this.#views.set(region, { load, readAt });
    return load;
  }

  /**
   * Adds the `submitted` and `running` maps to an item an earlier Landfall made without them (once per region and
   * process): an update of `submitted.<name>` or a removal from it needs the map to exist.
   */
  async #ensureShape(region: string): Promise<void> {
    if (this.#shaped.has(region)) return;
    await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: 'SET submitted = if_not_exists(submitted, :empty), running = if_not_exists(running, :empty)',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':empty': {} },
    });
    this.#shaped.add(region);
  }

  /** Reserves capacity for a job if the region is still at `seenRevision`; false when another write came first. */
  async reserve(
    region: string,
    jobName: string,
    reservation: Omit<StoredReservation, 'reservedAt' | 'runningSince'>,
    seenRevision: number,
  ): Promise<boolean> {
    await this.#ensureShape(region);
    const { submittedAt, ...held } = reservation;
    const stored = encodeReservation({ ...held, reservedAt: new Date().toISOString() });
    const reserved = await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: `SET jobs.#job = :reservation, revision = revision + :one${submittedAt !== undefined ? ', submitted.#job = :submitted' : ''}`,
      ConditionExpression: 'revision = :seen AND attribute_not_exists(jobs.#job)',
      ExpressionAttributeNames: { '#job': jobName },
      ExpressionAttributeValues: {
        ':reservation': stored,
        ':one': 1,
        ':seen': seenRevision,
        ...(submittedAt !== undefined && { ':submitted': submittedAt }),
      },
      ReturnValues: 'UPDATED_NEW',
    });
    if (!reserved) {
      this.#views.delete(region); // another writer came first: the next decision reads afresh
      return false;
    }
    // The write was conditional on `seenRevision`: a view at that revision takes the job, any other is dropped.
    this.#applyToView(region, Number(reserved.Attributes?.revision), (load) => ({
      ...load,
      jobs: { ...load.jobs, [jobName]: decodeReservation(stored, submittedAt) },
    }));
    return true;
  }

  /**
   * Notes that a reserved job was handed to Batch, so a queue that does not drain can be told from held work.
   * False when the job holds no reservation here (already released).
   */
  async markSubmitted(region: string, jobName: string, at: number): Promise<boolean> {
    return this.#setOnReservation(region, jobName, 'SET submitted.#job = if_not_exists(submitted.#job, :at)', at, (job) =>
      job.submittedAt === undefined ? { ...job, submittedAt: at } : job,
    );
  }

  /**
   * Notes that a reserved job started (its "Batch Job State Change" to RUNNING), so placement counts its
   * remaining time rather than all of it. Leaves the revision alone: a decision made on the older view is
   * only slightly pessimistic. False when the job holds no reservation here (already released).
   */
  async markRunning(region: string, jobName: string, since: number): Promise<boolean> {
    return this.#setOnReservation(region, jobName, 'SET running.#job = :at', since, (job) => ({ ...job, runningSince: since }));
  }

  async #setOnReservation(
    region: string,
    jobName: string,
    update: string,
    at: number,
    mark: (job: StoredReservation) => StoredReservation,
  ): Promise<boolean> {
    await this.#ensureShape(region);
    const set = await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: update,
      ConditionExpression: 'attribute_exists(jobs.#job)',
      ExpressionAttributeNames: { '#job': jobName },
      ExpressionAttributeValues: { ':at': at },
    });
    // No revision change either way: the view takes the mark when it holds the job, and is dropped when it
    // holds a job the table no longer has.
    this.#applyToView(region, undefined, (load) => {
      const job = load.jobs[jobName];
      if (!set) return job ? undefined : load;
      return job ? { ...load, jobs: { ...load.jobs, [jobName]: mark(job) } } : undefined;
    });
    return set !== undefined;
  }

  /** Releases a job's capacity; false when it held none there (already released: a duplicate event). */
  async release(region: string, jobName: string): Promise<boolean> {
    await this.#ensureShape(region);
    const released = await this.#table.updateIf({
      Key: keys.regionLoad(region),
      UpdateExpression: 'REMOVE jobs.#job, submitted.#job, running.#job SET revision = revision + :one',
      ConditionExpression: 'attribute_exists(jobs.#job)',
      ExpressionAttributeNames: { '#job': jobName },
      ExpressionAttributeValues: { ':one': 1 },
      ReturnValues: 'UPDATED_NEW',
    });
    this.#applyToView(region, released ? Number(released.Attributes?.revision) : undefined, (load) => {
      if (!released) return load.jobs[jobName] ? undefined : load;
      const { [jobName]: _released, ...jobs } = load.jobs;
      return { ...load, jobs };
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
    this.#views.delete(region); // placements decide on the failure from a fresh read
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
