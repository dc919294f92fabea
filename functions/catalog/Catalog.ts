import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CatalogTable } from './CatalogTable.ts';
import { Costs } from './Costs.ts';
import { Executions } from './Executions.ts';
import { Facts } from './Facts.ts';
import { FileVerdicts } from './FileVerdicts.ts';
import { Jobs } from './Jobs.ts';
import { Notifications } from './Notifications.ts';
import { RegionLoads } from './RegionLoads.ts';
import { RegionScaleStates } from './RegionScaleStates.ts';
import { RunIndexState } from './RunIndexState.ts';
import { Runs } from './Runs.ts';
import { Samples } from './Samples.ts';
import { ShareSkips } from './ShareSkips.ts';
import { Steps } from './Steps.ts';
import { catalogCreateTableInput } from './tableDesign.ts';

/**
 * The catalog: the source of truth for runs, samples, versions, executions, jobs, steps, costs, emitted
 * facts and region state. ONE DynamoDB table (tableDesign.ts), read and written through one small
 * repository per aggregate; every write is single-item and conditional where a race matters (the local
 * server has no transactions). Same SDK code against DynamoDB and the local DynamoDB-compatible server.
 *
 * @example
 * const catalog = new Catalog('landfall-catalog');
 * const run = await catalog.runs.get('genomics', '241120_A01234_0042_BHXYZ');
 * const steps = await catalog.steps.list({ team: 'genomics', runId: run!.runId, sampleId: 'S1', version: 1 });
 */
export class Catalog {
  readonly #table: CatalogTable;
  readonly tableName: string;
  /** The DynamoDB client it sends with: the idempotency store (functions/shared/idempotency.ts) uses it too. */
  readonly client: DynamoDBClient;
  /** Runs and the files landed in them. */
  readonly runs: Runs;
  /** Samples and their versions. */
  readonly samples: Samples;
  /** Workflow executions of sample versions (automatic, recovery, reprocessing). */
  readonly executions: Executions;
  /** Step jobs: callback tokens, submitted specs, jobs held behind early steps. */
  readonly jobs: Jobs;
  /** Steps of a version: placements, published outputs. */
  readonly steps: Steps;
  /** What each finished job cost. */
  readonly costs: Costs;
  /** Facts emitted once, with their events kept until published (the outbox). */
  readonly facts: Facts;
  /** Per-region capacity items used by placement (functions/placement). */
  readonly regionLoads: RegionLoads;
  /** Per-region warm-capacity state: scaled down by the inactivity alarm, woken by new work (functions/alarms). */
  readonly regionScale: RegionScaleStates;
  /** Entries the embedded runtime's share did not land, and why (runtime/share). */
  readonly shareSkips: ShareSkips;
  /** Which samples' part of each run's index.json is stale, and the one writer per run (functions/publishing). */
  readonly runIndex: RunIndexState;
  /** Failures waiting for their run's batched message to people (functions/notify). */
  readonly notifications: Notifications;
  /** Each landed FASTQ's validation verdict, by the stored object's identity (functions/validation). */
  readonly fileVerdicts: FileVerdicts;

  constructor(tableName: string, client: DynamoDBClient = new DynamoDBClient({})) {
    this.tableName = tableName;
    this.client = client;
    this.#table = new CatalogTable(tableName, client);
    this.runs = new Runs(this.#table);
    this.samples = new Samples(this.#table);
    this.executions = new Executions(this.#table, this.samples);
    this.jobs = new Jobs(this.#table);
    this.steps = new Steps(this.#table, this.samples);
    this.costs = new Costs(this.#table);
    this.facts = new Facts(this.#table);
    this.regionLoads = new RegionLoads(this.#table);
    this.regionScale = new RegionScaleStates(this.#table);
    this.shareSkips = new ShareSkips(this.#table.doc, tableName);
    this.runIndex = new RunIndexState(this.#table);
    this.notifications = new Notifications(this.#table);
    this.fileVerdicts = new FileVerdicts(this.#table);
  }

  /** Creates the table if it does not exist (embedded runtime; the stack creates it in AWS). */
  async ensureTable(): Promise<void> {
    const { doc } = this.#table;
    try {
      await doc.send(new CreateTableCommand(catalogCreateTableInput(this.tableName)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException) && (error as { name?: string })?.name !== 'ResourceInUseException') throw error;
    }
    // A new table answers ResourceNotFound until ACTIVE, even on the local server with createTableMs 0.
    for (let round = 0; round < 100; round++) {
      const { Table } = await doc.send(new DescribeTableCommand({ TableName: this.tableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`catalog table ${this.tableName} did not become ACTIVE`);
  }
}
