import type { Readable } from 'node:stream';

/**
 * What a stored object is: identity is (bucket, key, versionId or ETag, size), read with HeadObject.
 * An ETag is NOT an MD5 (multipart, SSE-KMS); MD5s are computed from the bytes by whoever needs them.
 */
export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
  lastModified: Date;
  /** User metadata (x-amz-meta-*), lower-case keys. */
  metadata: Record<string, string>;
  /**
   * The full-object CRC64NVME (base64) the storage computed of the bytes it stored, where it keeps one
   * ({@link ObjectStorage.fullObjectChecksum}): S3 reports it on HeadObject with `ChecksumMode: ENABLED`.
   */
  crc64nvme?: string;
  /**
   * Only on a copy's result: the copy IS its source's stored bytes (the folder storage links the file under the
   * new key), so it cannot differ from them. Never set by S3, whose copies are written anew.
   */
  linkedToSource?: true;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /**
   * The body's byte count, when the caller knows it (a file's): S3 takes at most 10,000 parts per upload, so a
   * streamed body above 10,000 × the part size (78 GiB at 8 MiB) needs larger parts, chosen from this.
   */
  size?: number;
}

export interface GetOptions {
  /**
   * Bytes per chunk the stream yields, where the storage reads a local file (the folder storage; S3 streams
   * what the network delivers). A reader that only moves and hashes bytes (stage-in) gains from megabytes; as
   * the default for every read they cost the embedded runtime more CPU, measured on the pipeline bench.
   * @default 64 KiB
   */
  chunkBytes?: number;
}

/**
 * Object storage seam: S3 (SDK v3) in AWS, plain browsable folders on the embedded runtime.
 * ONE contract suite (test/seams/storage/contract.ts) runs against both implementations.
 *
 * Errors: a missing object on get/copy is `ObjectNotFoundError`; an invalid key (absolute, `..`,
 * control characters, empty segment) is `InvalidKeyError`, thrown before anything is stored.
 */
export interface ObjectStorage {
  /**
   * Set when the storage computes a full-object checksum of every object it stores and reports it in
   * `ObjectInfo.crc64nvme` (S3: CRC64NVME). A writer that records the same checksum of its bytes lets a reader
   * verify an object, or a server-side copy of it, with a head instead of reading it back.
   */
  readonly fullObjectChecksum?: 'CRC64NVME';
  /** Stores bytes atomically: readers see the old object or the complete new one, never a partial one. */
  put(bucket: string, key: string, body: Buffer | string | Readable, options?: PutOptions): Promise<ObjectInfo>;
  /** Streams an object's bytes. */
  get(bucket: string, key: string, options?: GetOptions): Promise<Readable>;
  /** Reads a whole (small) object into memory. */
  getBytes(bucket: string, key: string): Promise<Buffer>;
  /** Object identity and metadata, or undefined when the key does not exist. */
  head(bucket: string, key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in lexicographic key order (paginates internally). */
  list(bucket: string, prefix: string): Promise<ObjectInfo[]>;
  /** Server-side copy (multipart above 5 GB in S3). Metadata is copied. */
  copy(sourceBucket: string, sourceKey: string, targetBucket: string, targetKey: string): Promise<ObjectInfo>;
  /** Removes an object; deleting a missing key is not an error (as in S3). */
  delete(bucket: string, key: string): Promise<void>;
}
