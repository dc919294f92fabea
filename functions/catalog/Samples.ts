import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type CatalogTable, isConditionFailure, now, strip } from './CatalogTable.ts';
import { FileSets, tooLongInline } from './FileSets.ts';
import { keys } from './tableDesign.ts';
import type { SampleRecord, SampleRef, SampleStatus, VersionFile, VersionRecord, VersionRef } from './types.ts';

/**
 * Samples and their versions. A sample item sits in its run's partition (and on GSI1 by team and status);
 * its versions sit in the sample's own partition (`SAMPLE#<team>#<run>#<sample>` / `V#<0000n>`), beside the
 * steps and costs of each version, so a sample's lineage is one key query.
 */
export class Samples {
  readonly #table: CatalogTable;
  /** Long lists of a sample: a version's files beyond what one item holds, a long landed file set. */
  readonly fileSets: FileSets;

  constructor(table: CatalogTable) {
    this.#table = table;
    this.fileSets = new FileSets(table);
  }

  /**
   * A version's files as its item keeps them: inline, or — a list too long for one item (thousands of MinKNOW
   * batches) — in a file set, which the item names instead (`filesRef`, its `files` left empty).
   */
  async #storedFiles(ref: VersionRef, files: VersionFile[]): Promise<Pick<VersionRecord, 'files' | 'filesRef'>> {
    if (!tooLongInline(files)) return { files };
    return { files: [], filesRef: await this.fileSets.put(ref, 'files', files) };
  }

  /** A version item as every reader gets it: with all its files, wherever they are kept. */
  async withFiles(version: VersionRecord): Promise<VersionRecord> {
    if (!version.filesRef) return version;
    return { ...version, files: await this.fileSets.get<VersionFile>(version, version.filesRef) };
  }

  async get(ref: SampleRef): Promise<SampleRecord | undefined> {
    const result = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.sample(ref.team, ref.runId, ref.sampleId), ConsistentRead: true }),
    );
    return strip<SampleRecord>(result.Item);
  }

  /** The samples of a run. */
  async listInRun(team: string, runId: string): Promise<SampleRecord[]> {
    return this.#table.queryAll<SampleRecord>({ pk: keys.run(team, runId).pk, skPrefix: 'SAMPLE#' });
  }

  /** Samples of a team, optionally only those in one status (GSI1). */
  async listForTeam(team: string, status?: SampleStatus): Promise<SampleRecord[]> {
    return this.#table.queryAll<SampleRecord>({
      index: 'gsi1',
      pk: keys.teamIndex(team),
      skPrefix: status ? `SAMPLE#${status}#` : 'SAMPLE#',
    });
  }

  /** Sets the sample's status (and current version when given); keeps GSI1 in step with the status. */
  async setStatus(
    ref: SampleRef,
    status: SampleStatus,
    extra: {
      currentVersion?: number;
      detail?: string;
      validating?: SampleRecord['validating'];
      checkedDocuments?: SampleRecord['checkedDocuments'];
    } = {},
  ): Promise<void> {
    const index = keys.sampleInTeam(ref.team, status, ref.runId, ref.sampleId);
    await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.sample(ref.team, ref.runId, ref.sampleId),
        UpdateExpression:
          'SET #status = :status, updatedAt = :at, team = :team, runId = :run, sampleId = :sample, gsi1pk = :g1, gsi1sk = :g2, detail = :detail' +
          (extra.currentVersion !== undefined ? ', currentVersion = :v' : '') +
          (extra.checkedDocuments !== undefined ? ', checkedDocuments = :documents' : '') +
          // The file set is the current validation's only: any other status change drops it.
          (extra.validating !== undefined ? ', validating = :validating' : ' REMOVE validating'),
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':status': status,
          ':at': now(),
          ':team': ref.team,
          ':run': ref.runId,
          ':sample': ref.sampleId,
          ':g1': index.gsi1pk,
          ':g2': index.gsi1sk,
          ':detail': extra.detail ?? status.toLowerCase(),
          ...(extra.currentVersion !== undefined ? { ':v': extra.currentVersion } : {}),
          ...(extra.checkedDocuments !== undefined ? { ':documents': extra.checkedDocuments } : {}),
          ...(extra.validating !== undefined ? { ':validating': extra.validating } : {}),
        },
      }),
    );
  }

  /**
   * Says where a running sample is (`detail`) without changing its status: only while it is RUNNING at
   * `version`, so a sample cancelled, finished or superseded meanwhile keeps what it says.
   */
  async noteProgress(ref: SampleRef, version: number, detail: string): Promise<void> {
    await this.#table.updateIf({
      Key: keys.sample(ref.team, ref.runId, ref.sampleId),
      UpdateExpression: 'SET detail = :detail, updatedAt = :at',
      ConditionExpression: '#status = :running AND currentVersion = :version',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':detail': detail, ':at': now(), ':running': 'RUNNING', ':version': version },
    });
  }

  /** Records that every early step of the sample's version `ref.version` has published (see {@link SampleRecord.earlyStepsDoneVersion}). */
  async markEarlyStepsDone(ref: VersionRef): Promise<void> {
    // Only on a sample's own record: a pseudo-sample (a run's run steps) has none, and must not get one.
    await this.#table.updateIf({
      Key: keys.sample(ref.team, ref.runId, ref.sampleId),
      UpdateExpression: 'SET earlyStepsDoneVersion = :version',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':version': ref.version },
    });
  }

  /** Forgets {@link markEarlyStepsDone} for `ref.version` (an early step of it runs again); another version's mark stays. */
  async clearEarlyStepsDone(ref: VersionRef): Promise<void> {
    await this.#table.updateIf({
      Key: keys.sample(ref.team, ref.runId, ref.sampleId),
      UpdateExpression: 'REMOVE earlyStepsDoneVersion',
      ConditionExpression: 'earlyStepsDoneVersion = :version',
      ExpressionAttributeValues: { ':version': ref.version },
    });
  }

  /** Records the identity of the file set announced as "Sample Landed" (the sample item exists: RECEIVING first). */
  async markLanded(ref: SampleRef, landedIdentity: string): Promise<void> {
    await this.#table.update(keys.sample(ref.team, ref.runId, ref.sampleId), { landedIdentity });
  }

  /** Records which checksum documents the sample's current version was checked against (see {@link SampleRecord.checkedDocuments}). */
  async markDocumentsChecked(ref: SampleRef, checkedDocuments: string): Promise<void> {
    await this.#table.update(keys.sample(ref.team, ref.runId, ref.sampleId), { checkedDocuments });
  }

  /** Every version of a sample, oldest first. */
  async listVersions(ref: SampleRef): Promise<VersionRecord[]> {
    return Promise.all((await this.#versionItems(ref)).map((version) => this.withFiles(version)));
  }

  /** The version items of a sample as stored (a long file list still in its set). */
  async #versionItems(ref: SampleRef): Promise<VersionRecord[]> {
    const items = await this.#table.queryAll<VersionRecord & { kind?: string }>({
      pk: keys.samplePk(ref.team, ref.runId, ref.sampleId),
      skPrefix: 'V#',
    });
    return items.filter((item) => item.kind === 'version');
  }

  async getVersion(ref: VersionRef): Promise<VersionRecord | undefined> {
    const result = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.version(ref), ConsistentRead: true }),
    );
    const version = strip<VersionRecord>(result.Item);
    return version && this.withFiles(version);
  }

  /**
   * Assigns the version ordinal of a file set by conditional write: the same hash always maps to the
   * same ordinal (an identical re-upload is the same version), a new hash gets max + 1. Racers for the
   * same hash converge on one item; racers with different hashes get consecutive ordinals. `versions` are the
   * sample's version items as the claim saw them (a long file list still in its set): every version older than
   * the claimed one is among them.
   */
  async claimVersion(
    ref: SampleRef,
    versionHash: string,
    files: VersionFile[],
    status: SampleStatus,
  ): Promise<{ version: VersionRecord; created: boolean; versions: VersionRecord[] }> {
    for (let round = 0; round < 20; round++) {
      const versions = await this.#versionItems(ref);
      const existing = versions.find((v) => v.versionHash === versionHash);
      if (existing) return { version: await this.withFiles(existing), created: false, versions };
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
      // Named by its content, not the ordinal: racers for one ordinal with other file sets write other sets.
      const stored = await this.#storedFiles(record, files);
      try {
        await this.#table.doc.send(
          new PutCommand({
            TableName: this.#table.name,
            Item: { ...keys.version({ ...ref, version: next }), kind: 'version', ...record, ...stored },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return { version: record, created: true, versions };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    throw new Error(`could not assign a version to ${ref.team}/${ref.runId}/${ref.sampleId} after 20 rounds of contention`);
  }

  async updateVersion(ref: VersionRef, changes: Partial<Omit<VersionRecord, keyof VersionRef>>): Promise<void> {
    // New files (quarantine moved them) are kept as a new list: inline, or in a set of their own.
    const files = changes.files && { filesRef: null, ...(await this.#storedFiles(ref, changes.files)) };
    await this.#table.update(keys.version(ref), { ...changes, ...files, updatedAt: now() });
  }

  /**
   * Ends a version's execution as COMPLETED or FAILED, unless re-validation already marked it SUPERSEDED or a
   * person CANCELLED it: a re-landed sample's new version may be cataloged while the old one's execution still
   * runs, and a cancelled execution's last task may still end; neither may turn the version back into a
   * current-looking state. The other changes (error, completedAt) are kept either way.
   *
   * @returns false when the version is SUPERSEDED or CANCELLED (its status is left as it is)
   */
  async finishVersion(
    ref: VersionRef,
    status: 'COMPLETED' | 'FAILED',
    changes: Pick<VersionRecord, 'error' | 'completedAt'>,
  ): Promise<boolean> {
    const names = Object.keys(changes);
    try {
      await this.#table.doc.send(
        new UpdateCommand({
          TableName: this.#table.name,
          Key: keys.version(ref),
          UpdateExpression: `SET #status = :status, updatedAt = :at${names.map((name) => `, #${name} = :${name}`).join('')}`,
          ConditionExpression: 'attribute_exists(pk) AND #status <> :superseded AND #status <> :cancelled',
          ExpressionAttributeNames: { '#status': 'status', ...Object.fromEntries(names.map((name) => [`#${name}`, name])) },
          ExpressionAttributeValues: {
            ':status': status,
            ':at': now(),
            ':superseded': 'SUPERSEDED',
            ':cancelled': 'CANCELLED',
            ...Object.fromEntries(Object.entries(changes).map(([name, value]) => [`:${name}`, value])),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const left = (await this.getVersion(ref))?.status;
      if (left !== 'SUPERSEDED' && left !== 'CANCELLED') throw error;
      await this.#table.update(keys.version(ref), { ...changes, updatedAt: now() });
      return false;
    }
  }

  /** Counts a change the version's manifest must reflect; the manifest writer loops until stable. */
  async bumpManifestRevision(ref: VersionRef): Promise<void> {
    await this.#table.doc.send(
      new UpdateCommand({
        TableName: this.#table.name,
        Key: keys.version(ref),
        UpdateExpression: 'ADD manifestRevision :one',
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  }
}
