import { z } from 'zod';
import { type EventBridgeEvent, eventEnvelope, LOCAL_ACCOUNT } from './envelope.ts';
import { bucketArn } from './s3.ts';

export const STORAGE_GATEWAY_SOURCE = 'aws.storagegateway';
export const OBJECT_UPLOAD_DETAIL_TYPE = 'Storage Gateway Object Upload Event';

/**
 * S3 File Gateway, per file, once the file reached S3 and the share's settling time passed.
 * `resources` are [fileShareArn, gatewayArn, bucketArn]; `object-key` is the raw key (never URL-decode it).
 *
 * @example contracts/events/fixtures/aws.storagegateway/object-upload.json
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

/** What {@link objectUploadEvent} needs: the uploaded object and the share it came through. */
export interface ObjectUpload {
  bucket: string;
  key: string;
  size: number;
  modifiedAt: Date;
  region: string;
  /** The file share's and the gateway's ARNs; the embedded runtime's stand-ins by default. */
  fileShareArn?: string;
  gatewayArn?: string;
  time?: string;
}

/**
 * The File Gateway's "Storage Gateway Object Upload Event" for a file that reached the bucket: what the
 * embedded share watcher announces beside S3's "Object Created", as a gateway does in AWS.
 */
export function objectUploadEvent(upload: ObjectUpload): EventBridgeEvent<z.input<typeof ObjectUploadDetail>> {
  return {
    source: STORAGE_GATEWAY_SOURCE,
    'detail-type': OBJECT_UPLOAD_DETAIL_TYPE,
    ...(upload.time !== undefined && { time: upload.time }),
    region: upload.region,
    resources: [
      upload.fileShareArn ?? `arn:aws:storagegateway:${upload.region}:${LOCAL_ACCOUNT}:share/share-LOCAL`,
      upload.gatewayArn ?? `arn:aws:storagegateway:${upload.region}:${LOCAL_ACCOUNT}:gateway/sgw-LOCAL`,
      bucketArn(upload.bucket),
    ],
    detail: {
      'object-size': upload.size,
      'modification-time': upload.modifiedAt.toISOString(),
      'object-key': upload.key,
      'event-type': 'object-upload-complete',
      prefix: upload.key.slice(0, upload.key.lastIndexOf('/') + 1),
      'bucket-name': upload.bucket,
    },
  };
}

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
