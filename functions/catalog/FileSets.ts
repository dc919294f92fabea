import { createHash } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { CatalogTable } from './CatalogTable.ts';
import type { FileSetRef } from '../../contracts/events/landfall.ts';
import { keys } from './tableDesign.ts';

/**
 * A list kept inline (on an item, in an event) only up to this many bytes of JSON. A sample's file list
 * grows with its chunks: a MinKNOW barcode of a PromethION flow cell writes thousands of FASTQ batches, each
 * a few hundred bytes of catalog entry, and DynamoDB refuses items over 400 KB, Step Functions inputs over
 * 256 KB, and a team's SNS topic messages over 256 KB (EventBridge itself takes 1 MB since January 2026).
 * Beyond this, the list is kept as a file set and the item or event names it.
 */
export const INLINE_LIST_BYTES = 64 * 1024;

/** Bytes of entries per file-set item: well below DynamoDB's 400 KB item limit with the keys around them. */
const SET_BYTES_PER_ITEM = 200_000;

/** What an item or event says instead of holding a long list (one shape, the events' contract). */
export type { FileSetRef } from '../../contracts/events/landfall.ts';

/** Whether `entries` is too long to carry inline (see {@link INLINE_LIST_BYTES}). */
export const tooLongInline = (entries: readonly unknown[]): boolean => Buffer.byteLength(JSON.stringify(entries)) > INLINE_LIST_BYTES;

/** `entries` split, in order, into runs of at most {@link SET_BYTES_PER_ITEM} bytes of JSON each. */
function chunked<T>(entries: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let bytes = Infinity;
  for (const entry of entries) {
    const size = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (bytes + size > SET_BYTES_PER_ITEM) {
      chunks.push([]);
      bytes = 0;
    }
    bytes += size;
    chunks.at(-1)!.push(entry);
  }
  return chunks;
}

/**
 * Long file lists of a sample (`SAMPLE#<team>#<run>#<sample>` / `SET#<kind>-<digest>#<0000n>`, in the sample's
 * partition beside its versions): a version's files, the file set a "Sample Landed" announced, a step's
 * outputs. A set is named by what it holds (the digest of its entries), so writing it again writes the same
 * items, other content is another set, and a writer that dies half way is followed by one that writes it
 * whole; a reader that finds fewer items than the set has is told so instead of getting part of a sample.
 */
export class FileSets {
  readonly #table: CatalogTable;

  constructor(table: CatalogTable) {
    this.#table = table;
  }

  /** Writes the set of `entries` (its items in order) as a set of this kind ("files", "landed", …) and returns what names it. */
  async put<T>(sample: { team: string; runId: string; sampleId: string }, kind: string, entries: readonly T[]): Promise<FileSetRef> {
    const chunks = chunked(entries);
    const name = `${kind}-${createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 32)}`;
    for (const [index, chunk] of chunks.entries())
      await this.#table.doc.send(
        new PutCommand({
          TableName: this.#table.name,
          Item: { ...keys.fileSet(sample, name, index), kind: 'fileSet', entries: chunk, items: chunks.length, count: entries.length },
        }),
      );
    return { fileSet: name, count: entries.length };
  }

  /** The set's entries in order; throws when any of its items is missing (a set is never handed out in part). */
  async get<T>(sample: { team: string; runId: string; sampleId: string }, ref: FileSetRef): Promise<T[]> {
    const items = await this.#table.queryAll<{ entries: T[]; items: number; count: number }>({
      pk: keys.samplePk(sample.team, sample.runId, sample.sampleId),
      skPrefix: keys.fileSetPrefix(ref.fileSet),
    });
    const entries = items.flatMap((item) => item.entries);
    if (entries.length !== ref.count || items.some((item) => item.items !== items.length))
      throw new Error(
        `file set ${ref.fileSet} of ${sample.team}/${sample.runId}/${sample.sampleId} holds ${entries.length} of its ${ref.count} entries ` +
          `(${items.length} items): it was not written whole`,
      );
    return entries;
  }
}
