import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
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
