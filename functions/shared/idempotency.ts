import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import type { FunctionName } from '../../contracts/names.ts';
import { logger } from './powertools.ts';
import { IDEMPOTENCY_KEY, idempotencyCreateTableInput } from './idempotencyTable.ts';

/**
 * Powertools idempotency for handlers whose duplicates are frequent (a storm of events for one object):
 * the first invocation for a key does the work and its result is stored; a repeat within the window
 * answers from the store. One persistence layer per handler (its own key prefix in the shared table);
 * the catalog's conditional writes stay the guarantee, this is the cheap guard in front of them.
 */
const WINDOW_SECONDS = 3600;

/** Creates the idempotency table when missing and waits until it is ACTIVE. */
export async function ensureIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(idempotencyCreateTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof ResourceInUseException) && (error as { name?: string })?.name !== 'ResourceInUseException') throw error;
  }
  for (let round = 0; round < 100; round++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`idempotency table ${tableName} did not become ACTIVE`);
}

/** What a duplicate invocation answers while the first one still runs. */
export interface InProgress {
  outcome: 'duplicate';
  inProgress: true;
}

/**
 * Makes `fn(key)` idempotent per handler: the whole argument is the idempotency key (so pass only the
 * identity that defines "the same work"). A concurrent duplicate gets `{ outcome: 'duplicate' }` instead
 * of an error; the in-progress record expires with the invocation's remaining time, so a crash costs a
 * retry window, never the work.
 *
 * `client` is the catalog's (the same table server; a new default client without one): on the embedded runtime it
 * reaches the catalog thread without a socket, as the catalog's own calls do.
 *
 * @example
 * const record = idempotentPerHandler('land', process.env.LANDFALL_IDEMPOTENCY_TABLE!, recordObject, svc.catalog.client);
 */
export function idempotentPerHandler<Key extends Record<string, unknown>, Result>(
  handler: FunctionName,
  tableName: string,
  fn: (key: Key) => Promise<Result>,
  client?: DynamoDBClient,
): (key: Key, context?: Context) => Promise<Result | InProgress> {
  // Built on first use: the embedded runtime points the SDK at its local server before invoking.
  let guarded: ((key: Key) => Promise<Result>) | undefined;
  let config: IdempotencyConfig | undefined;
  let persistenceStore: DynamoDBPersistenceLayer | undefined;
  return async (key, context) => {
    if (!guarded) {
      config = new IdempotencyConfig({ expiresAfterSeconds: WINDOW_SECONDS });
      persistenceStore = new DynamoDBPersistenceLayer({
        tableName,
        keyAttr: IDEMPOTENCY_KEY,
        awsSdkV3Client: client ?? new DynamoDBClient({}),
      });
      guarded = makeIdempotent(fn, { persistenceStore, config, keyPrefix: `landfall.${handler}` });
    }
    if (context) config!.registerLambdaContext(context);
    try {
      return await guarded(key);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) return { outcome: 'duplicate', inProgress: true };
      if (error instanceof IdempotencyPersistenceLayerError && error.message.startsWith('Failed to delete record')) {
        // The work failed while the store was unreachable (the catalog restarting), so its in-progress record
        // stayed: every retry would be answered "duplicate" until it expires, and the event dropped. Clear it
        // once the store answers, then fail, so the retry does the work.
        await deleteOnceReachable(handler, () =>
          persistenceStore!.deleteRecord(key as Parameters<DynamoDBPersistenceLayer['deleteRecord']>[0]),
        );
      }
      throw error;
    }
  };
}

/** Retries `deleteRecord` with backoff for up to about a minute (a store restarting answers within that). */
async function deleteOnceReachable(handler: FunctionName, deleteRecord: () => Promise<void>): Promise<void> {
  let lastError: unknown;
  for (let delayMs = 100; delayMs <= 12_800; delayMs *= 2) {
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      return await deleteRecord();
    } catch (error) {
      lastError = error;
    }
  }
  logger.error('could not clear an in-progress idempotency record: retries answer "duplicate" until it expires', {
    handler,
    error: String(lastError),
  });
}
