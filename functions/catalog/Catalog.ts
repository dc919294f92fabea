import { DynamoDBClient, ConditionalCheckFailedException, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { catalogCreateTableInput, keys, UNPUBLISHED_FACT_SHARDS, unpublishedFactShardPk } from './tableDesign.ts';
import { RegionLoads } from './RegionLoads.ts';
import { ShareSkips } from './ShareSkips.ts';
import { executionNameOf } from '../workflow/executionName.ts';
import { RegionScaleStates } from '../alarms/RegionScaleStates.ts';
import { INSTANCE_ID } from '../shared/instance.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { CreateTableCommand, DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import type {
  ExecutionRecord,
  JobRecord,
  LandedFile,
  PublishedOutput,
  RunRecord,
  SampleRecord,
  SampleRef,
  SampleStatus,
  StepRecord,
  JobCostRecord,
  VersionFile,
  VersionRecord,
  VersionRef,
} from './types.ts';

const now = () => new Date().toISOString();

/**
 * How long a fact's unpublished claim is left to its owner before another process may claim it again.
 * Longer than any function can run (Lambda stops one after 15 minutes at most), so a live publisher is
 * never overtaken: only a claim whose owner died is. In AWS this expiry is how a dead publisher's fact is
 * recovered: the sweep relays its kept event (functions/shared/emit.ts), or the next emitter claims it.
 */
export const FACT_CLAIM_LEASE_MS = 16 * 60_000;

/** Strips the table's key attributes from an item. */
function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

/** A fact claimed with its event kept (the outbox) and not yet published. */
export interface UnpublishedFact {
  dedupeKey: string;
  detailType: string;
  owner: string;
  claimedAt: string;
  event: BusEvent;
}

function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/**
 * The catalog: the source of truth for runs, samples, versions, steps, jobs and emitted facts.
 * Same SDK code against DynamoDB and the local DynamoDB-compatible server (endpoint from env).
 * Every write is single-item and conditional where a race matters.
 */
export class Catalog {
  readonly #doc: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Per-region capacity items used by placement (functions/placement). */
  readonly regionLoads: RegionLoads;
  /** Per-region warm-capacity state: scaled down by the inactivity alarm, woken by new work (functions/alarms). */
  readonly regionScale: RegionScaleStates;
  /** Entries the embedded runtime's share did not land, and why (runtime/share). */
  readonly shareSkips: ShareSkips;

  constructor(tableName: string, client: DynamoDBClient = new DynamoDBClient({})) {
    this.tableName = tableName;
    this.#doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    this.regionLoads = new RegionLoads(this.#doc, tableName);
    this.regionScale = new RegionScaleStates(this.#doc, tableName);
    this.shareSkips = new ShareSkips(this.#doc, tableName);
  }

  /** Creates the table if it does not exist (embedded runtime; the stack creates it in AWS). */
  async ensureTable(): Promise<void> {
    try {
      await this.#doc.send(new CreateTableCommand(catalogCreateTableInput(this.tableName)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException) && (error as { name?: string })?.name !== 'ResourceInUseException') throw error;
    }
    // A new table answers ResourceNotFound until ACTIVE, even on the local server with createTableMs 0.
    for (let round = 0; round < 100; round++) {
      const { Table } = await this.#doc.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`catalog table ${this.tableName} did not become ACTIVE`);
  }

  // ---- runs and landed files ------------------------------------------------------------

  /**
   * Records a landed object. Returns `changed: false` when the same identity (etag, size, versionId) is
   * already recorded: the Storage Gateway and S3 events for one object, and duplicates, stop here.
   */
  async recordFile(team: string, runId: string, file: LandedFile): Promise<{ changed: boolean }> {
    await this.#ensureRun(team, runId);
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...keys.file(team, runId, file.name), ...file },
          // `size` is a DynamoDB reserved word, hence the attribute names.
          ConditionExpression: 'attribute_not_exists(pk) OR #etag <> :etag OR #size <> :size OR (attribute_exists(#vid) AND #vid <> :vid)',
          ExpressionAttributeNames: { '#etag': 'etag', '#size': 'size', '#vid': 'versionId' },
          ExpressionAttributeValues: { ':etag': file.etag, ':size': file.size, ':vid': file.versionId ?? '' },
        }),
      );
      return { changed: true };
    } catch (error) {
      if (isConditionFailure(error)) return { changed: false };
      throw error;
    }
  }

  /**
   * Points a landed file's record at where its bytes live now (quarantine), keeping the identity it
   * landed with, so the move is not mistaken for a new upload.
   */
  async relocateFile(team: string, runId: string, name: string, location: { bucket: string; key: string }): Promise<void> {
    await this.#update(keys.file(team, runId, name), { bucket: location.bucket, key: location.key, relocatedAt: now() });
  }

  async listRunFiles(team: string, runId: string): Promise<LandedFile[]> {
    return this.#queryAll<LandedFile>({ pk: keys.run(team, runId).pk, skPrefix: 'FILE#' });
  }

  /** The named landed files of a run (those that exist), one read each: a sample's files without listing the run. */
  async getRunFiles(team: string, runId: string, names: readonly string[]): Promise<LandedFile[]> {
    const items = await Promise.all(
      [...new Set(names)].map(
        async (name) =>
          (await this.#doc.send(new GetCommand({ TableName: this.tableName, Key: keys.file(team, runId, name), ConsistentRead: true })))
            .Item,
      ),
    );
    return items.flatMap((item) => (item ? [strip<LandedFile>(item)!] : []));
  }

  async #ensureRun(team: string, runId: string): Promise<void> {
    const at = now();
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keys.run(team, runId),
            gsi1pk: `TEAM#${team}`,
            gsi1sk: `RUN#${runId}`,
            team,
            runId,
            status: 'RECEIVING',
            createdAt: at,
            updatedAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async getRun(team: string, runId: string): Promise<RunRecord | undefined> {
    const result = await this.#doc.send(new GetCommand({ TableName: this.tableName, Key: keys.run(team, runId), ConsistentRead: true }));
    return strip<RunRecord>(result.Item);
  }

  async updateRun(team: string, runId: string, changes: Partial<Omit<RunRecord, 'team' | 'runId' | 'createdAt'>>): Promise<void> {
    await this.#update(keys.run(team, runId), { ...changes, updatedAt: now() });
  }

  async listRuns(team: string): Promise<RunRecord[]> {
    return this.#queryAll<RunRecord>({ index: 'gsi1', pk: `TEAM#${team}`, skPrefix: 'RUN#' });
  }

  // ---- samples and versions ---------------------------------------------------------------

  async getSample(ref: SampleRef): Promise<SampleRecord | undefined> {
    const result = await this.#doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.sample(ref.team, ref.runId, ref.sampleId), ConsistentRead: true }),
    );
    return strip<SampleRecord>(result.Item);
  }

  async listRunSamples(team: string, runId: string): Promise<SampleRecord[]> {
    return this.#queryAll<SampleRecord>({ pk: keys.run(team, runId).pk, skPrefix: 'SAMPLE#' });
  }

  /** Samples of a team, optionally only those in one status (GSI1). */
  async listTeamSamples(team: string, status?: SampleStatus): Promise<SampleRecord[]> {
    return this.#queryAll<SampleRecord>({ index: 'gsi1', pk: `TEAM#${team}`, skPrefix: status ? `SAMPLE#${status}#` : 'SAMPLE#' });
  }

  /** Sets the sample's status (and current version when given); keeps GSI1 in step with the status. */
  async setSampleStatus(ref: SampleRef, status: SampleStatus, extra: { currentVersion?: number; detail?: string } = {}): Promise<void> {
    const at = now();
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.sample(ref.team, ref.runId, ref.sampleId),
        UpdateExpression:
          'SET #status = :status, updatedAt = :at, team = :team, runId = :run, sampleId = :sample, gsi1pk = :g1, gsi1sk = :g2, detail = :detail' +
          (extra.currentVersion !== undefined ? ', currentVersion = :v' : ''),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': at,
          ':team': ref.team,
          ':run': ref.runId,
          ':sample': ref.sampleId,
          ':g1': `TEAM#${ref.team}`,
          ':g2': `SAMPLE#${status}#${ref.runId}#${ref.sampleId}`,
          ':detail': extra.detail ?? status.toLowerCase(),
          ...(extra.currentVersion !== undefined ? { ':v': extra.currentVersion } : {}),
        },
      }),
    );
  }

  /** Records the identity of the file set announced as "Sample Landed" (the sample item exists: RECEIVING first). */
  async markSampleLanded(ref: SampleRef, landedIdentity: string): Promise<void> {
    await this.#update(keys.sample(ref.team, ref.runId, ref.sampleId), { landedIdentity });
  }

  async listVersions(ref: SampleRef): Promise<VersionRecord[]> {
    const items = await this.#queryAll<VersionRecord & { kind?: string }>({
      pk: keys.samplePk(ref.team, ref.runId, ref.sampleId),
      skPrefix: 'V#',
    });
    return items.filter((item) => item.kind === 'version');
  }

  async getVersion(ref: VersionRef): Promise<VersionRecord | undefined> {
    const result = await this.#doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(ref.version) },
        ConsistentRead: true,
      }),
    );
    return strip<VersionRecord>(result.Item);
  }

  /**
   * Assigns the version ordinal of a file set by conditional write: the same hash always maps to the
   * same ordinal (an identical re-upload is the same version), a new hash gets max + 1. Racers for the
   * same hash converge on one item; racers with different hashes get consecutive ordinals.
   */
  async claimVersion(
    ref: SampleRef,
    versionHash: string,
    files: VersionFile[],
    status: SampleStatus,
  ): Promise<{ version: VersionRecord; created: boolean }> {
    for (let round = 0; round < 20; round++) {
      const versions = await this.listVersions(ref);
      const existing = versions.find((v) => v.versionHash === versionHash);
      if (existing) return { version: existing, created: false };
      const next = versions.reduce((max, v) => Math.max(max, v.version), 0) + 1;
      const at = now();
      const record: VersionRecord = {
        ...ref,
        version: next,
        versionHash,
        status,
        files,
        createdAt: at,
        updatedAt: at,
        manifestRevision: 0,
        publishSequence: 0,
      };
      try {
        await this.#doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(next), kind: 'version', ...record },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { version: record, created: true };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`could not assign a version to ${ref.team}/${ref.runId}/${ref.sampleId} after 20 rounds of contention`);
  }

  async updateVersion(ref: VersionRef, changes: Partial<Omit<VersionRecord, keyof VersionRef>>): Promise<void> {
    await this.#update(
      { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(ref.version) },
      { ...changes, updatedAt: now() },
    );
  }

  /**
   * Records an execution of a version once per generation: generation 0 is the one automatic execution,
   * later generations are linked recovery or reprocessing executions, each claimed by a conditional write
   * on the version's current generation. Returns false when another caller recorded it first.
   * The execution's own item is written first: the execution is running already (StartExecution returned),
   * and a process that dies between the two writes then leaves an item nothing points to yet (the same
   * deterministic name is started and recorded again), never a version pointing at an execution whose
   * item is missing.
   */
  async markWorkflowStarted(ref: VersionRef, execution: ExecutionRecord): Promise<boolean> {
    await this.#doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.execution(execution.executionName), ...execution } }));
    const condition =
      execution.generation === 0
        ? 'attribute_exists(pk) AND attribute_not_exists(workflowStartedAt)'
        : 'attribute_exists(pk) AND #generation = :previous';
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(ref.version) },
          UpdateExpression:
            'SET executionName = :name, executionArn = :arn, workflowStartedAt = if_not_exists(workflowStartedAt, :at), generation = :generation, pipeline = :pipeline, #status = :status, updatedAt = :at',
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#status': 'status', ...(execution.generation === 0 ? {} : { '#generation': 'generation' }) },
          ExpressionAttributeValues: {
            ':name': execution.executionName,
            ':arn': execution.executionArn,
            ':at': execution.startedAt,
            ':pipeline': execution.pipeline,
            ':status': 'RUNNING',
            ':generation': execution.generation,
            ...(execution.generation === 0 ? {} : { ':previous': execution.generation - 1 }),
          },
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
    return true;
  }

  /** Every execution of a version, generation order (lineage: automatic, then recovery/reprocessing). */
  async listExecutions(ref: VersionRef): Promise<ExecutionRecord[]> {
    const version = await this.getVersion(ref);
    if (!version?.executionName) return [];
    const generations = Array.from({ length: (version.generation ?? 0) + 1 }, (_, generation) => generation);
    const names = generations.map((generation) => executionNameOf(ref, generation));
    // Versions started before names carried a hash (`…-v<N>-g<G>`): their executions keep those names.
    if (/-g\d+$/.test(version.executionName))
      names.push(...generations.map((generation) => `${version.executionName!.replace(/-g\d+$/, '')}-g${generation}`));
    const executions = await Promise.all(names.map((name) => this.getExecution(name)));
    return executions
      .filter((execution): execution is ExecutionRecord => execution !== undefined)
      .sort((a, b) => (a.generation ?? 0) - (b.generation ?? 0));
  }

  async getExecution(executionName: string): Promise<ExecutionRecord | undefined> {
    const result = await this.#doc.send(
      new GetCommand({ TableName: this.tableName, Key: keys.execution(executionName), ConsistentRead: true }),
    );
    return strip<ExecutionRecord>(result.Item);
  }

  // ---- steps and jobs ---------------------------------------------------------------------

  /** Stores the callback token before the job is submitted (SubmitJob has no idempotency token). */
  async recordJob(job: JobRecord): Promise<void> {
    await this.#doc.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.job(job.jobName), ...job } }));
  }

  /** Records a job held back behind the run's early steps (GSI1 `DEFERRED#<team>#<run>` finds it). */
  async deferJob(job: JobRecord & { deferredSpec: string }): Promise<void> {
    await this.#doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...keys.job(job.jobName), gsi1pk: `DEFERRED#${job.team}#${job.runId}`, gsi1sk: `JOB#${job.jobName}`, ...job },
      }),
    );
  }

  async listDeferredJobs(team: string, runId: string): Promise<JobRecord[]> {
    return this.#queryAll<JobRecord>({ index: 'gsi1', pk: `DEFERRED#${team}#${runId}`, skPrefix: 'JOB#' });
  }

  /** Claims a deferred job for submission; false when another releaser got it first. */
  async claimDeferredJob(jobName: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(jobName),
          UpdateExpression: 'SET releasedAt = :at REMOVE gsi1pk, gsi1sk',
          // A job re-placed while held is released under its new name only.
          ConditionExpression: 'attribute_exists(deferredSpec) AND attribute_not_exists(releasedAt) AND attribute_not_exists(replacedBy)',
          ExpressionAttributeValues: { ':at': now() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async getJob(jobName: string): Promise<JobRecord | undefined> {
    const result = await this.#doc.send(new GetCommand({ TableName: this.tableName, Key: keys.job(jobName), ConsistentRead: true }));
    return strip<JobRecord>(result.Item);
  }

  async setJobId(jobName: string, jobId: string): Promise<void> {
    await this.#update(keys.job(jobName), { jobId });
  }

  async putStep(step: StepRecord): Promise<void> {
    await this.#doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: keys.samplePk(step.team, step.runId, step.sampleId), sk: keys.stepSk(step.version, step.step), kind: 'step', ...step },
      }),
    );
  }

  /**
   * Marks a job as replaced by another (its region was lost) — once: false when another handler of a
   * duplicate event re-placed it first. From then on the old job's events no longer complete the task.
   */
  async markJobReplaced(jobName: string, replacedBy: string): Promise<boolean> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.job(jobName),
          UpdateExpression: 'SET replacedBy = :by, replacedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replacedBy)',
          ExpressionAttributeValues: { ':by': replacedBy, ':at': now() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Points a step at its re-placed job and appends the placement to the step's lineage. */
  async appendStepPlacement(
    ref: VersionRef,
    step: string,
    change: { jobName: string; region: string; placement: NonNullable<StepRecord['placements']>[number] },
  ): Promise<void> {
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.stepSk(ref.version, step) },
        UpdateExpression: 'SET jobName = :job, #region = :region, placements = list_append(if_not_exists(placements, :none), :placement)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#region': 'region' },
        ExpressionAttributeValues: { ':job': change.jobName, ':region': change.region, ':none': [], ':placement': [change.placement] },
      }),
    );
  }

  async getStep(ref: VersionRef, step: string): Promise<StepRecord | undefined> {
    const result = await this.#doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.stepSk(ref.version, step) },
        ConsistentRead: true,
      }),
    );
    return strip<StepRecord>(result.Item);
  }

  async listSteps(ref: VersionRef): Promise<StepRecord[]> {
    return this.#queryAll<StepRecord>({
      pk: keys.samplePk(ref.team, ref.runId, ref.sampleId),
      skPrefix: `${keys.versionSk(ref.version)}#STEP#`,
    });
  }

  /**
   * Records what one finished job cost (every attempt, staging transfer) as its own item under the sample,
   * once per job name: duplicate state-change events add nothing, and a failed or re-placed job's cost
   * stays counted beside the job that replaced it.
   */
  async recordJobCost(ref: VersionRef, step: string, jobName: string, cost: JobCostRecord['cost'] & { status: string }): Promise<boolean> {
    const { status, ...figures } = cost;
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: keys.samplePk(ref.team, ref.runId, ref.sampleId),
            sk: keys.costSk(ref.version, step, jobName),
            kind: 'cost',
            team: ref.team,
            runId: ref.runId,
            sampleId: ref.sampleId,
            version: ref.version,
            step,
            jobName,
            status,
            cost: figures,
            at: now(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /** Every job cost of a sample, all versions (key query on the sample's partition). */
  async listSampleCosts(ref: { team: string; runId: string; sampleId: string }): Promise<JobCostRecord[]> {
    return this.#queryAll<JobCostRecord>({ pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), skPrefix: 'COST#' });
  }

  /**
   * Records a step's published outputs once and hands out its per-sample sequence number.
   * Returns `first: false` when the step was already published (a repeated publish is a no-op).
   */
  async recordStepPublished(
    ref: VersionRef,
    step: string,
    outputs: PublishedOutput[],
    attempt: number,
    cost?: StepRecord['cost'],
  ): Promise<{ first: boolean; sequence: number }> {
    const versionKey = { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(ref.version) };
    const stepKey = { pk: versionKey.pk, sk: keys.stepSk(ref.version, step) };
    const existing = await this.getStep(ref, step);
    if (existing?.publishedAt && existing.sequence) return { first: false, sequence: existing.sequence };
    const counter = await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: versionKey,
        UpdateExpression: 'ADD publishSequence :one, manifestRevision :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const sequence = Number(counter.Attributes?.publishSequence);
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: stepKey,
          UpdateExpression: `SET #status = :ok, outputs = :outputs, publishedAt = :at, #sequence = :seq, attempt = :attempt, kind = :kind, step = :step, team = :team, runId = :run, sampleId = :sample, #version = :version${cost ? ', cost = :cost' : ''}`,
          ConditionExpression: 'attribute_not_exists(publishedAt)',
          ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence', '#version': 'version' },
          ExpressionAttributeValues: {
            ':ok': 'SUCCEEDED',
            ':outputs': outputs,
            ':at': now(),
            ':seq': sequence,
            ':attempt': attempt,
            ':kind': 'step',
            ':step': step,
            ':team': ref.team,
            ':run': ref.runId,
            ':sample': ref.sampleId,
            ':version': ref.version,
            ...(cost ? { ':cost': cost } : {}),
          },
        }),
      );
      return { first: true, sequence };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const winner = await this.getStep(ref, step);
      return { first: false, sequence: winner?.sequence ?? sequence };
    }
  }

  async bumpManifestRevision(ref: VersionRef): Promise<void> {
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(ref.version) },
        UpdateExpression: 'ADD manifestRevision :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }

  /**
   * Counts a change the run's index.json must reflect and returns the new revision; the index writer
   * loops until the revision it rendered is still the latest (as the manifest writer does per sample).
   */
  async bumpRunIndexRevision(team: string, runId: string): Promise<number> {
    const result = await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.run(team, runId),
        UpdateExpression: 'ADD indexRevision :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.indexRevision);
  }

  // ---- facts emitted once ------------------------------------------------------------------

  /**
   * Claims a fact (by dedupeKey) before its event is published; false when it is already claimed. The
   * claim records its owner (this process) and when, so a claim whose publisher died between the claim
   * and the publish is not held forever: once older than {@link FACT_CLAIM_LEASE_MS} and still not
   * published it is claimed again. One conditional put either way, so of racing claimers (or racing
   * reclaimers of a stale claim) exactly one wins. Claims written before owners were recorded have no
   * `owner` and no `publishedAt`: they are treated as published, never reclaimed (no fact emitted twice).
   *
   * With `event` the claim is also an outbox entry: the event is kept on it, and the claim is listed in a
   * sparse index of unpublished facts until it is marked published, so {@link listUnpublishedFacts} finds
   * a dead publisher's fact and the relay publishes it without any handler having to run again.
   */
  async claimFact(dedupeKey: string, detailType: string, event?: BusEvent): Promise<boolean> {
    const at = new Date();
    const claimedAt = at.toISOString();
    try {
      await this.#doc.send(
        new PutCommand({
          TableName: this.tableName,
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
   * Marks this process's claim of a fact published: it is never claimed again, and it leaves the index of
   * unpublished facts (with its kept event). A claim another process has taken over (this one outlived
   * the lease) is left to that process.
   */
  async markFactPublished(dedupeKey: string): Promise<void> {
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
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
  async listUnpublishedFacts(claimedBefore?: Date): Promise<UnpublishedFact[]> {
    const facts: UnpublishedFact[] = [];
    for (let shard = 0; shard < UNPUBLISHED_FACT_SHARDS; shard++) {
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.#doc.send(
          new QueryCommand({
            TableName: this.tableName,
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
   * Takes over another process's unpublished claim, as found by {@link listUnpublishedFacts}, so this
   * process can publish its kept event; false when the claim changed meanwhile (published, released,
   * reclaimed or taken over by another), in which case its event is not this process's to publish.
   */
  async takeOverFact(fact: Pick<UnpublishedFact, 'dedupeKey' | 'owner' | 'claimedAt'>): Promise<boolean> {
    const claimedAt = now();
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
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
  async releaseFact(dedupeKey: string): Promise<void> {
    await this.#releaseClaim(dedupeKey, INSTANCE_ID);
  }

  /**
   * Releases, at once, every unpublished claim held by another process that kept no event (claimed
   * before claims were outboxes; those that did are relayed, see relayUnpublishedFacts): for the embedded
   * runtime's start, where one process owns the state dir, so any other owner is a runtime that died
   * between a claim and its publish. The start-up sweep then re-evaluates and the emitters claim and
   * publish those facts again. Such claims are in no index, so this is a Scan filtered on the fact key:
   * acceptable once per start of a local catalog, and never used in AWS (there concurrent Lambdas are all
   * live owners; the lease in {@link claimFact} is how a dead one's claim is recovered). Each release is a
   * conditional delete (same owner, still unpublished), so a claim that changed meanwhile is kept.
   */
  async releaseAbandonedFacts(): Promise<Array<{ dedupeKey: string; detailType: string; owner: string; claimedAt: string }>> {
    const factKey = keys.fact('');
    const abandoned: Array<{ pk: string; detailType: string; owner: string; claimedAt: string }> = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.#doc.send(
        new ScanCommand({
          TableName: this.tableName,
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
      await this.#doc.send(
        new DeleteCommand({
          TableName: this.tableName,
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

  // ---- helpers -----------------------------------------------------------------------------

  /**
   * Ends a version's execution as COMPLETED or FAILED, unless re-validation already marked it SUPERSEDED: a
   * re-landed sample's new version may be cataloged while the old one's execution still runs, and its end must
   * not turn the old version back into a current-looking state. The other changes (error, completedAt) are kept
   * either way.
   *
   * @returns false when the version is SUPERSEDED (its status is left as it is)
   */
  async finishVersion(
    ref: VersionRef,
    status: 'COMPLETED' | 'FAILED',
    changes: Pick<VersionRecord, 'error' | 'completedAt'>,
  ): Promise<boolean> {
    const key = { pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), sk: keys.versionSk(ref.version) };
    try {
      await this.#doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'SET #status = :status, updatedAt = :at' +
            Object.keys(changes)
              .map((name) => `, #${name} = :${name}`)
              .join(''),
          ConditionExpression: 'attribute_exists(pk) AND #status <> :superseded',
          ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(Object.keys(changes).map((name) => [`#${name}`, name])) },
          ExpressionAttributeValues: {
            ':status': status,
            ':at': now(),
            ':superseded': 'SUPERSEDED',
            ...Object.fromEntries(Object.entries(changes).map(([name, value]) => [`:${name}`, value])),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const current = await this.getVersion(ref);
      if (current?.status !== 'SUPERSEDED') throw error;
      await this.#update(key, { ...changes, updatedAt: now() });
      return false;
    }
  }

  async #update(key: { pk: string; sk: string }, changes: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      return `#a${i} = :v${i}`;
    });
    await this.#doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async #queryAll<T>(query: { pk: string; skPrefix: string; index?: 'gsi1' }): Promise<T[]> {
    const pkName = query.index ? 'gsi1pk' : 'pk';
    const skName = query.index ? 'gsi1sk' : 'sk';
    const items: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        IndexName: query.index,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
        ExclusiveStartKey: startKey,
        ConsistentRead: query.index ? undefined : true,
      };
      const page = await this.#doc.send(new QueryCommand(input));
      for (const item of page.Items ?? []) items.push(strip<T>(item) as T);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
