import { z } from 'zod';
import { eventEnvelope } from './envelope.ts';

export const STORAGE_GATEWAY_SOURCE = 'aws.storagegateway';
export const OBJECT_UPLOAD_DETAIL_TYPE = 'Storage Gateway Object Upload Event';

/**
 * S3 File Gateway, per file, once the file reached S3 and the share's settling time passed.
 * `resources` are [fileShareArn, gatewayArn, bucketArn]; `object-key` is the raw key (never URL-decode it).
 *
 * @example events/fixtures/aws.storagegateway/object-upload.json
 * @see https://docs.aws.amazon.com/filegateway/latest/files3/monitoring-file-gateway.html
 */
export const ObjectUploadDetail = z.object({
  'object-size': z.coerce.number().int().nonnegative(),
  'modification-time': z.string(),
  'object-key': z.string().min(1),
  'event-type': z.literal('object-upload-complete'),
  prefix: z.string(),
  'bucket-name': z.string().min(1),
});

export const StorageGatewayObjectUploadEvent = eventEnvelope(STORAGE_GATEWAY_SOURCE, OBJECT_UPLOAD_DETAIL_TYPE, ObjectUploadDetail);
export type StorageGatewayObjectUploadEvent = z.infer<typeof StorageGatewayObjectUploadEvent>;
