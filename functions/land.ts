import { z } from 'zod';
import { S3ObjectCreatedEvent } from '../events/schemas/s3.ts';
import { StorageGatewayObjectUploadEvent } from '../events/schemas/storage-gateway.ts';
import { evaluateRun } from './landing/evaluateRun.ts';
import { parseLandingKey } from './landing/landingKey.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { logger } from './shared/powertools.ts';
import { services } from './shared/services.ts';

/** A file reached the landing bucket: S3 "Object Created" or the File Gateway's "Object Upload Event". */
export const LandingEvent = z.union([S3ObjectCreatedEvent, StorageGatewayObjectUploadEvent]);
export type LandingEvent = z.infer<typeof LandingEvent>;

function locate(event: LandingEvent): { bucket: string; key: string } {
  return event.source === 'aws.s3'
    ? { bucket: event.detail.bucket.name, key: event.detail.object.key }
    : { bucket: event.detail['bucket-name'], key: event.detail['object-key'] };
}

/**
 * Records a landed object in the catalog (identity read with HeadObject) and re-evaluates its run.
 * The second event for the same object (S3 + Storage Gateway, or a duplicate) changes nothing and stops.
 */
export async function landObject(event: LandingEvent) {
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
  const head = await svc.storage.head(bucket, key);
  if (!head) return { outcome: 'ignored', reason: 'object no longer exists' };
  const { changed } = await svc.catalog.recordFile(where.team, where.runId, {
    name: where.name,
    bucket,
    key,
    size: head.size,
    etag: head.etag,
    versionId: head.versionId,
    landedAt: new Date().toISOString(),
  });
  if (!changed) return { outcome: 'duplicate' };
  const { landed } = await evaluateRun(svc, where.team, where.runId);
  return { outcome: 'recorded', landed };
}

export const handler = lambdaHandler(landObject, LandingEvent);
