import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, strip } from './CatalogTable.ts';
import { executionNameOf } from '../workflow/executionName.ts';
import type { Samples } from './Samples.ts';
import { keys } from './tableDesign.ts';
import type { ExecutionRecord, VersionRef } from './types.ts';

/**
 * The workflow executions of sample versions (`EXEC#<name>` / `#EXEC`): exactly one automatic execution per
 * version (generation 0), then linked recovery and reprocessing executions, each claimed on the version.
 */
export class Executions {
  readonly #table: CatalogTable;
  readonly #samples: Samples;

  constructor(table: CatalogTable, samples: Samples) {
    this.#table = table;
    this.#samples = samples;
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
  async markStarted(ref: VersionRef, execution: ExecutionRecord): Promise<boolean> {
    await this.#table.doc.send(
      new PutCommand({ TableName: this.#table.name, Item: { ...keys.execution(execution.executionName), ...execution } }),
    );
    const condition =
      execution.generation === 0
        ? 'attribute_exists(pk) AND attribute_not_exists(workflowStartedAt)'
        : 'attribute_exists(pk) AND #generation = :previous';
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.version(ref),
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
  async list(ref: VersionRef): Promise<ExecutionRecord[]> {
    const version = await this.#samples.getVersion(ref);
    if (!version?.executionName) return [];
    const generations = Array.from({ length: (version.generation ?? 0) + 1 }, (_, generation) => generation);
    const names = generations.map((generation) => executionNameOf(ref, generation));
    // Versions started before names carried a hash (`…-v<N>-g<G>`): their executions keep those names.
    if (/-g\d+$/.test(version.executionName))
      names.push(...generations.map((generation) => `${version.executionName!.replace(/-g\d+$/, '')}-g${generation}`));
    const executions = await Promise.all(names.map((name) => this.get(name)));
    return executions
      .filter((execution): execution is ExecutionRecord => execution !== undefined)
      .sort((a, b) => (a.generation ?? 0) - (b.generation ?? 0));
  }

  async get(executionName: string): Promise<ExecutionRecord | undefined> {
    const result = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.execution(executionName), ConsistentRead: true }),
    );
    return strip<ExecutionRecord>(result.Item);
  }
}
