import type { Context } from 'aws-lambda';
import { tableNames } from '../../config/defineConfig.ts';
import { evaluateRun } from './evaluateRun.ts';
import { parseLandingKey } from '../../contracts/keys.ts';
import { announceFastq, identifyObject, type ObjectIdentity, recordLandedFile } from './recordObject.ts';
import { nameSkipKind, nameSkipReason } from './landingNames.ts';
import { assertSafeKey } from '../../seams/storage/keys.ts';
import { InvalidKeyError } from '../../seams/storage/errors.ts';
import { emitOnce } from '../shared/emit.ts';
import { idempotentPerHandler } from '../shared/idempotency.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/** Records the object in the catalog and re-evaluates its run; the conditional write stops a repeat. */
async function recordObject(svc: Services, identity: ObjectIdentity) {
  const { changed } = await recordLandedFile(svc, identity);
  if (!changed) return { outcome: 'duplicate' as const };
  await announceFastq(svc, identity);
  const { landed } = await evaluateRun(svc, identity.team, identity.runId);
  return { outcome: 'recorded' as const, landed };
}

let recordOnce: ReturnType<typeof idempotentPerHandler<ObjectIdentity, Awaited<ReturnType<typeof recordObject>>>> | undefined;

/** Where an announced object is, and whether the reconciliation sweep re-drove it. */
export interface AnnouncedObject {
  bucket: string;
  key: string;
  /** A re-drive by the sweep: it may follow a process that died mid-landing (see below). */
  redriven?: boolean;
}

/**
 * Records a landed object in the catalog (identity read with HeadObject) and re-evaluates its run.
 * The second event for the same object (S3 + Storage Gateway, or a duplicate) changes nothing and stops:
 * first at the Powertools idempotency store, then at the catalog's conditional write.
 */
export async function landObject(svc: Services, { bucket, key, redriven }: AnnouncedObject, context?: Context) {
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
  // The reconciliation sweep re-drives objects a dead process may have left "in progress" in the
  // idempotency store: it goes straight to the catalog, whose conditional write is the guarantee.
  if (redriven) return recordObject(svc, identity);
  recordOnce ??= idempotentPerHandler('land', process.env.LANDFALL_IDEMPOTENCY_TABLE ?? tableNames(svc.config).idempotency, (object) =>
    recordObject(svc, object),
  );
  return recordOnce(identity, context);
}
