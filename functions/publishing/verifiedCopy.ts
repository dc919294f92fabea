import { createHash } from 'node:crypto';
import type { ObjectInfo, ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
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

/** What a job recorded of an output's bytes: their MD5, and their full-object CRC64NVME where the storage keeps one. */
export interface RecordedChecksums {
  md5: string;
  crc64nvme?: string;
}

/**
 * Whether the storage's own checksum of a stored object proves it holds the recorded bytes: S3 computed the
 * object's full-object CRC64NVME from the bytes it received (or, for a multipart copy, the bytes it copied) and it
 * equals the CRC64NVME the job computed of its file, in the same read as the MD5. Reading a 50 GB BAM back
 * through a function three times could not finish in its 15 minutes; a head can. A checksum that is absent or
 * differs proves nothing either way (an object written without one, an emulator's wrong value): the bytes are
 * then read and their MD5 decides, as before.
 */
function vouchedByChecksum(stored: ObjectInfo | undefined, recorded: RecordedChecksums, size?: number): boolean {
  if (!stored || recorded.crc64nvme === undefined || stored.crc64nvme !== recorded.crc64nvme) return false;
  return size === undefined || stored.size === size;
}

/**
 * Copies one output from a work area to its published key, verifying the source against the checksums the job
 * recorded and the copy against them too; a copy that fails verification is removed again. Where the storage's
 * checksum vouches for an object (S3, see {@link vouchedByChecksum}) it is verified by a head, else by reading it.
 */
export async function verifiedCopy(
  storage: ObjectStorage,
  source: { bucket: string; key: string; recorded: RecordedChecksums; stored?: ObjectInfo },
  target: { bucket: string; key: string },
  /** Test-only fault hook at the copy (see functions/shared/faults.ts). */
  fault?: FaultPoint,
  /** The source is a copy this invocation has just verified, with these figures: it is not read again. */
  options: { sourceVerified?: { md5: string; size: number } } = {},
): Promise<PublishedOutput> {
  const { recorded } = source;
  const original =
    options.sourceVerified ??
    (source.stored && vouchedByChecksum(source.stored, recorded)
      ? { md5: recorded.md5, size: source.stored.size }
      : await md5OfObject(storage, source.bucket, source.key));
  if (original.md5 !== recorded.md5) {
    throw new VerificationError(
      `s3://${source.bucket}/${source.key}: MD5 ${original.md5} differs from ${recorded.md5} recorded by its job`,
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
  // The target's own head, not the copy's answer: what is stored at the key now is what gets published.
  if (recorded.crc64nvme !== undefined && vouchedByChecksum(await storage.head(target.bucket, target.key), recorded, original.size)) {
    return { key: target.key, size: original.size, md5: original.md5 };
  }
  const copied = await md5OfObject(storage, target.bucket, target.key);
  if (copied.md5 !== original.md5 || copied.size !== original.size) {
    await storage.delete(target.bucket, target.key);
    throw new VerificationError(
      `copy s3://${target.bucket}/${target.key} (MD5 ${copied.md5}, ${copied.size} bytes) differs from its source (MD5 ${original.md5}, ${original.size} bytes)`,
    );
  }
  return { key: target.key, size: copied.size, md5: copied.md5 };
}
