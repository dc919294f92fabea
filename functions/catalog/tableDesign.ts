import type { VersionRef } from '../../contracts/keys.ts';

/**
 * The catalog is ONE DynamoDB table (single-table design). Both runtimes create it from this
 * description: the SST stack in AWS, the embedded runtime against the local DynamoDB-compatible server.
 *
 * Items (pk / sk):
 * | item            | pk                                 | sk                         | gsi1pk           | gsi1sk                                  |
 * |-----------------|------------------------------------|----------------------------|------------------|-----------------------------------------|
 * | run             | RUN#<team>#<run>                   | #RUN                       | TEAM#<team>      | RUN#<run>                               |
 * | landed file     | RUN#<team>#<run>                   | FILE#<name>                |                  |                                         |
 * | index change    | RUN#<team>#<run>                   | INDEXDIRTY#<sample>        |                  |                                         |
 * | expected samples| RUN#<team>#<run>                   | EXPECTED#<0000n>           |                  |                                         |
 * | sample          | RUN#<team>#<run>                   | SAMPLE#<sample>            | TEAM#<team>      | SAMPLE#<status>#<run>#<sample>          |
 * | sample version  | SAMPLE#<team>#<run>#<sample>       | V#<0000n>                  |                  |                                         |
 * | step of version | SAMPLE#<team>#<run>#<sample>       | V#<0000n>#STEP#<step>      |                  |                                         |
 * | job cost        | SAMPLE#<team>#<run>#<sample>       | COST#V#<0000n>#<step>#<job>|                  |                                         |
 * | file set (long) | SAMPLE#<team>#<run>#<sample>       | SET#<name>#<0000n>         |                  |                                         |
 * | execution       | EXEC#<executionName>               | #EXEC                      |                  |                                         |
 * | job (token)     | JOB#<jobName>                      | #JOB                       | DEFERRED#<team>#<run> (while held) | JOB#<jobName>          |
 * | emitted fact    | FACT#<dedupeKey>                   | #FACT                      | FACTS#UNPUBLISHED#<shard> (until published) | <claimedAt>#<dedupeKey> |
 * | region load     | REGION#<region>                    | #LOAD                      |                  |                                         |
 * | region scale    | REGION#<region>                    | #SCALE                     |                  |                                         |
 * | skipped on share| SHARE#SKIPPED                      | ENTRY#<path>               | TEAM#<team> (if a team's) | SKIPPED#<run>#<path>           |
 * | notify pending  | NOTIFY#<team>#<run>                | PENDING#<sample>#V#<0000n>#<kind> | NOTIFY#PENDING | PENDING#<recordedAt>#<team>#<run>#<sample>#<n> |
 * | DONE to resend  | NOTIFY#<team>#<run>                | DONE#<dedupeKey>           | NOTIFY#PENDING   | DONE#<recordedAt>#<dedupeKey>           |
 * | file verdict    | VERDICT#<bucket>#<key>             | VERSION#<versionId>#<size> or ETAG#<etag>#<size> |  |                               |
 *
 * Access patterns, each a key or GSI query (never a scan):
 * - runs of a team, samples of a team by status → GSI1 `TEAM#<team>` (sk prefix `RUN#` / `SAMPLE#<status>#`);
 * - everything about a run (files, samples) → pk `RUN#<team>#<run>`;
 * - a sample's versions and steps (lineage) → pk `SAMPLE#<team>#<run>#<sample>`; its job costs → same pk, sk prefix `COST#`
 *   (a run's and a team's cost: its samples' cost queries, from the run and team queries above);
 * - entries the local share did not land (links, FIFOs, …) → pk `SHARE#SKIPPED` (all), GSI1 `TEAM#<team>` sk prefix
 *   `SKIPPED#` (a team's) or `SKIPPED#<run>#` (a run's);
 * - an execution → pk `EXEC#<name>`; a job's callback token → pk `JOB#<jobName>`;
 * - facts claimed but not yet published, oldest first (the outbox the relay drains) → GSI1
 *   `FACTS#UNPUBLISHED#<shard>`, one query per shard: the index is sparse (published facts leave it) and
 *   spread over shards so a burst of claims does not write one index partition.
 * - failures waiting for their run's batched notification → pk `NOTIFY#<team>#<run>` (a run's), GSI1
 *   `NOTIFY#PENDING` (all, oldest first: the batch window's flush); the index is sparse, items leave once sent.
 * - a landed file's validation verdict, for exactly its stored identity → pk `VERDICT#<bucket>#<key>`, sk by version or ETag and size.
 * Writes are single-item and conditional (the local server has no transactions); items stay far below 400 KB
 * whatever a sheet holds (a version's long file list and a long landed file set are split over `SET#` items
 * (FileSets.ts); a run's expected samples are split over items and only its first missing files named; long
 * reason lists go to S3).
 */
export const CATALOG_KEY_SCHEMA = {
  partitionKey: 'pk',
  sortKey: 'sk',
  gsi1: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
} as const;

/** CreateTable input shared by the embedded runtime and (as a shape) the stack. */
export function catalogCreateTableInput(tableName: string) {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' as const },
      { AttributeName: 'sk', AttributeType: 'S' as const },
      { AttributeName: 'gsi1pk', AttributeType: 'S' as const },
      { AttributeName: 'gsi1sk', AttributeType: 'S' as const },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' as const },
      { AttributeName: 'sk', KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' as const },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'ALL' as const },
      },
    ],
  };
}

/** Shards of the unpublished-facts index; a fact's shard is a hash of its dedupeKey. */
export const UNPUBLISHED_FACT_SHARDS = 16;
export const unpublishedFactShardPk = (shard: number) => `FACTS#UNPUBLISHED#${shard}`;

function shardOf(key: string): number {
  let hash = 0;
  for (let i = 0; i < key.length; i++) hash = (hash * 31 + key.charCodeAt(i)) >>> 0;
  return hash % UNPUBLISHED_FACT_SHARDS;
}

const samplePk = (team: string, runId: string, sampleId: string) => `SAMPLE#${team}#${runId}#${sampleId}`;
const versionSk = (version: number) => `V#${String(version).padStart(5, '0')}`;
const stepSk = (version: number, step: string) => `${versionSk(version)}#STEP#${step}`;

/** The key of every item kind, and of its GSI1 entry where it has one (the table above). */
export const keys = {
  run: (team: string, runId: string) => ({ pk: `RUN#${team}#${runId}`, sk: '#RUN' }),
  /** GSI1 partition of a team: its runs (`RUN#…`) and its samples by status (`SAMPLE#<status>#…`). */
  teamIndex: (team: string) => `TEAM#${team}`,
  runInTeam: (team: string, runId: string) => ({ gsi1pk: `TEAM#${team}`, gsi1sk: `RUN#${runId}` }),
  sampleInTeam: (team: string, status: string, runId: string, sampleId: string) => ({
    gsi1pk: `TEAM#${team}`,
    gsi1sk: `SAMPLE#${status}#${runId}#${sampleId}`,
  }),
  file: (team: string, runId: string, name: string) => ({ pk: `RUN#${team}#${runId}`, sk: `FILE#${name}` }),
  /** The n-th item of the sample ids a run expects (functions/catalog/Runs.ts: the run item stays small). */
  expectedSamples: (team: string, runId: string, index: number) => ({
    pk: `RUN#${team}#${runId}`,
    sk: `EXPECTED#${String(index).padStart(5, '0')}`,
  }),
  /** A sample whose part of the run's index.json is stale (functions/publishing/updateRunIndex.ts). */
  indexChange: (team: string, runId: string, sampleId: string) => ({ pk: `RUN#${team}#${runId}`, sk: `INDEXDIRTY#${sampleId}` }),
  sample: (team: string, runId: string, sampleId: string) => ({ pk: `RUN#${team}#${runId}`, sk: `SAMPLE#${sampleId}` }),
  samplePk,
  versionSk,
  stepSk,
  version: (ref: VersionRef) => ({ pk: samplePk(ref.team, ref.runId, ref.sampleId), sk: versionSk(ref.version) }),
  step: (ref: VersionRef, step: string) => ({ pk: samplePk(ref.team, ref.runId, ref.sampleId), sk: stepSk(ref.version, step) }),
  /** The n-th item of a sample's file set `name` (functions/catalog/FileSets.ts). */
  fileSet: (sample: { team: string; runId: string; sampleId: string }, name: string, index: number) => ({
    pk: samplePk(sample.team, sample.runId, sample.sampleId),
    sk: `SET#${name}#${String(index).padStart(5, '0')}`,
  }),
  fileSetPrefix: (name: string) => `SET#${name}#`,
  execution: (name: string) => ({ pk: `EXEC#${name}`, sk: '#EXEC' }),
  job: (jobName: string) => ({ pk: `JOB#${jobName}`, sk: '#JOB' }),
  /** GSI1 partition of the jobs of a run held back behind its early steps. */
  deferredIndex: (team: string, runId: string) => `DEFERRED#${team}#${runId}`,
  deferredJob: (team: string, runId: string, jobName: string) => ({ gsi1pk: `DEFERRED#${team}#${runId}`, gsi1sk: `JOB#${jobName}` }),
  fact: (dedupeKey: string) => ({ pk: `FACT#${dedupeKey}`, sk: '#FACT' }),
  unpublishedFact: (dedupeKey: string, claimedAt: string) => ({
    gsi1pk: unpublishedFactShardPk(shardOf(dedupeKey)),
    gsi1sk: `${claimedAt}#${dedupeKey}`,
  }),
  regionLoad: (region: string) => ({ pk: `REGION#${region}`, sk: '#LOAD' }),
  regionScale: (region: string) => ({ pk: `REGION#${region}`, sk: '#SCALE' }),
  shareSkip: (entryPath: string) => ({ pk: 'SHARE#SKIPPED', sk: `ENTRY#${entryPath}` }),
  shareSkipByTeam: (team: string, runId: string | undefined, entryPath: string) => ({
    gsi1pk: `TEAM#${team}`,
    gsi1sk: `SKIPPED#${runId ?? ''}#${entryPath}`,
  }),
  notificationRun: (team: string, runId: string) => `NOTIFY#${team}#${runId}`,
  pendingNotification: (failure: { team: string; runId: string; sampleId: string; version: number; kind: string }) => ({
    pk: `NOTIFY#${failure.team}#${failure.runId}`,
    sk: `PENDING#${failure.sampleId}#${versionSk(failure.version)}#${failure.kind}`,
  }),
  /** GSI1 partition of every pending notification (sparse: an item leaves it when its message went out). */
  pendingNotificationsIndex: 'NOTIFY#PENDING',
  pendingNotificationIndex: (failure: { team: string; runId: string; sampleId: string; version: number }, recordedAt: string) => ({
    gsi1pk: 'NOTIFY#PENDING',
    gsi1sk: `PENDING#${recordedAt}#${failure.team}#${failure.runId}#${failure.sampleId}#${failure.version}`,
  }),
  /** A run-DONE message that was not accepted, kept for the batch window's flush to send again. */
  doneRetry: (team: string, runId: string, dedupeKey: string) => ({ pk: `NOTIFY#${team}#${runId}`, sk: `DONE#${dedupeKey}` }),
  doneRetryIndex: (dedupeKey: string, recordedAt: string) => ({ gsi1pk: 'NOTIFY#PENDING', gsi1sk: `DONE#${recordedAt}#${dedupeKey}` }),
  /** One stored object's verdict: keyed by its identity (bucket, key, versionId or ETag, size), never by name alone. */
  fileVerdict: (file: { bucket: string; key: string; size: number; etag: string; versionId?: string }) => ({
    pk: `VERDICT#${file.bucket}#${file.key}`,
    sk: file.versionId ? `VERSION#${file.versionId}#${file.size}` : `ETAG#${file.etag}#${file.size}`,
  }),
  costSk: (version: number, step: string, jobName: string) => `COST#${versionSk(version)}#${step}#${jobName}`,
} as const;
