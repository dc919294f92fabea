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
