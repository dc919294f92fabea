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

export const FILE_UPLOAD_DETAIL_TYPE = 'Storage Gateway File Upload Event';

/**
 * The working-set barrier: after `NotifyWhenUploaded(FileShareARN)`, everything written to the share
 * before `request-received` is in S3 once this arrives. `resources` carries the file share ARN.
 */
export const FileUploadDetail = z.object({
  'event-type': z.literal('upload-complete'),
  'notification-id': z.string(),
  'request-received': z.string(),
  completed: z.string(),
});

export const StorageGatewayFileUploadEvent = eventEnvelope(STORAGE_GATEWAY_SOURCE, FILE_UPLOAD_DETAIL_TYPE, FileUploadDetail);
export type StorageGatewayFileUploadEvent = z.infer<typeof StorageGatewayFileUploadEvent>;
