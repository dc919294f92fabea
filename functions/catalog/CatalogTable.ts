import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';

/** Now, as the catalog stamps items (ISO-8601). */
export const now = (): string => new Date().toISOString();

/** Whether a write failed only because its condition did not hold (someone else got there first). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException || (error as { name?: string })?.name === 'ConditionalCheckFailedException';
}

/** BatchGetItem reads at most 100 keys per request. */
const BATCH_GET_MAX_KEYS = 100;

/** An item's table key as one string: how {@link CatalogTable.getMany} returns what it found. */
export const itemKey = (key: { pk: string; sk: string }): string => `${key.pk}\u0000${key.sk}`;

/** Strips the table's key attributes from an item. */
export function strip<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest as T;
}

/**
 * The one catalog table (tableDesign.ts) as every repository of the catalog uses it: the document client,
 * the table name, and the access shapes they share (a partial update of an existing item, an update whose
 * condition may not hold, and a paged key query by partition and sort-key prefix). Same SDK code against DynamoDB and the local
 * DynamoDB-compatible server (the endpoint comes from the environment).
 */
export class CatalogTable {
  readonly doc: DynamoDBDocumentClient;
  readonly name: string;

  constructor(tableName: string, client: DynamoDBClient = new DynamoDBClient({})) {
    this.name = tableName;
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Sets the given attributes (undefined ones are left alone) on an item that must exist. */
  async update(key: { pk: string; sk: string }, changes: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const sets = entries.map(([name, value], i) => {
      names[`#a${i}`] = name;
      values[`:v${i}`] = value;
      return `#a${i} = :v${i}`;
    });
    await this.doc.send(
      new UpdateCommand({
        TableName: this.name,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  /**
   * An update whose condition may not hold because another writer got there first: its output, or undefined
   * when the condition failed. Any other error is thrown.
   */
  async updateIf(input: Omit<UpdateCommandInput, 'TableName'>): Promise<UpdateCommandOutput | undefined> {
    try {
      return await this.doc.send(new UpdateCommand({ TableName: this.name, ...input }));
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * The items at these keys (strongly consistent), in one BatchGetItem per 100 keys instead of a GetItem each:
   * a sample's conclusion reads its files and their verdicts this way. Keys without an item are absent from the
   * result; keys DynamoDB leaves unprocessed (throttling, the 16 MB response limit) are asked again.
   */
  async getMany<T>(keys: readonly { pk: string; sk: string }[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    const unique = [...new Map(keys.map((key) => [itemKey(key), key])).values()];
    for (let start = 0; start < unique.length; start += BATCH_GET_MAX_KEYS) {
      let pending: Record<string, unknown>[] = unique.slice(start, start + BATCH_GET_MAX_KEYS);
      for (let round = 0; pending.length > 0; round++) {
        if (round > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 25 * 2 ** round)));
        const { Responses, UnprocessedKeys } = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.name] ?? []) found.set(itemKey(item as { pk: string; sk: string }), strip<T>(item) as T);
        pending = UnprocessedKeys?.[this.name]?.Keys ?? [];
      }
    }
    return found;
  }

  /** Every item of a partition (of the table, or of GSI1) whose sort key starts with `skPrefix`, all pages. */
  async queryAll<T>(query: { pk: string; skPrefix: string; index?: 'gsi1' }): Promise<T[]> {
    const pkName = query.index ? 'gsi1pk' : 'pk';
    const skName = query.index ? 'gsi1sk' : 'sk';
    const items: T[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const input: QueryCommandInput = {
        TableName: this.name,
        IndexName: query.index,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': pkName, '#sk': skName },
        ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.skPrefix },
        ExclusiveStartKey: startKey,
        ConsistentRead: query.index ? undefined : true,
      };
      const page = await this.doc.send(new QueryCommand(input));
      for (const item of page.Items ?? []) items.push(strip<T>(item) as T);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items;
  }
}
