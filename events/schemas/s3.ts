import { z } from 'zod';
import { eventEnvelope } from './envelope.ts';

export const S3_SOURCE = 'aws.s3';
export const OBJECT_CREATED_DETAIL_TYPE = 'Object Created';

/**
 * S3 → EventBridge "Object Created". Unlike classic S3 notification records, the key is NOT
 * URL-encoded here: decoding it would corrupt keys containing `+` or `%`.
 *
 * @example events/fixtures/aws.s3/object-created.json
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
