export type { ObjectInfo, ObjectStorage, PutOptions } from './ObjectStorage.ts';
export {
  BucketNotFoundError,
  InvalidBucketNameError,
  InvalidKeyError,
  InvalidMetadataError,
  KeyConflictError,
  ObjectNotFoundError,
  StorageError,
} from './errors.ts';
export { assertBucketName, assertSafeKey, assertSafeMetadata, assertSafePrefix, compareKeys } from './keys.ts';
export { FolderStorage } from './FolderStorage.ts';
export { S3Storage, type S3StorageOptions } from './S3Storage.ts';
