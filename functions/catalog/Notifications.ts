import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LandfallEventDetail } from '../../contracts/events/landfall.ts';
import { type CatalogTable, isConditionFailure, now } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';

/** What a failure notification is about: a version REJECTED by validation, or FAILED at a step. */
export type NotifiedFailureKind = 'REJECTED' | 'FAILED';

/** A failure or rejection waiting for its team's batched message (functions/notify/). */
export interface PendingFailure {
  team: string;
  runId: string;
  sampleId: string;
  version: number;
  kind: NotifiedFailureKind;
  /** When it was recorded: a run's batch goes out `batchSeconds` after its oldest pending failure. */
  recordedAt: string;
}

/**
 * Failures and rejections waiting to be told to people, batched per run (functions/notify/): one small item
 * per failure (`NOTIFY#<team>#<run>` / `PENDING#<sample>#V#<v>#<kind>`), also on the sparse GSI1 partition
 * `NOTIFY#PENDING` sorted by when it was recorded, so the batch window's flush finds every due run with one
 * key query. An item leaves once its message went out on every channel of the team. A run-DONE message that
 * was not accepted waits the same way (`DONE#<dedupeKey>`), with the "Run Completed" detail it was about.
 */
export class Notifications {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Records a failure for the next batch; a repeat (at-least-once delivery) keeps the first `recordedAt`. */
  async recordPending(failure: Omit<PendingFailure, 'recordedAt'>): Promise<boolean> {
    const recordedAt = now();
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: {
            ...keys.pendingNotification(failure),
            ...keys.pendingNotificationIndex(failure, recordedAt),
            ...failure,
            recordedAt,
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

  /** Every pending failure of every team, oldest first. */
  async listPending(): Promise<PendingFailure[]> {
    const items = await this.#table.queryAll<PendingFailure>({ pk: keys.pendingNotificationsIndex, skPrefix: 'PENDING#', index: 'gsi1' });
    return items;
  }

  /** The pending failures of one run. */
  async listPendingInRun(team: string, runId: string): Promise<PendingFailure[]> {
    const items = await this.#table.queryAll<PendingFailure>({ pk: keys.notificationRun(team, runId), skPrefix: 'PENDING#' });
    return items;
  }

  /** Removes a pending failure whose message went out (or was another process's to send). */
  async removePending(failure: Omit<PendingFailure, 'recordedAt'>): Promise<void> {
    await this.#table.doc.send(new DeleteCommand({ TableName: this.#table.name, Key: keys.pendingNotification(failure) }));
  }

  /** Keeps a run-DONE message that was not accepted, so the batch window's flush sends it again (a repeat keeps the first). */
  async recordDoneRetry(run: LandfallEventDetail<'Run Completed'>): Promise<void> {
    const recordedAt = now();
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: {
            ...keys.doneRetry(run.team, run.runId, run.dedupeKey),
            ...keys.doneRetryIndex(run.dedupeKey, recordedAt),
            run: JSON.stringify(run),
            recordedAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  /** Every run-DONE message waiting to be sent again, oldest first. */
  async listDoneRetries(): Promise<Array<LandfallEventDetail<'Run Completed'>>> {
    const items = await this.#table.queryAll<{ run: string }>({ pk: keys.pendingNotificationsIndex, skPrefix: 'DONE#', index: 'gsi1' });
    return items.map((item) => JSON.parse(item.run) as LandfallEventDetail<'Run Completed'>);
  }

  /** Forgets a run-DONE message once it went out on every channel. */
  async removeDoneRetry(run: Pick<LandfallEventDetail<'Run Completed'>, 'team' | 'runId' | 'dedupeKey'>): Promise<void> {
    await this.#table.doc.send(new DeleteCommand({ TableName: this.#table.name, Key: keys.doneRetry(run.team, run.runId, run.dedupeKey) }));
  }
}
