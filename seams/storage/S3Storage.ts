import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable, Transform, pipeline } from 'node:stream';
import { BucketNotFoundError, ObjectNotFoundError, StorageError } from './errors.ts';
import { assertBucketName, assertSafeKey, assertSafeMetadata, assertSafePrefix, compareKeys, lowerCaseMetadata } from './keys.ts';
import type { ObjectInfo, ObjectStorage, PutOptions } from './ObjectStorage.ts';
import { mapLimit } from './mapLimit.ts';
import type { S3ClientForBucket } from './regionalS3Clients.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** S3 refuses parts under 5 MiB (except the last) and over 5 GiB, and uploads over 10,000 parts. */
const MIN_PART_SIZE = 5 * MiB;
const MAX_PART_SIZE = 5 * GiB;
const MAX_PARTS = 10_000;

/** Tuning of {@link S3Storage}; every field has a default that suits AWS. */
export interface S3StorageOptions {
  /**
   * Objects larger than this are copied part by part with UploadPartCopy.
   * @default 5 GiB, the largest object CopyObject accepts
   */
  multipartCopyThreshold?: number;
  /**
   * Part size of multipart copies, 5 MiB–5 GiB; raised when the object would need more than 10,000 parts.
   * @default 512 MiB
   */
  copyPartSize?: number;
  /**
   * Parts copied at the same time.
   * @default 4
   */
  copyConcurrency?: number;
  /**
   * Part size of streamed uploads (lib-storage buffers `uploadQueueSize` parts in memory).
   * @default 8 MiB
   */
  uploadPartSize?: number;
  /**
   * Parts uploaded at the same time.
   * @default 4
   */
  uploadQueueSize?: number;
}

/**
 * Object storage on Amazon S3 (SDK v3), the AWS side of the storage seam.
 *
 * - `put` streams through `@aws-sdk/lib-storage` (multipart above `uploadPartSize`; an incomplete
 *   multipart upload is aborted, so a failed put leaves the old object).
 * - `copy` is CopyObject up to 5 GiB and UploadPartCopy above, each part conditional on the
 *   source's ETag (and pinned to its versionId), so a concurrent overwrite cannot mix two versions.
 * - `list` paginates ListObjectsV2 and sorts by UTF-8 bytes (S3 directory buckets do not sort);
 *   like ListObjectsV2 its results carry no user metadata and no versionId.
 * - A missing object is `ObjectNotFoundError`, a missing bucket `BucketNotFoundError` (except for
 *   `head`, whose 404 carries no body and so cannot tell the two apart: it answers undefined).
 * - ETags are S3's: never an MD5 for multipart uploads or SSE-KMS.
 * - Every object it writes carries S3's full-object CRC64NVME, computed by S3 from the bytes it received (`put`
 *   asks for it; `copy` keeps the source's, or has S3 compute it part by part above 5 GiB), and `head` reports it
 *   (`ObjectInfo.crc64nvme`): whoever recorded the same checksum of the bytes verifies an object with a head.
 *
 * Endpoints come from the environment (`AWS_ENDPOINT_URL_S3`), so handler code stays `new S3Storage()`.
 * Buckets in several regions need a client per region (`regionalS3Clients`): each request goes to the
 * client of its bucket, a copy's to the target's (S3 copies are requests to the target bucket).
 *
 * @example
 * const storage = new S3Storage();
 * const info = await storage.put('landfall-results', 'teams/lab-a/runs/r1/index.json', JSON.stringify(index), {
 *   contentType: 'application/json',
 * });
 */
export class S3Storage implements ObjectStorage {
  readonly fullObjectChecksum = 'CRC64NVME';
  readonly #clientFor: S3ClientForBucket;
  readonly #multipartCopyThreshold: number;
  readonly #copyPartSize: number;
  readonly #copyConcurrency: number;
  readonly #uploadPartSize: number;
  readonly #uploadQueueSize: number;

  constructor(client: S3Client | S3ClientForBucket = new S3Client({}), options: S3StorageOptions = {}) {
    this.#clientFor = typeof client === 'function' ? client : () => client;
    this.#multipartCopyThreshold = options.multipartCopyThreshold ?? 5 * GiB;
    this.#copyPartSize = options.copyPartSize ?? 512 * MiB;
    this.#copyConcurrency = options.copyConcurrency ?? 4;
    this.#uploadPartSize = options.uploadPartSize ?? 8 * MiB;
    this.#uploadQueueSize = options.uploadQueueSize ?? 4;
    for (const [name, value] of [
      ['copyPartSize', this.#copyPartSize],
      ['uploadPartSize', this.#uploadPartSize],
    ] as const) {
      if (!(value >= MIN_PART_SIZE && value <= MAX_PART_SIZE)) {
        throw new StorageError(`S3Storage option ${name} must be between 5 MiB and 5 GiB, found ${value}`);
      }
    }
    if (!(this.#multipartCopyThreshold >= 0 && this.#multipartCopyThreshold <= MAX_PART_SIZE)) {
      throw new StorageError(
        `S3Storage option multipartCopyThreshold must be between 0 and 5 GiB (CopyObject's limit), found ${this.#multipartCopyThreshold}`,
      );
    }
  }

  async put(bucket: string, key: string, body: Buffer | string | Readable, options: PutOptions = {}): Promise<ObjectInfo> {
    assertBucketName(bucket);
    assertSafeKey(key);
    const metadata = lowerCaseMetadata(options.metadata);
    assertSafeMetadata(metadata);

    let size = 0;
    let payload: Buffer | Readable;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      payload = Buffer.from(body);
      size = payload.length;
    } else {
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          callback(null, chunk);
        },
      });
      // pipeline forwards an error of the caller's stream to `counter`, which fails the upload.
      pipeline(body, counter, () => undefined);
      payload = counter;
    }

    const upload = new Upload({
      client: this.#clientFor(bucket),
      params: {
        Bucket: bucket,
        Key: key,
        Body: payload,
        Metadata: metadata,
        // CRC64NVME is always a full-object checksum, multipart too: S3 stores one value of the whole object's
        // bytes, the one a writer can compute itself (a composite CRC32 of parts cannot be compared with it).
        ChecksumAlgorithm: 'CRC64NVME',
        ...(options.contentType !== undefined ? { ContentType: options.contentType } : {}),
      },
      partSize: uploadPartSizeFor(options.size, this.#uploadPartSize),
      queueSize: this.#uploadQueueSize,
      // We abort ourselves: lib-storage would throw the abort's error instead of the one that matters.
      leavePartsOnError: true,
    });
    let etag: string | undefined;
    let versionId: string | undefined;
    try {
      const result = await upload.done();
      etag = 'ETag' in result ? result.ETag : undefined;
      versionId = 'VersionId' in result ? result.VersionId : undefined;
    } catch (error) {
      // Release the caller's stream if the upload stopped reading it (pipeline destroys both).
      if (payload instanceof Readable) payload.destroy();
      if (upload.uploadId) await this.#abortQuietly(bucket, key, upload.uploadId);
      throw mapError(error, 'put', bucket, key);
    }

    // The upload answer has no size or date: read them back, unless someone overwrote the key meanwhile.
    const stored = await this.#headRaw(bucket, key, versionId);
    if (stored && stored.ETag === etag) return toInfo(bucket, key, stored);
    return {
      bucket,
      key,
      size,
      etag: etag ?? '',
      ...(versionId !== undefined ? { versionId } : {}),
      lastModified: new Date(),
      metadata,
    };
  }

  async get(bucket: string, key: string): Promise<Readable> {
    assertBucketName(bucket);
    assertSafeKey(key);
    let body: unknown;
    try {
      body = (await this.#clientFor(bucket).send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
    } catch (error) {
      throw mapError(error, 'get', bucket, key);
    }
    if (!(body instanceof Readable)) {
      throw new StorageError(`get s3://${bucket}/${key}: expected a Node.js stream body, found ${typeof body}`);
    }
    return body;
  }

  async getBytes(bucket: string, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.get(bucket, key)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async head(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    const output = await this.#headRaw(bucket, key);
    return output && toInfo(bucket, key, output);
  }

  async list(bucket: string, prefix: string): Promise<ObjectInfo[]> {
    assertBucketName(bucket);
    assertSafePrefix(prefix);
    const objects: ObjectInfo[] = [];
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.#clientFor(bucket).send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: continuationToken }),
        );
      } catch (error) {
        throw mapError(error, 'list', bucket, prefix);
      }
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        objects.push({
          bucket,
          key: object.Key,
          size: object.Size ?? 0,
          etag: object.ETag ?? '',
          lastModified: object.LastModified ?? new Date(0),
          metadata: {},
        });
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
    return objects.sort((a, b) => compareKeys(a.key, b.key));
  }

  async copy(sourceBucket: string, sourceKey: string, targetBucket: string, targetKey: string): Promise<ObjectInfo> {
    assertBucketName(sourceBucket);
    assertSafeKey(sourceKey);
    assertBucketName(targetBucket);
    assertSafeKey(targetKey);
    const source = await this.#headRaw(sourceBucket, sourceKey);
    if (!source) {
      // HeadObject's bodiless 404 does not say which is missing; the error path can afford to ask.
      if (!(await this.#bucketExists(sourceBucket))) throw new BucketNotFoundError(sourceBucket);
      throw new ObjectNotFoundError(sourceBucket, sourceKey);
    }
    const size = source.ContentLength ?? 0;
    if (size > this.#multipartCopyThreshold && size > 0) {
      return this.#copyMultipart(sourceBucket, sourceKey, source, targetBucket, targetKey);
    }

    // S3 refuses to copy an object onto itself unless something changes: restate its metadata.
    const ontoItself = sourceBucket === targetBucket && sourceKey === targetKey;
    let result;
    try {
      result = await this.#clientFor(targetBucket).send(
        new CopyObjectCommand({
          Bucket: targetBucket,
          Key: targetKey,
          CopySource: copySource(sourceBucket, sourceKey, source.VersionId),
          CopySourceIfMatch: source.ETag,
          ...(ontoItself
            ? { MetadataDirective: 'REPLACE' as const, Metadata: source.Metadata ?? {}, ContentType: source.ContentType }
            : {}),
        }),
      );
    } catch (error) {
      throw mapCopyError(error, sourceBucket, sourceKey, targetBucket, targetKey);
    }
    const crc64nvme = result.CopyObjectResult?.ChecksumCRC64NVME;
    return {
      bucket: targetBucket,
      key: targetKey,
      size,
      etag: result.CopyObjectResult?.ETag ?? '',
      ...(result.VersionId !== undefined ? { versionId: result.VersionId } : {}),
      lastModified: result.CopyObjectResult?.LastModified ?? new Date(),
      metadata: { ...(source.Metadata ?? {}) },
      ...(crc64nvme !== undefined ? { crc64nvme } : {}),
    };
  }

  async delete(bucket: string, key: string): Promise<void> {
    assertBucketName(bucket);
    assertSafeKey(key);
    try {
      await this.#clientFor(bucket).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    } catch (error) {
      throw mapError(error, 'delete', bucket, key);
    }
  }

  /** Abandoned parts are billed until aborted; a failed abort must not hide the error that caused it. */
  async #abortQuietly(bucket: string, key: string, uploadId: string): Promise<void> {
    await this.#clientFor(bucket)
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
      .catch(() => undefined);
  }

  async #bucketExists(bucket: string): Promise<boolean> {
    try {
      await this.#clientFor(bucket).send(new HeadBucketCommand({ Bucket: bucket }));
      return true;
    } catch (error) {
      if (isNotFound(error) || errorName(error) === 'NoSuchBucket') return false;
      throw mapError(error, 'head bucket', bucket, '');
    }
  }

  async #headRaw(bucket: string, key: string, versionId?: string): Promise<HeadObjectCommandOutput | undefined> {
    assertBucketName(bucket);
    assertSafeKey(key);
    try {
      return await this.#clientFor(bucket).send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw mapError(error, 'head', bucket, key);
    }
  }

  async #copyMultipart(
    sourceBucket: string,
    sourceKey: string,
    source: HeadObjectCommandOutput,
    targetBucket: string,
    targetKey: string,
  ): Promise<ObjectInfo> {
    const size = source.ContentLength ?? 0;
    const partSize = Math.max(this.#copyPartSize, Math.ceil(size / MAX_PARTS));
    const ranges: Array<{ partNumber: number; first: number; last: number }> = [];
    for (let first = 0; first < size; first += partSize) {
      ranges.push({ partNumber: ranges.length + 1, first, last: Math.min(first + partSize, size) - 1 });
    }

    const target = this.#clientFor(targetBucket);
    let uploadId: string | undefined;
    try {
      const created = await target.send(
        new CreateMultipartUploadCommand({
          Bucket: targetBucket,
          Key: targetKey,
          Metadata: source.Metadata ?? {},
          ...(source.ContentType !== undefined ? { ContentType: source.ContentType } : {}),
          // S3 computes each part's CRC64NVME from the bytes it copies and combines them into the whole
          // object's: the copy's checksum is then a recount, not the source's value carried over.
          ChecksumAlgorithm: 'CRC64NVME',
          ChecksumType: 'FULL_OBJECT',
        }),
      );
      uploadId = created.UploadId;
      if (!uploadId) throw new StorageError(`CreateMultipartUpload for s3://${targetBucket}/${targetKey} returned no UploadId`);
      const activeUploadId = uploadId;
      const parts = await mapLimit(ranges, this.#copyConcurrency, async ({ partNumber, first, last }) => {
        const copied = await target.send(
          new UploadPartCopyCommand({
            Bucket: targetBucket,
            Key: targetKey,
            UploadId: activeUploadId,
            PartNumber: partNumber,
            CopySource: copySource(sourceBucket, sourceKey, source.VersionId),
            CopySourceRange: `bytes=${first}-${last}`,
            CopySourceIfMatch: source.ETag,
          }),
        );
        const checksum = copied.CopyPartResult?.ChecksumCRC64NVME;
        return {
          PartNumber: partNumber,
          ETag: copied.CopyPartResult?.ETag,
          ...(checksum !== undefined ? { ChecksumCRC64NVME: checksum } : {}),
        };
      });
      const completed = await target.send(
        new CompleteMultipartUploadCommand({
          Bucket: targetBucket,
          Key: targetKey,
          UploadId: activeUploadId,
          MultipartUpload: { Parts: parts },
          ChecksumType: 'FULL_OBJECT',
        }),
      );
      const stored = await this.#headRaw(targetBucket, targetKey, completed.VersionId);
      const crc64nvme = completed.ChecksumCRC64NVME ?? (stored?.ETag === completed.ETag ? stored?.ChecksumCRC64NVME : undefined);
      return {
        bucket: targetBucket,
        key: targetKey,
        size,
        etag: completed.ETag ?? '',
        ...(completed.VersionId !== undefined ? { versionId: completed.VersionId } : {}),
        lastModified: stored?.ETag === completed.ETag && stored?.LastModified ? stored.LastModified : new Date(),
        metadata: { ...(source.Metadata ?? {}) },
        ...(crc64nvme !== undefined ? { crc64nvme } : {}),
      };
    } catch (error) {
      if (uploadId) await this.#abortQuietly(targetBucket, targetKey, uploadId);
      throw mapCopyError(error, sourceBucket, sourceKey, targetBucket, targetKey);
    }
  }
}

/**
 * Part size of a streamed upload of `size` bytes: the configured one, raised (to whole MiB) when the upload would
 * otherwise need more than S3's 10,000 parts; the configured one when the size is unknown.
 * @example uploadPartSizeFor(100 * GiB, 8 * MiB) // 11 MiB: 9,310 parts
 */
export function uploadPartSizeFor(size: number | undefined, configured: number): number {
  if (size === undefined || size <= configured * MAX_PARTS) return configured;
  return Math.min(MAX_PART_SIZE, Math.ceil(size / MAX_PARTS / MiB) * MiB);
}

function toInfo(bucket: string, key: string, output: HeadObjectCommandOutput): ObjectInfo {
  return {
    bucket,
    key,
    size: output.ContentLength ?? 0,
    etag: output.ETag ?? '',
    ...(output.VersionId !== undefined ? { versionId: output.VersionId } : {}),
    lastModified: output.LastModified ?? new Date(0),
    metadata: { ...(output.Metadata ?? {}) },
    ...(output.ChecksumCRC64NVME !== undefined ? { crc64nvme: output.ChecksumCRC64NVME } : {}),
  };
}

/** The `x-amz-copy-source` value: S3 expects it URL-encoded (keys may hold `+`, `%`, spaces). */
function copySource(bucket: string, key: string, versionId: string | undefined): string {
  const path = `${encodeURIComponent(bucket)}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return versionId !== undefined ? `${path}?versionId=${encodeURIComponent(versionId)}` : path;
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

function isS3Error(error: unknown): boolean {
  return typeof error === 'object' && error !== null && '$metadata' in error;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'NotFound' || name === 'NoSuchKey') return true;
  const status = isS3Error(error) ? (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode : undefined;
  return status === 404 && name !== 'NoSuchBucket';
}

function mapError(error: unknown, operation: string, bucket: string, key: string): Error {
  if (error instanceof StorageError) return error;
  const name = errorName(error);
  if (name === 'NoSuchBucket') return new BucketNotFoundError(bucket, { cause: error });
  if (isNotFound(error)) return new ObjectNotFoundError(bucket, key, { cause: error });
  if (isS3Error(error)) {
    const message = error instanceof Error ? error.message : String(error);
    return new StorageError(`${operation} s3://${bucket}/${key} failed: ${name}: ${message}`, { cause: error });
  }
  // Not S3's answer (for example the caller's body stream failed): pass it on untouched.
  return error instanceof Error ? error : new StorageError(String(error), { cause: error });
}

function mapCopyError(error: unknown, sourceBucket: string, sourceKey: string, targetBucket: string, targetKey: string): Error {
  const name = errorName(error);
  // The source was just found by HeadObject, so a missing bucket now is the target's.
  if (name === 'NoSuchBucket') return new BucketNotFoundError(targetBucket, { cause: error });
  if (name === 'NoSuchKey') return new ObjectNotFoundError(sourceBucket, sourceKey, { cause: error });
  if (name === 'PreconditionFailed') {
    return new StorageError(
      `copy s3://${sourceBucket}/${sourceKey} → s3://${targetBucket}/${targetKey}: the source changed during the copy; retry`,
      { cause: error },
    );
  }
  return mapError(error, 'copy', targetBucket, targetKey);
}
