import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { FileIdentity, FileVerdict } from '../../validation/fileVerdict.ts';
import { type CatalogTable, isConditionFailure, itemKey, strip } from './CatalogTable.ts';
import { keys } from './tableDesign.ts';

/**
 * Per-file validation verdicts (`VERDICT#<bucket>#<key>` / `VERSION#<versionId>#<size>` or
 * `ETAG#<etag>#<size>`): written once per stored object's identity as it lands, read when its sample is
 * concluded. A changed file has another identity, so another item; an old verdict is never read for other bytes.
 */
export class FileVerdicts {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /**
   * The verdict for this identity, if one was recorded; else, for a new version of the same key, the verdict of
   * an earlier version with the same ETag and size, re-keyed to this identity (identical bytes landed again are
   * not read again). The ETag stands for the bytes: an MD5 of them (of its parts, for a multipart upload), or,
   * where S3 does not derive it from the data (SSE-KMS), unique to the upload, so it never matches other bytes.
   */
  async get(file: FileIdentity): Promise<FileVerdict | undefined> {
    return (await this.find(file))?.verdict;
  }

  /**
   * {@link get}, saying whether the verdict is this identity's own or an earlier version's re-keyed to it: only
   * the latter needs recording under this identity (recording the former again is a write bound to fail).
   */
  async find(file: FileIdentity): Promise<{ verdict: FileVerdict; earlierVersion: boolean } | undefined> {
    if (!file.versionId || !file.etag) {
      const { Item } = await this.#table.doc.send(
        new GetCommand({ TableName: this.#table.name, Key: keys.fileVerdict(file), ConsistentRead: true }),
      );
      const own = strip<FileVerdict>(Item);
      return own && { verdict: own, earlierVersion: false };
    }
    // A version's own verdict and its key's earlier ones share a partition: one query finds either (a new file,
    // the common case, has neither — a get and then a query made it two round trips).
    const versions = await this.#versionVerdicts(file);
    const own = versions.find((verdict) => verdict.versionId === file.versionId && verdict.size === file.size);
    if (own) return { verdict: own, earlierVersion: false };
    const earlier = sameBytes(versions, file);
    return earlier && { verdict: earlier, earlierVersion: true };
  }

  /** {@link get} for the files of a sample: the exact identities read together, the rest looked up one by one. */
  async getMany(files: readonly FileIdentity[]): Promise<(FileVerdict | undefined)[]> {
    const exact = await this.#table.getMany<FileVerdict>(files.map((file) => keys.fileVerdict(file)));
    return Promise.all(files.map((file) => exact.get(itemKey(keys.fileVerdict(file))) ?? this.#sameBytesEarlier(file)));
  }

  /** For a new version of a key, the verdict of an earlier version with the same ETag and size, re-keyed to this identity. */
  async #sameBytesEarlier(file: FileIdentity): Promise<FileVerdict | undefined> {
    if (!file.versionId || !file.etag) return undefined;
    return sameBytes(await this.#versionVerdicts(file), file);
  }

  /** Every verdict recorded for a version of this file's key (its own identity's among them, if recorded). */
  #versionVerdicts(file: FileIdentity): Promise<FileVerdict[]> {
    return this.#table.queryAll<FileVerdict>({ pk: keys.fileVerdict(file).pk, skPrefix: 'VERSION#' });
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

/** Of a key's version verdicts, one for the same bytes as `file` (ETag and size), re-keyed to its identity. */
function sameBytes(verdicts: readonly FileVerdict[], file: FileIdentity): FileVerdict | undefined {
  const same = verdicts.find((verdict) => verdict.etag === file.etag && verdict.size === file.size);
  return same && { ...same, versionId: file.versionId };
}
