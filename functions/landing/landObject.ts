import { evaluateRun } from './evaluateRun.ts';
import { parseLandingKey } from '../../contracts/keys.ts';
import { announceFastq, identifyObject, type ObjectIdentity, recordLandedFile } from './recordObject.ts';
import { nameSkipKind, nameSkipReason } from './landingNames.ts';
import { assertSafeKey } from '../../seams/storage/keys.ts';
import { InvalidKeyError } from '../../seams/storage/errors.ts';
import { emitOnce } from '../shared/emit.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/**
 * Records the object in the catalog and re-evaluates its run. The catalog's conditional write is what stops a
 * repeat (the S3 and Storage Gateway events for one object, a re-delivery, the sweep's re-drive): one request
 * however many events come, where an idempotency store in front of it cost three more for every object.
 */
async function recordObject(svc: Services, identity: ObjectIdentity) {
  const { changed } = await recordLandedFile(svc, identity);
  if (!changed) return { outcome: 'duplicate' as const };
  await announceFastq(svc, identity);
  const { landed } = await evaluateRun(svc, identity.team, identity.runId);
  return { outcome: 'recorded' as const, landed };
}

/** Where an announced object is. */
export interface AnnouncedObject {
  bucket: string;
  key: string;
}

/**
 * Records a landed object in the catalog (identity read with HeadObject) and re-evaluates its run.
 * The second event for the same object (S3 + Storage Gateway, or a duplicate) changes nothing and stops at the
 * catalog's conditional write.
 */
export async function landObject(svc: Services, { bucket, key }: AnnouncedObject) {
  const where = parseLandingKey(key);
  if (!where) {
    logger.warn('object outside a run folder left where it is', { bucket, key });
    return { outcome: 'ignored', reason: 'not inside incoming/<team>/<run>/' };
  }
  if (!svc.config.teams.some((team) => team.id === where.team)) {
    logger.warn('object for an unknown team left where it is', { bucket, key, team: where.team });
    return { outcome: 'ignored', reason: `unknown team ${where.team}` };
  }
  try {
    assertSafeKey(key);
  } catch (error) {
    if (!(error instanceof InvalidKeyError)) throw error;
    // Refused before anything reads, copies or catalogs it; the object stays where it is (nothing lost).
    await emitOnce(svc, 'Unexpected File', {
      team: where.team,
      runId: where.runId,
      file: where.name,
      kind: 'unsafe-key',
      message: `${error.message}. The object stays in the landing bucket ${bucket} and is not processed: rename the file on the share (no '.' or '..' folders, no control characters, no backslashes).`,
      dedupeKey: `unsafe:${key}`,
    });
    return { outcome: 'refused', reason: error.message };
  }
  // What the embedded runtime's share never lands never lands from the bucket either (landingNames.ts): it
  // stays where it is, and the run report and `landfall status` list it with the reason, as a skipped share entry.
  const skipKind = nameSkipKind(where.name);
  if (skipKind) {
    const reason = nameSkipReason(skipKind);
    await svc.catalog.shareSkips.record({
      path: `${where.team}/${where.runId}/${where.name}`,
      team: where.team,
      runId: where.runId,
      kind: skipKind,
      reason,
    });
    return { outcome: 'skipped', reason };
  }
  const identity = await identifyObject(svc, where, bucket, key);
  if (!identity) return { outcome: 'ignored', reason: 'object no longer exists' };
  return recordObject(svc, identity);
}
