import type { LandingKey } from '../../contracts/keys.ts';
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
