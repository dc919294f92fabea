import { z } from 'zod';
import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { S3ObjectCreatedEvent } from '../contracts/events/s3.ts';
import { StorageGatewayObjectUploadEvent } from '../contracts/events/storage-gateway.ts';
import { landObject } from './landing/landObject.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';

const ObjectReplayedEvent = eventEnvelope(LANDFALL_SOURCE, 'Object Replayed', landfallEventDetails['Object Replayed']);

/** A file reached the landing bucket: S3 "Object Created", the File Gateway's "Object Upload Event", or an operator's replay. */
export const LandingEvent = z.union([S3ObjectCreatedEvent, StorageGatewayObjectUploadEvent, ObjectReplayedEvent]);
export type LandingEvent = z.infer<typeof LandingEvent>;

/** Where each kind of landing event names the object. */
function announced(event: LandingEvent) {
  if (event.source === 'aws.s3') return { bucket: event.detail.bucket.name, key: event.detail.object.key };
  if (event.source === LANDFALL_SOURCE) return { bucket: event.detail.bucket, key: event.detail.key };
  return { bucket: event.detail['bucket-name'], key: event.detail['object-key'] };
}

/** Rules `land-s3-object-created`, `land-gateway-object-upload`, `land-replayed-object` → {@link landObject}. */
export const handler = lambdaHandler(async (event) => landObject(await services(), announced(event)), LandingEvent);
