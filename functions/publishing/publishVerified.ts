import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { OUTPUT_CRC64NVME_METADATA, OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';
import type { PublishedOutput } from '../catalog/types.ts';
import { mapLimit } from '../../seams/storage/mapLimit.ts';
import { type RecordedChecksums, verifiedCopy } from './verifiedCopy.ts';

/**
 * Outputs copied at once, each phase still whole before the next: a step of thousands of outputs (a
 * Nextflow outdir) copied one by one took longer than the publish task's 15 minutes in AWS (two copies, two
 * heads and a delete each, ~100 ms apiece); on the folder storage each copy waits for its fsync.
 */
const PUBLISH_CONCURRENCY = 8;

/** Where a successful attempt's outputs are, and where they go. */
export interface PublishPlan {
  /** The attempt's work area: every object under it is an output (`<workPrefix><relative>`). */
  work: { bucket: string; prefix: string };
  /** The bucket outputs are published to (results). */
  bucket: string;
  /** Staging key of an output, outside every team's prefix (contracts/keys.ts publishingKey). */
  stagingKey: (relative: string) => string;
  /** Published key of an output, under the team's prefix. */
  publishedKey: (relative: string) => string;
}

/**
 * The two-phase publish copy. Phase 1 copies every output of the work area to a staging key outside
 * teams/ and verifies it there against the checksums its job recorded (read with HeadObject: a listing carries
 * no user metadata; on S3 the same head gives S3's checksum, which verifies without reading: verifiedCopy.ts).
 * Only when every output verified does phase 2 copy them under the team prefix, verifying again: an unverified
 * file is never visible to a team, and when one copy fails the others made beside it are deleted, so a failed
 * publish leaves nothing under the team prefix. The staged copies are removed last; a publish that dies on the
 * way leaves them to clearAbandonedStaging.
 * @returns the published outputs, in listing order (none for an empty work area: the caller decides).
 * @throws when an output has no recorded MD5, or `VerificationError` / `CopyFailedError` (verifiedCopy.ts) when a copy does not verify.
 */
export async function publishVerified(storage: ObjectStorage, plan: PublishPlan): Promise<PublishedOutput[]> {
  const objects = await storage.list(plan.work.bucket, plan.work.prefix);
  const staged = await mapLimit(objects, PUBLISH_CONCURRENCY, async (listed) => {
    const object = (await storage.head(listed.bucket, listed.key)) ?? listed;
    const expectedMd5 = object.metadata[OUTPUT_MD5_METADATA];
    if (!expectedMd5)
      throw new Error(`s3://${object.bucket}/${object.key} has no recorded MD5: it was not written by a completed step program`);
    const crc64nvme = object.metadata[OUTPUT_CRC64NVME_METADATA];
    const recorded: RecordedChecksums = { md5: expectedMd5, ...(crc64nvme ? { crc64nvme } : {}) };
    const relative = object.key.slice(plan.work.prefix.length);
    const staging = await verifiedCopy(
      storage,
      { bucket: object.bucket, key: object.key, recorded, stored: object },
      { bucket: plan.bucket, key: plan.stagingKey(relative) },
      'publish.copyToStaging',
    );
    return { relative, staging, recorded };
  });
  const published: string[] = [];
  const outputs = await mapLimit(staged, PUBLISH_CONCURRENCY, async ({ relative, staging, recorded }) => {
    const output = await verifiedCopy(
      storage,
      { bucket: plan.bucket, key: staging.key, recorded },
      { bucket: plan.bucket, key: plan.publishedKey(relative) },
      'publish.copyToTeam',
      // Staging was verified against its source moments ago, by this invocation: its copy is verified below.
      { sourceVerified: staging },
    );
    published.push(output.key);
    return output;
  }).catch(async (error: unknown) => {
    // A step's outputs reach the team together or not at all: the copies that succeeded beside the one that
    // failed are taken back (the workflow's retry publishes them all again).
    await mapLimit(published, PUBLISH_CONCURRENCY, (key) => storage.delete(plan.bucket, key)).catch(() => undefined);
    throw error;
  });
  await mapLimit(staged, PUBLISH_CONCURRENCY, ({ staging }) => storage.delete(plan.bucket, staging.key));
  return outputs;
}
