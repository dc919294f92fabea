import { createHash } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, itemKey, now, strip } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';
import type { LandedFile, RunRecord } from './types.ts';

/** Runs a process remembers to exist (a few bytes each; forgotten all at once past this, then learned again). */
const KNOWN_RUNS_KEPT = 10_000;

/** Bytes of sample ids per `EXPECTED#` item: a 10,000-row sheet's ids fill a few items, each far below 400 KB. */
const EXPECTED_BYTES_PER_ITEM = 100_000;

/** The expected sample ids in items of at most {@link EXPECTED_BYTES_PER_ITEM} bytes each, in order. */
function chunkIds(sampleIds: readonly string[]): string[][] {
  const chunks: string[][] = [];
  let bytes = Infinity;
  for (const id of sampleIds) {
    const size = Buffer.byteLength(id) + 3;
    if (bytes + size > EXPECTED_BYTES_PER_ITEM) {
      chunks.push([]);
      bytes = 0;
    }
    chunks.at(-1)!.push(id);
    bytes += size;
  }
  return chunks;
}

/**
 * Runs and the files landed in them: one run item (`RUN#<team>#<run>` / `#RUN`, listed per team on GSI1)
 * and one item per landed file under the same partition, so everything about a run is one key query. The
 * run item stays small whatever a sheet holds: the expected sample ids live in `EXPECTED#<n>` items beside
 * it, and only the first missing files are named on it (with their count).
 */
export class Runs {
  readonly #table: CatalogTable;
  /**
   * Runs this process has seen to exist (a run item is never deleted): their next files skip the create, a
   * conditional write that failed — an error answer — at every file after a run's first.
   */
  readonly #existing = new Set<string>();

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  async get(team: string, runId: string): Promise<RunRecord | undefined> {
    const result = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.run(team, runId), ConsistentRead: true }),
    );
    return strip<RunRecord>(result.Item);
  }

  async update(team: string, runId: string, changes: Partial<Omit<RunRecord, 'team' | 'runId' | 'createdAt'>>): Promise<void> {
    await this.#table.update(keys.run(team, runId), { ...changes, updatedAt: now() });
  }

  /**
   * Records which samples the run expects (from its sheet, manifest or file names), split over `EXPECTED#<n>`
   * items; written only when the list changed (the run item keeps its digest), older surplus items removed.
   */
  async setExpectedSamples(
    team: string,
    runId: string,
    sampleIds: readonly string[],
    current?: Pick<RunRecord, 'expectedSamplesDigest' | 'expectedSampleItems'>,
  ): Promise<void> {
    const digest = createHash('sha256').update(JSON.stringify(sampleIds)).digest('hex').slice(0, 32);
    const known = current ?? (await this.get(team, runId));
    if (known?.expectedSamplesDigest === digest) return;
    const chunks = chunkIds(sampleIds);
    for (const [index, ids] of chunks.entries())
      await this.#table.doc.send(
        new PutCommand({ TableName: this.#table.name, Item: { ...keys.expectedSamples(team, runId, index), sampleIds: ids } }),
      );
    for (let index = chunks.length; index < (known?.expectedSampleItems ?? 0); index++)
      await this.#table.doc.send(new DeleteCommand({ TableName: this.#table.name, Key: keys.expectedSamples(team, runId, index) }));
    await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.run(team, runId),
        UpdateExpression:
          'SET expectedSampleCount = :count, expectedSampleItems = :items, expectedSamplesDigest = :digest REMOVE expectedSamples',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':count': sampleIds.length, ':items': chunks.length, ':digest': digest },
      }),
    );
  }

  /** The samples the run expects, as last recorded (empty before its sheet or files said). */
  async expectedSamples(
    team: string,
    runId: string,
    run?: Pick<RunRecord, 'expectedSamples' | 'expectedSamplesDigest'>,
  ): Promise<string[]> {
    const known = run ?? (await this.get(team, runId));
    if (known?.expectedSamples) return known.expectedSamples; // recorded on the run item before the list moved out
    if (!known?.expectedSamplesDigest) return [];
    const items = await this.#table.queryAll<{ sampleIds: string[] }>({ pk: keys.run(team, runId).pk, skPrefix: 'EXPECTED#' });
    return items.flatMap((item) => item.sampleIds);
  }

  /**
   * Records the last error the sweep met on this run (its other runs go on), or clears it; a run that no
   * longer exists is left alone.
   */
  async recordSweepError(team: string, runId: string, message: string | undefined): Promise<void> {
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.run(team, runId),
          UpdateExpression: message === undefined ? 'REMOVE sweepError' : 'SET sweepError = :error',
          ConditionExpression: 'attribute_exists(pk)',
          ...(message === undefined ? {} : { ExpressionAttributeValues: { ':error': { at: now(), message: message.slice(0, 2000) } } }),
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** The runs of a team (GSI1). */
  async listForTeam(team: string): Promise<RunRecord[]> {
    return this.#table.queryAll<RunRecord>({ index: 'gsi1', pk: keys.teamIndex(team), skPrefix: 'RUN#' });
  }

  /**
   * Records a landed object. Returns `changed: false` when the same identity (etag, size, versionId) is
   * already recorded: the Storage Gateway and S3 events for one object, and duplicates, stop here.
   */
  async recordFile(team: string, runId: string, file: LandedFile): Promise<{ changed: boolean }> {
    const run = `${team}\u0000${runId}`;
    if (!this.#existing.has(run)) {
      await this.#ensure(team, runId);
      if (this.#existing.size >= KNOWN_RUNS_KEPT) this.#existing.clear();
      this.#existing.add(run);
    }
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
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
    await this.#table.update(keys.file(team, runId, name), { bucket: location.bucket, key: location.key, relocatedAt: now() });
  }

  /** Every landed file of a run. */
  async listFiles(team: string, runId: string): Promise<LandedFile[]> {
    return this.#table.queryAll<LandedFile>({ pk: keys.run(team, runId).pk, skPrefix: 'FILE#' });
  }

  /** The named landed files of a run (those that exist), read together: a sample's files without listing the run. */
  async getFiles(team: string, runId: string, names: readonly string[]): Promise<LandedFile[]> {
    const wanted = [...new Set(names)].map((name) => keys.file(team, runId, name));
    const found = await this.#table.getMany<LandedFile>(wanted);
    return wanted.flatMap((key) => {
      const file = found.get(itemKey(key));
      return file ? [file] : [];
    });
  }

  /** Creates the run item on its first file (RECEIVING); a run that exists is left as it is. */
  async #ensure(team: string, runId: string): Promise<void> {
    const at = now();
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: {
            ...keys.run(team, runId),
            ...keys.runInTeam(team, runId),
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
}
