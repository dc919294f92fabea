import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { keys } from './tableDesign.ts';

/** Why an entry of the instrument share was left where it is instead of landing. */
export type SkipKind =
  | 'symlink'
  | 'through-link'
  | 'fifo'
  | 'socket'
  | 'device'
  | 'not-a-file'
  | 'hidden'
  | 'temporary'
  | 'outside-run-folder'
  | 'unknown-team'
  | 'unsafe-name';

/** One entry of the share that did not land, with the reason a person can act on. */
export interface SkippedShareEntry {
  /** Path inside the share, `/`-separated and NFC-normalised, e.g. `genomics/RUN1/S1_R1.fastq.gz`. */
  path: string;
  /** The share's top folder when it names a configured team (that team may see the entry); else the operator's only. */
  team?: string;
  /** The run folder, when the entry is inside one. */
  runId?: string;
  kind: SkipKind;
  /** One sentence: what the entry is, why it did not land, what to do. */
  reason: string;
}

/** A skipped entry as recorded, with when the share watcher reported it. */
export interface SkippedShareRecord extends SkippedShareEntry {
  reportedAt: string;
}

/**
 * Entries of the embedded runtime's share that did not land (links, FIFOs, devices, sockets, hidden and
 * temporary names, unconfigured team folders), so `landfall status`, the dashboard and the run report can
 * say what was left and why. One small item per entry (`SHARE#SKIPPED` / `ENTRY#<path>`), indexed by team
 * and run on GSI1 (`TEAM#<team>` / `SKIPPED#<run>#<path>`). In AWS the landing function writes the hidden and
 * temporary names an S3 File Gateway uploads (functions/landing/landingNames.ts); it never uploads a link or a
 * special file.
 */
export class ShareSkips {
  readonly #doc: DynamoDBDocumentClient;
  readonly #table: string;

  constructor(doc: DynamoDBDocumentClient, tableName: string) {
    this.#doc = doc;
    this.#table = tableName;
  }

  /** Records (or updates) one skipped entry. */
  async record(entry: SkippedShareEntry, reportedAt = new Date().toISOString()): Promise<void> {
    await this.#doc.send(
      new PutCommand({
        TableName: this.#table,
        Item: {
          ...keys.shareSkip(entry.path),
          ...(entry.team && keys.shareSkipByTeam(entry.team, entry.runId, entry.path)),
          ...entry,
          reportedAt,
        },
      }),
    );
  }

  /** Forgets a skipped entry (removed from the share, or landed after it was fixed). */
  async clear(entryPath: string): Promise<void> {
    await this.#doc.send(new DeleteCommand({ TableName: this.#table, Key: keys.shareSkip(entryPath) }));
  }

  /** Every skipped entry (the operator's view), by path. */
  async listAll(): Promise<SkippedShareRecord[]> {
    return this.#query({ pk: keys.shareSkip('').pk, skPrefix: 'ENTRY#' });
  }

  /** The skipped entries of one team's folder (and, with `runId`, of one run folder), by path. */
  async listTeam(team: string, runId?: string): Promise<SkippedShareRecord[]> {
    const { gsi1pk, gsi1sk } = keys.shareSkipByTeam(team, runId, '');
    const entries = await this.#query({ pk: gsi1pk, skPrefix: runId === undefined ? 'SKIPPED#' : gsi1sk, index: 'gsi1' });
    return runId === undefined ? entries : entries.filter((entry) => entry.runId === runId);
  }

  /** Forgets every entry: the share watcher reports what is there again at its first scan. */
  async clearAll(): Promise<number> {
    const entries = await this.listAll();
    for (const entry of entries) await this.clear(entry.path);
    return entries.length;
  }

  async #query(query: { pk: string; skPrefix: string; index?: 'gsi1' }): Promise<SkippedShareRecord[]> {
    const entries: SkippedShareRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.#table,
        IndexName: query.index,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': query.index ? 'gsi1pk' : 'pk', '#sk': query.index ? 'gsi1sk' : 'sk' },
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
        ExclusiveStartKey: startKey,
      };
      const page = await this.#doc.send(new QueryCommand(input));
      for (const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...entry } of page.Items ?? []) entries.push(entry as SkippedShareRecord);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return entries.sort((a, b) => a.path.localeCompare(b.path));
  }
}
