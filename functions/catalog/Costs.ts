import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, now } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';
import type { JobCostRecord, SampleRef, VersionRef } from './types.ts';

/**
 * What each finished job cost (`SAMPLE#…` / `COST#V#<0000n>#<step>#<job>`, in the sample's partition):
 * every attempt and the staging transfer, kept per job so failed and re-placed jobs count too.
 */
export class Costs {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /**
   * Records what one finished job cost as its own item under the sample, once per job name: duplicate
   * state-change events add nothing, and a failed or re-placed job's cost stays counted beside the job
   * that replaced it. False when it was recorded already.
   */
  async record(ref: VersionRef, step: string, jobName: string, cost: JobCostRecord['cost'] & { status: string }): Promise<boolean> {
    const { status, ...figures } = cost;
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
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
  async listForSample(ref: SampleRef): Promise<JobCostRecord[]> {
    return this.#table.queryAll<JobCostRecord>({ pk: keys.samplePk(ref.team, ref.runId, ref.sampleId), skPrefix: 'COST#' });
  }
}
