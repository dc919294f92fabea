import type { ObjectInfo, ObjectStorage } from '../seams/storage/ObjectStorage.ts';
import { inspectFastqWithFingerprint } from './inspectFastq.ts';
import { nativeFirst } from './nativeFirst.ts';
import type { MateFingerprint } from './MateNamesDigest.ts';
import type { FastqInspection, ValidationOptions } from './types.ts';

/** A stored object's identity as HeadObject reads it: the same identity is the same bytes. */
export interface FileIdentity {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
}

/**
 * What one streaming pass over one landed FASTQ found, kept against the file's identity so a sample's
 * conclusion combines verdicts instead of reading its files again. Never used for another identity.
 */
export interface FileVerdict extends FileIdentity {
  /** The file's name in its run (reasons name it). */
  name: string;
  /** `validation.legacyNoCalls` the pass ran with: a verdict under another setting is not this file's. */
  legacyNoCalls: boolean;
  inspection: FastqInspection;
  mates: MateFingerprint;
  validatedAt: string;
}

/** Just the name and identity of a landed file (a catalog record carries more). */
export function identityOf(file: FileIdentity & { name: string }): FileIdentity & { name: string } {
  const { name, bucket, key, size, etag, versionId } = file;
  return { name, bucket, key, size, etag, ...(versionId ? { versionId } : {}) };
}

/**
 * Whether the object at the file's key is still exactly this identity (HeadObject: ETag, size, versionId). Storage
 * serves a key's current bytes, so a verdict made by reading it is kept for this identity only when this holds.
 */
export async function stillStored(storage: Pick<ObjectStorage, 'head'>, file: FileIdentity): Promise<boolean> {
  return isIdentity(await storage.head(file.bucket, file.key), file);
}

/** Whether a head's answer is exactly this identity (ETag, size, versionId): the same stored bytes. */
export function isIdentity(head: Pick<ObjectInfo, 'etag' | 'size' | 'versionId'> | undefined, file: FileIdentity): boolean {
  return head?.etag === file.etag && head.size === file.size && head.versionId === file.versionId;
}

/**
 * Where the single-file pass runs (the seam): in AWS in-process, inside the function's own Lambda; on the
 * embedded runtime in a pool of worker threads, off the event loop that serves every other handler.
 */
export type FilePass = (file: FileIdentity & { name: string }, options: ValidationOptions & { sha256?: boolean }) => Promise<FileVerdict>;

/** Whether a verdict was made for exactly this stored object (and these options): else the file is read again. */
export function verdictFits(
  verdict: FileVerdict | undefined,
  file: FileIdentity,
  options: ValidationOptions & { sha256?: boolean } = {},
): verdict is FileVerdict {
  if (!verdict) return false;
  return (
    verdict.bucket === file.bucket &&
    verdict.key === file.key &&
    verdict.size === file.size &&
    verdict.etag === file.etag &&
    verdict.versionId === file.versionId &&
    verdict.legacyNoCalls === (options.legacyNoCalls ?? false) &&
    (!options.sha256 || verdict.inspection.sha256 !== undefined)
  );
}

/**
 * The single pass over one landed FASTQ (MD5, gzip, records, statistics, mate fingerprint): the same
 * code every validation path runs (inspectFastq.ts). Bad data never throws; it is in the inspection's reasons.
 *
 * @throws ValidationIoError when the stored object cannot be read
 * @example
 * const verdict = await fileVerdictOf(storage, { name: 'S1_L001_R1_001.fastq.gz', bucket, key, size, etag });
 */
export async function fileVerdictOf(
  storage: Pick<ObjectStorage, 'get'>,
  file: FileIdentity & { name: string },
  options: ValidationOptions & { sha256?: boolean } = {},
): Promise<FileVerdict> {
  // A large file inflates with igzip where it is installed (the embedded runtime; a Lambda has none) and is read
  // again with zlib when igzip alone cannot decide: the verdict is the zlib pass's either way (nativeFirst.ts).
  const { inspection, mates } = await nativeFirst(file.size, async (native) =>
    inspectFastqWithFingerprint(await storage.get(file.bucket, file.key), file.name, {
      sha256: options.sha256,
      legacyNoCalls: options.legacyNoCalls,
      native,
    }),
  );
  return {
    ...identityOf(file),
    legacyNoCalls: options.legacyNoCalls ?? false,
    inspection,
    mates,
    validatedAt: new Date().toISOString(),
  };
}
