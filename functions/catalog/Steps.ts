import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, now, strip } from './CatalogTable.ts';
import { tooLongInline } from './FileSets.ts';
import type { Samples } from './Samples.ts';
import { keys } from './tableDesign.ts';
import type { PublishedOutput, StepRecord, VersionRecord, VersionRef } from './types.ts';

/** The step a FAILED sample failed in: the first FAILED one that was not merely stopped beside it. */
export const failedStepOf = (steps: StepRecord[]): StepRecord | undefined =>
  steps.find((step) => step.status === 'FAILED' && !step.stopped);

/**
 * The steps of a sample version (`SAMPLE#…` / `V#<0000n>#STEP#<step>`, in the sample's partition): which
 * job runs it where, every placement of that job, and once published its outputs and sequence number.
 */
export class Steps {
  readonly #table: CatalogTable;
  readonly #samples: Samples;

  constructor(table: CatalogTable, samples: Samples) {
    this.#table = table;
    this.#samples = samples;
  }

  /**
   * Writes a step's whole record. With `unlessPublished` it leaves a published step as it is: a job of an
   * execution that ended (the sample failed in a sibling step) can still publish while its step is being marked
   * stopped, failed or re-submitted by a later generation, and its publication must not be erased.
   */
  async put(step: StepRecord, options: { unlessPublished?: boolean } = {}): Promise<void> {
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: { ...keys.step(step, step.step), kind: 'step', ...step },
          ...(options.unlessPublished && { ConditionExpression: 'attribute_not_exists(publishedAt)' }),
        }),
      );
    } catch (error) {
      if (!(options.unlessPublished && isConditionFailure(error))) throw error;
    }
  }

  async get(ref: VersionRef, step: string): Promise<StepRecord | undefined> {
    const result = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.step(ref, step), ConsistentRead: true }),
    );
    const record = strip<StepRecord>(result.Item);
    return record && this.#withOutputs(record);
  }

  /** Every step of a version. */
  async list(ref: VersionRef): Promise<StepRecord[]> {
    const steps = await this.#table.queryAll<StepRecord>({
      pk: keys.samplePk(ref.team, ref.runId, ref.sampleId),
      skPrefix: `${keys.versionSk(ref.version)}#STEP#`,
    });
    return Promise.all(steps.map((step) => this.#withOutputs(step)));
  }

  /** A step as every reader gets it: with all its published outputs, wherever the item keeps them. */
  async #withOutputs(step: StepRecord): Promise<StepRecord> {
    if (!step.outputsRef) return step;
    return { ...step, outputs: await this.#samples.fileSets.get<PublishedOutput>(step, step.outputsRef) };
  }

  /**
   * A version and its steps in one query: they share the version's sort-key prefix in the sample's partition
   * (items of another version a longer number would also match are left out by their version).
   */
  async versionWithSteps(ref: VersionRef): Promise<{ version: VersionRecord | undefined; steps: StepRecord[] }> {
    const items = await this.#table.queryAll<(VersionRecord | StepRecord) & { kind?: string }>({
      pk: keys.samplePk(ref.team, ref.runId, ref.sampleId),
      skPrefix: keys.versionSk(ref.version),
    });
    const ofVersion = items.filter((item) => item.version === ref.version);
    const version = ofVersion.find((item) => item.kind === 'version') as VersionRecord | undefined;
    return {
      version: version && (await this.#samples.withFiles(version)),
      steps: await Promise.all((ofVersion.filter((item) => item.kind === 'step') as StepRecord[]).map((step) => this.#withOutputs(step))),
    };
  }

  /** Points a step at its re-placed job and appends the placement to the step's lineage. */
  async appendPlacement(
    ref: VersionRef,
    step: string,
    change: { jobName: string; region: string; placement: NonNullable<StepRecord['placements']>[number] },
  ): Promise<void> {
    await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.step(ref, step),
        UpdateExpression: 'SET jobName = :job, #region = :region, placements = list_append(if_not_exists(placements, :none), :placement)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#region': 'region' },
        ExpressionAttributeValues: { ':job': change.jobName, ':region': change.region, ':none': [], ':placement': [change.placement] },
      }),
    );
  }

  /**
   * Records a step's published outputs once and hands out its per-sample sequence number (counted on the
   * version item, which also counts the manifest revision). Returns `first: false` when the step was
   * already published (a repeated publish is a no-op).
   */
  async recordPublished(
    ref: VersionRef,
    step: string,
    outputs: PublishedOutput[],
    attempt: number,
    cost?: StepRecord['cost'],
    generation = 0,
  ): Promise<{ first: boolean; sequence: number }> {
    const existing = await this.get(ref, step);
    if (existing?.publishedAt && existing.sequence) return { first: false, sequence: existing.sequence };
    const counter = await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.version(ref),
        UpdateExpression: 'ADD publishSequence :one, manifestRevision :one',
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    const sequence = Number(counter.Attributes?.publishSequence);
    // A step of thousands of outputs (a run-scope Nextflow pipeline's outdir) would pass DynamoDB's 400 KB:
    // its list is kept as a file set (named by its content: a racing publisher of other outputs writes another).
    const kept = tooLongInline(outputs)
      ? { outputs: [], outputsRef: await this.#samples.fileSets.put(ref, 'outputs', outputs) }
      : { outputs };
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.step(ref, step),
          // A step marked stopped while its job's outputs were on their way is published all the same: they are good.
          UpdateExpression: `SET #status = :ok, outputs = :outputs, publishedAt = :at, publishedGeneration = :generation, #sequence = :seq, attempt = :attempt, kind = :kind, step = :step, team = :team, runId = :run, sampleId = :sample, #version = :version${cost ? ', cost = :cost' : ''}${kept.outputsRef ? ', outputsRef = :outputsRef' : ''} REMOVE stopped, #error, logTail`,
          ConditionExpression: 'attribute_not_exists(publishedAt)',
          ExpressionAttributeNames: { '#status': 'status', '#sequence': 'sequence', '#version': 'version', '#error': 'error' },
          ExpressionAttributeValues: {
            ':ok': 'SUCCEEDED',
            ':generation': generation,
            ':outputs': kept.outputs,
            ...(kept.outputsRef ? { ':outputsRef': kept.outputsRef } : {}),
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
      const winner = await this.get(ref, step);
      return { first: false, sequence: winner?.sequence ?? sequence };
    }
  }
}
