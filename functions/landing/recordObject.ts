import { landfallEvent } from '../../contracts/events/landfall.ts';
import type { LandingKey } from '../../contracts/keys.ts';
import { isFastqName } from '../../layouts/fastqNames.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/** The identity of one stored object: the same identity is the same landing, however often it is announced. */
export interface ObjectIdentity extends Record<string, unknown>, LandingKey {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
}

/** A landed object's identity as HeadObject gives it, or undefined when it no longer exists. */
export async function identifyObject(svc: Services, where: LandingKey, bucket: string, key: string): Promise<ObjectIdentity | undefined> {
  const head = await svc.storage.head(bucket, key);
  if (!head) return undefined;
  return { ...where, bucket, key, size: head.size, etag: head.etag, ...(head.versionId ? { versionId: head.versionId } : {}) };
}

/** Records the object among its run's landed files; `changed` is false when that identity was recorded already. */
export function recordLandedFile(svc: Services, identity: ObjectIdentity): Promise<{ changed: boolean }> {
  return svc.catalog.runs.recordFile(identity.team, identity.runId, {
    name: identity.name,
    bucket: identity.bucket,
    key: identity.key,
    size: identity.size,
    etag: identity.etag,
    versionId: identity.versionId,
    landedAt: new Date().toISOString(),
  });
}

/**
 * "File Landed" for a newly recorded FASTQ: its own validation starts now, while the run still copies. Not
 * through the outbox (a catalog round trip per file): a lost event costs latency only, since the sample's
 * conclusion validates any file without a verdict, so a failed publish is logged and the landing goes on.
 */
export async function announceFastq(svc: Services, identity: ObjectIdentity): Promise<void> {
  const { team, runId, name, bucket, key, size, etag, versionId } = identity;
  if (!isFastqName(name.slice(name.lastIndexOf('/') + 1))) return;
  const detail = { team, runId, name, bucket, key, size, etag, ...(versionId ? { versionId } : {}) };
  try {
    await svc.events.publish([
      landfallEvent('File Landed', { ...detail, dedupeKey: `file-landed:${bucket}/${key}#${versionId ?? etag}#${size}` }),
    ]);
  } catch (error) {
    logger.warn('"File Landed" not published: the file is validated when its sample is concluded', { bucket, key, error });
  }
}
