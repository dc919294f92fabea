import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FileIdentity, FileVerdict } from '../../validation/fileVerdict.ts';
import { type CatalogTable, isConditionFailure, strip } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';

/**
 * Per-file validation verdicts (`VERDICT#<bucket>#<key>` / `VERSION#<versionId>#<size>` or
 * `ETAG#<etag>#<size>`): written once per stored object's identity as it lands, read when its sample is
 * concluded. A changed file has another identity, so another item; an old verdict is never read for it.
 */
export class FileVerdicts {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** The verdict for exactly this identity, if one was recorded. */
  async get(file: FileIdentity): Promise<FileVerdict | undefined> {
    const { Item } = await this.#table.doc.send(
      new GetCommand({ TableName: this.#table.name, Key: keys.fileVerdict(file), ConsistentRead: true }),
    );
    return strip<FileVerdict>(Item);
  }

  /** Records a verdict; false when one was already there for the identity (the first one stands: same bytes, same verdict). */
  async record(verdict: FileVerdict): Promise<boolean> {
    try {
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: { ...keys.fileVerdict(verdict), ...verdict },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
