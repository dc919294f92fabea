import { createHash } from 'node:crypto';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import type { PublishedOutput } from '../catalog/types.ts';
import { faultPoint, type FaultPoint } from '../shared/faults.ts';

/** MD5 of an object's stored bytes, streamed. */
export async function md5OfObject(storage: ObjectStorage, bucket: string, key: string): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of await storage.get(bucket, key)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: hash.digest('hex'), size };
}

/**
 * The storage layer failed a publishing copy (an S3 error, a network failure): nothing verified reached the
 * target. Transient by nature, so the workflow's `Publish <step>` state retries it, like a VerificationError.
 */
export class CopyFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CopyFailedError';
  }
}

/** A work-area file that does not match what its job recorded, or a copy that does not match its source. */
export class VerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

/**
 * Copies one output from a work area to its published key, verifying the source against the MD5 the job
 * recorded and the copy against the source; a copy that fails verification is removed again.
 */
export async function verifiedCopy(
  storage: ObjectStorage,
  source: { bucket: string; key: string; expectedMd5: string },
  target: { bucket: string; key: string },
  /** Test-only fault hook at the copy (see functions/shared/faults.ts). */
  fault?: FaultPoint,
  /** The source is a copy this invocation has just verified, with these figures: it is not read again. */
  options: { sourceVerified?: { md5: string; size: number } } = {},
): Promise<PublishedOutput> {
  const original = options.sourceVerified ?? (await md5OfObject(storage, source.bucket, source.key));
  if (original.md5 !== source.expectedMd5) {
    throw new VerificationError(
      `s3://${source.bucket}/${source.key}: MD5 ${original.md5} differs from ${source.expectedMd5} recorded by its job`,
    );
  }
  let linked = false;
  try {
    const effect = fault ? await faultPoint(fault) : undefined;
    const copy = await storage.copy(source.bucket, source.key, target.bucket, target.key);
    // The copy is the very file just hashed (same ETag, which the folder storage computes from the bytes): reading
    // it again would hash the same bytes a second time (a published 50 GB BAM: over a minute of the runtime's CPU).
    linked = copy.linkedToSource === true && copy.etag === `"${original.md5}"` && copy.size === original.size;
    if (effect === 'corrupt') {
      linked = false;
      await storage.put(target.bucket, target.key, 'injected fault: these are not the bytes that were copied\n');
    }
  } catch (error) {
    // The copy may have left a partial or stale object: never leave anything unverified at the target.
    await storage.delete(target.bucket, target.key).catch(() => undefined);
    throw new CopyFailedError(
      `copy of s3://${source.bucket}/${source.key} to s3://${target.bucket}/${target.key} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (linked) return { key: target.key, size: original.size, md5: original.md5 };
  const copied = await md5OfObject(storage, target.bucket, target.key);
  if (copied.md5 !== original.md5 || copied.size !== original.size) {
    await storage.delete(target.bucket, target.key);
    throw new VerificationError(
      `copy s3://${target.bucket}/${target.key} (MD5 ${copied.md5}, ${copied.size} bytes) differs from its source (MD5 ${original.md5}, ${original.size} bytes)`,
    );
  }
  return { key: target.key, size: copied.size, md5: copied.md5 };
}
