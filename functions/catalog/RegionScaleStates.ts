import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';

/** Whether a region's warm capacity is down (after its inactivity alarm) and what the last wake took. */
export interface RegionScaleState {
  region: string;
  /** True from the inactivity alarm until new work wakes the region. A region never seen is scaled down (the stacks deploy minvCpus 0). */
  scaledDown: boolean;
  /** The warm floor last set (vCPUs). */
  warmVcpus: number;
  /** Epoch ms. */
  scaledDownAt?: number;
  wokeAt?: number;
  /** The job whose submission woke the region: its RUNNING ends the wake-up. */
  wakeJobName?: string;
  /** From the wake to that job RUNNING, ms. */
  wakeLatencyMs?: number;
}

/**
 * Per-region scale items of the catalog table (`REGION#<name>` / `#SCALE`, beside the region's `#LOAD`).
 * Each transition is one conditional write, so of racing submissions exactly one wakes the region, and a
 * repeated alarm event scales down once.
 */
export class RegionScaleStates {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async get(region: string): Promise<RegionScaleState> {
    const item = (
      await this.#table.doc.send(new GetCommand({ TableName: this.#table.name, Key: keys.regionScale(region), ConsistentRead: true }))
    ).Item;
    if (!item) return { region, scaledDown: true, warmVcpus: 0 };
    const { pk: _pk, sk: _sk, ...state } = item;
    return state as RegionScaleState;
  }

  /**
   * Records a scale-down (the alarm fired at `at`); false when this alarm transition was already applied
   * or the region woke after it (an old alarm event delivered late must not put new work's capacity down).
   */
  async markScaledDown(region: string, warmVcpus: number, at: number): Promise<boolean> {
    return this.#conditional(
      region,
      'SET #region = :region, scaledDown = :true, warmVcpus = :warm, scaledDownAt = :at',
      '(attribute_not_exists(scaledDownAt) OR scaledDownAt < :at) AND (attribute_not_exists(wokeAt) OR wokeAt <= :at)',
      { ':region': region, ':true': true, ':warm': warmVcpus, ':at': at },
    );
  }

  /** Marks the region awake for `jobName`; true only for the one caller that woke it. */
  async markWoken(region: string, jobName: string, warmVcpus: number, at: number): Promise<boolean> {
    return this.#conditional(
      region,
      'SET #region = :region, scaledDown = :false, warmVcpus = :warm, wokeAt = :at, wakeJobName = :job REMOVE wakeLatencyMs',
      'attribute_not_exists(scaledDown) OR scaledDown = :true',
      { ':region': region, ':false': false, ':true': true, ':warm': warmVcpus, ':at': at, ':job': jobName },
    );
  }

  /** Records the wake-up latency once, when the waking job runs; false if already recorded or another wake came since. */
  async recordWakeLatency(region: string, jobName: string, latencyMs: number): Promise<boolean> {
    return this.#conditional(region, 'SET wakeLatencyMs = :latency', 'wakeJobName = :job AND attribute_not_exists(wakeLatencyMs)', {
      ':latency': latencyMs,
      ':job': jobName,
    });
  }

  /** Sets the floor of a scaled-down region (business hours begin or end); false when it is awake. */
  async setScaledDownFloor(region: string, warmVcpus: number): Promise<boolean> {
    return this.#conditional(region, 'SET #region = :region, warmVcpus = :warm', 'attribute_not_exists(scaledDown) OR scaledDown = :true', {
      ':region': region,
      ':warm': warmVcpus,
      ':true': true,
    });
  }

  async #conditional(region: string, update: string, condition: string, values: Record<string, unknown>): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.regionScale(region),
          UpdateExpression: update,
          ConditionExpression: condition,
          ...(update.includes('#region') && { ExpressionAttributeNames: { '#region': 'region' } }),
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
