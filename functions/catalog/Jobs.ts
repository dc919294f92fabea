import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, now, strip } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';
import type { JobRecord } from './types.ts';

/**
 * Step jobs (`JOB#<jobName>` / `#JOB`): the callback token the job's state change completes, the spec as
 * submitted (so a job can be moved to another region), and jobs held back behind their run's early steps
 * (listed on GSI1 per run until released).
 */
export class Jobs {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /**
   * Stores the callback token before the job is submitted (SubmitJob has no idempotency token); returns the record
   * it replaced, if any: an earlier attempt of the same submission, whose job Batch may already hold. A job moved
   * to another region meanwhile (`replacedBy`) is not written over: `movedTo` names the job that replaced it.
   */
  async record(job: JobRecord): Promise<{ previous?: JobRecord; movedTo?: undefined } | { movedTo: string }> {
    for (;;) {
      try {
        const { Attributes } = await this.#table.doc.send(
          new PutCommand({
            TableName: this.#table.name,
            Item: { ...keys.job(job.jobName), ...job },
            ConditionExpression: 'attribute_not_exists(replacedBy)',
            ReturnValues: 'ALL_OLD',
          }),
        );
        const previous = strip<JobRecord>(Attributes);
        return previous ? { previous } : {};
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // Moved; unless the move found nowhere to go and took its claim back since (then write again).
        const movedTo = (await this.get(job.jobName))?.replacedBy;
        if (movedTo) return { movedTo };
      }
    }
  }

  /** Hands a job's task to a new callback token (a retried submission of a moved job); false once it was moved too. */
  setTaskToken(jobName: string, taskToken: string): Promise<boolean> {
    return this.#setUnlessMoved(jobName, 'taskToken', taskToken);
  }

  /** Sets one attribute of a job that exists and was not moved; false otherwise. */
  async #setUnlessMoved(jobName: string, attribute: 'jobId' | 'taskToken', value: string): Promise<boolean> {
    const updated = await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: 'SET #attribute = :value',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replacedBy)',
      ExpressionAttributeNames: { '#attribute': attribute },
      ExpressionAttributeValues: { ':value': value },
    });
    return updated !== undefined;
  }

  /** Records a job held back behind the run's early steps (GSI1 `DEFERRED#<team>#<run>` finds it). */
  async defer(job: JobRecord & { deferredSpec: string }): Promise<void> {
    await this.#table.doc.send(
      new PutCommand({
        TableName: this.#table.name,
        Item: { ...keys.job(job.jobName), ...keys.deferredJob(job.team, job.runId, job.jobName), ...job },
      }),
    );
  }

  /** The jobs of a run still held back (not yet released). */
  async listDeferred(team: string, runId: string): Promise<JobRecord[]> {
    return this.#table.queryAll<JobRecord>({ index: 'gsi1', pk: keys.deferredIndex(team, runId), skPrefix: 'JOB#' });
  }

  /**
   * Whether the run holds any job back: one key of the index, not the held jobs' items (each carries its spec,
   * kilobytes). Asked at every deferral and every step published; listing them all each time read the run's
   * held jobs again per job held, quadratic in the run's samples (186 MB of the 282 MB of catalog responses in a
   * landing bench of two 96-sample runs).
   */
  async anyDeferred(team: string, runId: string): Promise<boolean> {
    const { Items } = await this.#table.doc.send(
      new QueryCommand({
        TableName: this.#table.name,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.deferredIndex(team, runId), ':prefix': 'JOB#' },
        ProjectionExpression: 'pk',
        Limit: 1,
      }),
    );
    return (Items?.length ?? 0) > 0;
  }

  /**
   * Claims a held job for its release. It stays on its run's held list, marked `releasedAt`, until its Batch job
   * id is recorded ({@link recordReleased}): a releaser that dies between the claim and that record leaves a
   * claim a later release sees and takes over ({@link reclaimStale}). False when another releaser got it first.
   */
  claimForRelease(jobName: string): Promise<boolean> {
    return this.#claimHeld(jobName, 'SET releasedAt = :at');
  }

  /** Takes over a release claimed at `releasedAt` that never recorded a job; false when anything moved on since. */
  async reclaimStale(jobName: string, releasedAt: string): Promise<boolean> {
    const claimed = await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: 'SET releasedAt = :at',
      ConditionExpression: 'releasedAt = :claimed AND attribute_not_exists(jobId) AND attribute_not_exists(replacedBy)',
      ExpressionAttributeValues: { ':at': now(), ':claimed': releasedAt },
    });
    return claimed !== undefined;
  }

  /** Records the Batch job id of a released job and takes it off its run's held list; false when it was moved meanwhile. */
  async recordReleased(jobName: string, jobId: string): Promise<boolean> {
    const updated = await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: 'SET jobId = :id REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replacedBy)',
      ExpressionAttributeValues: { ':id': jobId },
    });
    return updated !== undefined;
  }

  /** Takes a claimed job off its run's held list without a job: its sample ended, or it was moved. */
  async dropHeld(jobName: string): Promise<void> {
    await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'attribute_exists(pk)',
    });
  }

  /** Claims a held job so that it is never submitted (its sample is stopping); false when a releaser has it. */
  claimDeferred(jobName: string): Promise<boolean> {
    return this.#claimHeld(jobName, 'SET releasedAt = :at REMOVE gsi1pk, gsi1sk');
  }

  /** Marks a held job claimed with `update` (which sets `releasedAt`), once; false when another claim came first. */
  async #claimHeld(jobName: string, update: string): Promise<boolean> {
    const claimed = await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: update,
      // A job re-placed while held is released under its new name only.
      ConditionExpression: 'attribute_exists(deferredSpec) AND attribute_not_exists(releasedAt) AND attribute_not_exists(replacedBy)',
      ExpressionAttributeValues: { ':at': now() },
    });
    return claimed !== undefined;
  }

  /**
   * Puts a claimed job back in its run's held list because its submission failed, so the next release (a
   * later fact, the sweep) submits it instead of the sample waiting for its deadline. Only while it has no job.
   */
  async unclaimDeferred(job: Pick<JobRecord, 'team' | 'runId' | 'jobName'>): Promise<void> {
    const index = keys.deferredJob(job.team, job.runId, job.jobName);
    await this.#table.updateIf({
      Key: keys.job(job.jobName),
      UpdateExpression: 'SET gsi1pk = :pk, gsi1sk = :sk REMOVE releasedAt',
      ConditionExpression: 'attribute_exists(releasedAt) AND attribute_not_exists(jobId)',
      ExpressionAttributeValues: { ':pk': index.gsi1pk, ':sk': index.gsi1sk },
    });
  }

  async get(jobName: string): Promise<JobRecord | undefined> {
    const result = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.job(jobName), ConsistentRead: true }),
    );
    return strip<JobRecord>(result.Item);
  }

  /**
   * Records the Batch job id of a submitted job — unless the job was moved meanwhile (a region lost while it
   * was being submitted): false then, and the caller stops what it submitted, which nothing else knows of.
   */
  setJobId(jobName: string, jobId: string): Promise<boolean> {
    return this.#setUnlessMoved(jobName, 'jobId', jobId);
  }

  /**
   * Marks a job as replaced by another (its region was lost) — once: false when another handler of a
   * duplicate event re-placed it first. From then on the old job's events no longer complete the task, and
   * its id can no longer be recorded ({@link setJobId}). Returns the job as claimed: its Batch job id, if
   * one was recorded before the claim, is the job to stop.
   */
  async markReplaced(jobName: string, replacedBy: string): Promise<JobRecord | false> {
    const claimed = await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: 'SET replacedBy = :by, replacedAt = :at',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replacedBy)',
      ExpressionAttributeValues: { ':by': replacedBy, ':at': now() },
      ReturnValues: 'ALL_NEW',
    });
    return claimed ? strip<JobRecord>(claimed.Attributes)! : false;
  }

  /** Takes back a move claimed with {@link markReplaced} that found nowhere to go: the job stays and may be moved later. */
  async unmarkReplaced(jobName: string, replacedBy: string): Promise<void> {
    await this.#table.updateIf({
      Key: keys.job(jobName),
      UpdateExpression: 'REMOVE replacedBy, replacedAt',
      ConditionExpression: 'replacedBy = :by',
      ExpressionAttributeValues: { ':by': replacedBy },
    });
  }
}
