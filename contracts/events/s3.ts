import { z } from 'zod';
import { type EventBridgeEvent, eventEnvelope } from './envelope.ts';

export const S3_SOURCE = 'aws.s3';
export const OBJECT_CREATED_DETAIL_TYPE = 'Object Created';

/**
 * S3 → EventBridge "Object Created". Unlike classic S3 notification records, the key is NOT
 * URL-encoded here: decoding it would corrupt keys containing `+` or `%`.
 *
 * @example contracts/events/fixtures/aws.s3/object-created.json
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/ev-events.html
 */
export const ObjectCreatedDetail = z.object({
  version: z.string().optional(),
  bucket: z.object({ name: z.string().min(1) }),
  object: z.object({
    key: z.string().min(1),
    size: z.number().int().nonnegative().optional(),
    etag: z.string().optional(),
    'version-id': z.string().optional(),
    sequencer: z.string().optional(),
  }),
  'request-id': z.string().optional(),
  requester: z.string().optional(),
  'source-ip-address': z.string().optional(),
  reason: z.string().optional(),
});

export const S3ObjectCreatedEvent = eventEnvelope(S3_SOURCE, OBJECT_CREATED_DETAIL_TYPE, ObjectCreatedDetail);
export type S3ObjectCreatedEvent = z.infer<typeof S3ObjectCreatedEvent>;

/** `arn:aws:s3:::<bucket>`: what an S3 event lists in `resources`. */
export function bucketArn(bucket: string): string {
  return `arn:aws:s3:::${bucket}`;
}

/** What {@link objectCreatedEvent} needs: the stored object's identity and who announces it. */
export interface ObjectCreated {
  bucket: string;
  key: string;
  size: number;
  /** As storage reports it; the quotes S3 puts around an ETag are dropped, as in S3's own events. */
  etag: string;
  versionId?: string;
  /** Orders events for one key (S3: a hex string that grows). */
  sequencer?: string;
  /** S3's request id; the reconciliation sweep marks its re-drives with its own. */
  requestId: string;
  requester?: string;
  time?: string;
  region?: string;
}

/**
 * The S3 "Object Created" event for a stored object: what the embedded share watcher announces for each
 * file it lands, and what the reconciliation sweep re-drives for an object the catalog never saw.
 *
 * @example objectCreatedEvent({ bucket: 'landfall-landing', key: 'incoming/genomics/RUN1/SampleSheet.csv', size: 812, etag: '"9b2c…"', requestId: 'LOCAL1' })
 */
export function objectCreatedEvent(object: ObjectCreated): EventBridgeEvent<z.input<typeof ObjectCreatedDetail>> {
  return {
    source: S3_SOURCE,
    'detail-type': OBJECT_CREATED_DETAIL_TYPE,
    ...(object.time !== undefined && { time: object.time }),
    ...(object.region !== undefined && { region: object.region }),
    resources: [bucketArn(object.bucket)],
    detail: {
      version: '0',
      bucket: { name: object.bucket },
      object: {
        key: object.key,
        size: object.size,
        etag: object.etag.replaceAll('"', ''),
        ...(object.versionId !== undefined && { 'version-id': object.versionId }),
        ...(object.sequencer !== undefined && { sequencer: object.sequencer }),
      },
      'request-id': object.requestId,
      ...(object.requester !== undefined && { requester: object.requester }),
      reason: 'PutObject',
    },
  };
}
