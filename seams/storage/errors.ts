/** Base error of the storage seam. */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

/** The object does not exist (S3 NoSuchKey / a missing file). */
export class ObjectNotFoundError extends StorageError {
  readonly bucket: string;
  readonly key: string;
  constructor(bucket: string, key: string, options?: { cause?: unknown }) {
    super(`no object s3://${bucket}/${key}`, options);
    this.name = 'ObjectNotFoundError';
    this.bucket = bucket;
    this.key = key;
  }
}

/** The key could escape its bucket folder or cannot be represented safely; nothing was stored. */
export class InvalidKeyError extends StorageError {
  readonly key: string;
  constructor(key: string, reason: string) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidKeyError';
    this.key = key;
  }
}

/** The bucket name breaks the S3 naming rules (on the embedded runtime it would not be a safe folder name). */
export class InvalidBucketNameError extends StorageError {
  readonly bucket: string;
  constructor(bucket: string, reason: string) {
    super(`invalid bucket name ${JSON.stringify(bucket)}: ${reason}`);
    this.name = 'InvalidBucketNameError';
    this.bucket = bucket;
  }
}

/** User metadata that would not survive a round trip through S3 headers unchanged; nothing was stored. */
export class InvalidMetadataError extends StorageError {
  readonly field: string;
  constructor(field: string, reason: string) {
    super(`invalid user metadata ${JSON.stringify(field)}: ${reason}`);
    this.name = 'InvalidMetadataError';
    this.field = field;
  }
}

/** The bucket does not exist (S3 NoSuchBucket / a missing bucket folder). */
export class BucketNotFoundError extends StorageError {
  readonly bucket: string;
  constructor(bucket: string, options?: { cause?: unknown }) {
    super(`no bucket ${JSON.stringify(bucket)}`, options);
    this.name = 'BucketNotFoundError';
    this.bucket = bucket;
  }
}

/**
 * Folder storage only: the key needs a folder where a file of that name exists, or the reverse
 * (`a` and `a/b` cannot both be files in a browsable folder tree, though S3 allows it).
 */
export class KeyConflictError extends StorageError {
  readonly bucket: string;
  readonly key: string;
  constructor(bucket: string, key: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot store s3://${bucket}/${key}: ${reason}`, options);
    this.name = 'KeyConflictError';
    this.bucket = bucket;
    this.key = key;
  }
}
