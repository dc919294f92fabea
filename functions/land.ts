import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { tableNames } from '../config/defineConfig.ts';
import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { S3ObjectCreatedEvent } from '../contracts/events/s3.ts';
import { StorageGatewayObjectUploadEvent } from '../contracts/events/storage-gateway.ts';
import { evaluateRun } from './landing/evaluateRun.ts';
import { parseLandingKey } from '../contracts/keys.ts';
import { assertSafeKey } from '../seams/storage/keys.ts';
import { InvalidKeyError } from '../seams/storage/errors.ts';
import { emitOnce } from './shared/emit.ts';
import { RECONCILE_REQUEST_ID } from './landing/redrive.ts';
import { idempotentPerHandler } from './shared/idempotency.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { logger } from './shared/powertools.ts';
import { services } from './shared/services.ts';

const ObjectReplayedEvent = eventEnvelope(LANDFALL_SOURCE, 'Object Replayed', landfallEventDetails['Object Replayed']);

/** A file reached the landing bucket: S3 "Object Created", the File Gateway's "Object Upload Event", or an operator's replay. */
export const LandingEvent = z.union([S3ObjectCreatedEvent, StorageGatewayObjectUploadEvent, ObjectReplayedEvent]);
export type LandingEvent = z.infer<typeof LandingEvent>;

function locate(event: LandingEvent): { bucket: string; key: string } {
  if (event.source === 'aws.s3') return { bucket: event.detail.bucket.name, key: event.detail.object.key };
  if (event.source === LANDFALL_SOURCE) return { bucket: event.detail.bucket, key: event.detail.key };
  return { bucket: event.detail['bucket-name'], key: event.detail['object-key'] };
}

/** The identity of one stored object: the same identity is the same landing, however often it is announced. */
interface ObjectIdentity extends Record<string, unknown> {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
}

/** Records the object in the catalog and re-evaluates its run; the conditional write stops a repeat. */
async function recordObject(identity: ObjectIdentity) {
  const svc = await services();
  const where = parseLandingKey(identity.key)!;
  const { changed } = await svc.catalog.runs.recordFile(where.team, where.runId, {
    name: where.name,
    bucket: identity.bucket,
    key: identity.key,
    size: identity.size,
    etag: identity.etag,
    versionId: identity.versionId,
    landedAt: new Date().toISOString(),
  });
  if (!changed) return { outcome: 'duplicate' as const };
  const { landed } = await evaluateRun(svc, where.team, where.runId);
  return { outcome: 'recorded' as const, landed };
}

let recordOnce: ReturnType<typeof idempotentPerHandler<ObjectIdentity, Awaited<ReturnType<typeof recordObject>>>> | undefined;

/**
 * Records a landed object in the catalog (identity read with HeadObject) and re-evaluates its run.
 * The second event for the same object (S3 + Storage Gateway, or a duplicate) changes nothing and stops:
 * first at the Powertools idempotency store, then at the catalog's conditional write.
 */
export async function landObject(event: LandingEvent, context?: Context) {
  const svc = await services();
  const { bucket, key } = locate(event);
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
    bucket,
    key,
    size: head.size,
    etag: head.etag,
    ...(head.versionId ? { versionId: head.versionId } : {}),
  };
  // The reconciliation sweep re-drives objects a dead process may have left "in progress" in the
  // idempotency store: it goes straight to the catalog, whose conditional write is the guarantee.
  if (event.source === 'aws.s3' && event.detail['request-id'] === RECONCILE_REQUEST_ID) return recordObject(identity);
  recordOnce ??= idempotentPerHandler('land', process.env.LANDFALL_IDEMPOTENCY_TABLE ?? tableNames(svc.config).idempotency, recordObject);
  return recordOnce(identity, context);
}

export const handler = lambdaHandler(landObject, LandingEvent);
