import type { Context } from 'aws-lambda';
import { tableNames } from '../../config/defineConfig.ts';
import { evaluateRun } from './evaluateRun.ts';
import { type LandingKey, parseLandingKey } from '../../contracts/keys.ts';
import { landfallEvent } from '../../contracts/events/landfall.ts';
import { isFastqName } from '../../layouts/fastqNames.ts';
import { assertSafeKey } from '../../seams/storage/keys.ts';
import { InvalidKeyError } from '../../seams/storage/errors.ts';
import { emitOnce } from '../shared/emit.ts';
import { idempotentPerHandler } from '../shared/idempotency.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/** The identity of one stored object: the same identity is the same landing, however often it is announced. */
interface ObjectIdentity extends Record<string, unknown>, LandingKey {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
}

/** Records the object in the catalog and re-evaluates its run; the conditional write stops a repeat. */
async function recordObject(svc: Services, identity: ObjectIdentity) {
  const { team, runId, name } = identity;
  const { changed } = await svc.catalog.runs.recordFile(team, runId, {
    name,
    bucket: identity.bucket,
    key: identity.key,
    size: identity.size,
    etag: identity.etag,
    versionId: identity.versionId,
    landedAt: new Date().toISOString(),
  });
  if (!changed) return { outcome: 'duplicate' as const };
  if (isFastqName(name.slice(name.lastIndexOf('/') + 1))) await announceFastq(svc, identity);
  const { landed } = await evaluateRun(svc, team, runId);
  return { outcome: 'recorded' as const, landed };
}

/**
 * "File Landed": the FASTQ's own validation starts now, while the run still copies. Not through the outbox
 * (a catalog round trip per file): a lost event costs latency only, since the sample's conclusion validates
 * any file without a verdict, so a failed publish is logged and the landing goes on.
 */
async function announceFastq(svc: Services, identity: ObjectIdentity) {
  const { team, runId, name, bucket, key, size, etag, versionId } = identity;
  const detail = { team, runId, name, bucket, key, size, etag, ...(versionId ? { versionId } : {}) };
  try {
    await svc.events.publish([
      landfallEvent('File Landed', { ...detail, dedupeKey: `file-landed:${bucket}/${key}#${versionId ?? etag}#${size}` }),
    ]);
  } catch (error) {
    logger.warn('"File Landed" not published: the file is validated when its sample is concluded', { bucket, key, error });
  }
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
  const head = await svc.storage.head(bucket, key);
  if (!head) return { outcome: 'ignored', reason: 'object no longer exists' };
  const identity: ObjectIdentity = {
    ...where,
    bucket,
    key,
    size: head.size,
    etag: head.etag,
    ...(head.versionId ? { versionId: head.versionId } : {}),
  };
  // The reconciliation sweep re-drives objects a dead process may have left "in progress" in the
  // idempotency store: it goes straight to the catalog, whose conditional write is the guarantee.
  if (redriven) return recordObject(svc, identity);
  recordOnce ??= idempotentPerHandler('land', process.env.LANDFALL_IDEMPOTENCY_TABLE ?? tableNames(svc.config).idempotency, (object) =>
    recordObject(svc, object),
  );
  return recordOnce(identity, context);
}
