import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BucketNotFoundError, ObjectNotFoundError, StorageError } from '../../../seams/storage/errors.ts';
import { S3Storage, uploadPartSizeFor } from '../../../seams/storage/S3Storage.ts';
import { startS3rver, type S3rverFixture } from '../../support/s3rverFixture.ts';
import { chunkedStream, describeObjectStorageContract, failingStream, md5, md5OfStream } from './contract.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describeObjectStorageContract(
  'S3Storage on s3rver',
  async () => {
    const s3 = await startS3rver({ buckets: ['landing', 'results'] });
    // 5 MiB parts (S3's minimum) so the contract's streamed round trip is a real multipart upload.
    const storage = new S3Storage(s3.client, { uploadPartSize: 5 * MiB });
    return { storage, bucket: 'landing', otherBucket: 'results', teardown: () => s3.close() };
  },
  { leaveOut: { checksums: 's3rver keeps no checksums; moto does (test/aws/storage.test.ts)' } },
);

/** Records the name of every command a client sends (observation only: requests still go to s3rver). */
function recordCommands(client: S3Client, before?: (commandName: string) => Promise<void>): string[] {
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const commandName = String(context.commandName);
      sent.push(commandName);
      await before?.(commandName);
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return sent;
}

describe('S3Storage', () => {
  let s3: S3rverFixture;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['landing', 'results'] });
  });

  afterAll(async () => {
    await s3?.close();
  });

  describe('Method: copy', () => {
    it('copies an object above the threshold with UploadPartCopy, keeping bytes, metadata and content type', async () => {
      // Prepare
      const client = s3.createClient();
      const storage = new S3Storage(client, { multipartCopyThreshold: 5 * MiB, copyPartSize: 5 * MiB });
      const bytes = randomBytes(11 * MiB + 3);
      await storage.put('landing', 'big/S1_R1_001.fastq.gz', bytes, {
        contentType: 'application/gzip',
        metadata: { team: 'lab-a' },
      });
      const sent = recordCommands(client);

      // Act
      const info = await storage.copy('landing', 'big/S1_R1_001.fastq.gz', 'results', 'published/S1_R1_001.fastq.gz');

      // Assess
      expect(sent.filter((name) => name === 'UploadPartCopyCommand')).toHaveLength(3);
      expect(sent).toContain('CompleteMultipartUploadCommand');
      expect(sent).not.toContain('CopyObjectCommand');
      const copied = await md5OfStream(await storage.get('results', 'published/S1_R1_001.fastq.gz'));
      expect(copied).toEqual({ md5: md5(bytes), size: bytes.length });
      expect(info).toMatchObject({ size: bytes.length, metadata: { team: 'lab-a' } });
      const headed = await storage.head('results', 'published/S1_R1_001.fastq.gz');
      expect(headed).toMatchObject({ size: bytes.length, etag: info.etag, metadata: { team: 'lab-a' } });
      const raw = await client.send(new HeadObjectCommand({ Bucket: 'results', Key: 'published/S1_R1_001.fastq.gz' }));
      expect(raw.ContentType).toBe('application/gzip');
    });

    it('copies an object up to the threshold with one CopyObject', async () => {
      // Prepare
      const client = s3.createClient();
      const storage = new S3Storage(client, { multipartCopyThreshold: 5 * MiB, copyPartSize: 5 * MiB });
      await storage.put('landing', 'small/SampleSheet.csv', 'Sample_ID\nS1\n');
      const sent = recordCommands(client);

      // Act
      await storage.copy('landing', 'small/SampleSheet.csv', 'results', 'small/SampleSheet.csv');

      // Assess
      expect(sent).toEqual(['HeadObjectCommand', 'CopyObjectCommand']);
      expect((await storage.getBytes('results', 'small/SampleSheet.csv')).toString()).toBe('Sample_ID\nS1\n');
    });

    it('aborts a multipart copy whose source is overwritten midway, leaving no target', async () => {
      // Prepare
      const client = s3.createClient();
      const storage = new S3Storage(client, { multipartCopyThreshold: 5 * MiB, copyPartSize: 5 * MiB, copyConcurrency: 1 });
      await storage.put('landing', 'race/source.bin', randomBytes(6 * MiB));
      let overwritten = false;
      const sent = recordCommands(client, async (commandName) => {
        if (commandName === 'UploadPartCopyCommand' && !overwritten) {
          overwritten = true; // a concurrent writer, through another client
          await s3.client.send(new PutObjectCommand({ Bucket: 'landing', Key: 'race/source.bin', Body: 'replaced' }));
        }
      });

      // Act
      const attempt = storage.copy('landing', 'race/source.bin', 'results', 'race/target.bin');

      // Assess
      await expect(attempt).rejects.toThrow(/source changed during the copy/);
      await expect(attempt).rejects.toBeInstanceOf(StorageError);
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect(await storage.head('results', 'race/target.bin')).toBeUndefined();
    });
  });

  describe('Method: put', () => {
    it.each([
      { case: 'a FASTQ of 2 GiB', size: 2 * GiB, part: 8 * MiB },
      { case: 'a BAM of 100 GiB', size: 100 * GiB, part: 11 * MiB },
      { case: 'a PromethION BAM of 1 TiB', size: 1024 * GiB, part: 105 * MiB },
      { case: 'an object of unknown size', size: undefined, part: 8 * MiB },
    ])('uploads $case in at most 10,000 parts, of whole MiB', ({ size, part }) => {
      // Act
      const chosen = uploadPartSizeFor(size, 8 * MiB);
      // Assess
      expect(chosen).toBe(part);
      if (size !== undefined) expect(Math.ceil(size / chosen)).toBeLessThanOrEqual(10_000);
    });

    it('sizes the parts of a streamed upload from the size its caller gives', async () => {
      // Prepare: 60 GiB declared needs 7 MiB parts (10,000 × 5 MiB is 48.8 GiB); the body itself is 12 MiB
      const client = s3.createClient();
      const storage = new S3Storage(client, { uploadPartSize: 5 * MiB, uploadQueueSize: 1 });
      const parts: number[] = [];
      client.middlewareStack.add(
        (next, context) => async (args) => {
          if (context.commandName === 'UploadPartCommand') parts.push((args.input as { Body: Uint8Array }).Body.byteLength);
          return next(args);
        },
        { step: 'initialize', name: 'partSizes' },
      );
      const bytes = randomBytes(12 * MiB);
      // Act
      await storage.put('landing', 'multipart/sized.bin', chunkedStream(bytes), { size: 60 * GiB });
      // Assess
      expect(parts).toEqual([7 * MiB, 5 * MiB]);
      expect(md5(await storage.getBytes('landing', 'multipart/sized.bin'))).toBe(md5(bytes));
    });

    it('keeps the old object when the body fails after several parts were uploaded', async () => {
      // Prepare
      const client = s3.createClient();
      const storage = new S3Storage(client, { uploadPartSize: 5 * MiB, uploadQueueSize: 1 });
      const original = randomBytes(1024);
      const stored = await storage.put('landing', 'multipart/atomic.bin', original);
      const sent = recordCommands(client);

      // Act
      const attempt = storage.put('landing', 'multipart/atomic.bin', failingStream(11 * MiB));

      // Assess
      await expect(attempt).rejects.toThrow('writer crashed mid-upload');
      expect(sent).toContain('UploadPartCommand');
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect((await storage.getBytes('landing', 'multipart/atomic.bin')).equals(original)).toBe(true);
      expect((await storage.head('landing', 'multipart/atomic.bin'))?.etag).toBe(stored.etag);
    });
  });

  describe('Errors', () => {
    it.each([
      {
        case: 'get of a missing key',
        act: (s: S3Storage) => s.get('landing', 'errors/missing'),
        type: ObjectNotFoundError,
        cause: 'NoSuchKey',
      },
      {
        case: 'list of a missing bucket',
        act: (s: S3Storage) => s.list('no-such-bucket', ''),
        type: BucketNotFoundError,
        cause: 'NoSuchBucket',
      },
      {
        case: 'put into a missing bucket',
        act: (s: S3Storage) => s.put('no-such-bucket', 'x', 'x'),
        type: BucketNotFoundError,
        cause: 'NoSuchBucket',
      },
    ])('maps $case and keeps the SDK error as cause', async ({ act, type, cause }) => {
      // Prepare
      const storage = new S3Storage(s3.client);

      // Act
      const error = await act(storage).catch((caught: unknown) => caught);

      // Assess
      expect(error).toBeInstanceOf(type);
      expect((error as Error).cause).toMatchObject({ name: cause });
    });

    it.each([
      { case: 'a copy part under 5 MiB', options: { copyPartSize: 5 * MiB - 1 } },
      { case: 'an upload part under 5 MiB', options: { uploadPartSize: 1024 } },
      { case: 'a copy threshold above 5 GiB', options: { multipartCopyThreshold: 6 * 1024 * MiB } },
    ])('refuses $case', ({ options }) => {
      // Act
      const create = (): S3Storage => new S3Storage(s3.client, options);

      // Assess
      expect(create).toThrow(StorageError);
    });
  });
});

describe('s3rver fixture', () => {
  let s3: S3rverFixture;

  beforeAll(async () => {
    s3 = await startS3rver({ buckets: ['fixture'] });
  });

  afterAll(async () => {
    await s3?.close();
  });

  it('stores a streamed PutObject byte for byte (checksums only when required)', async () => {
    // Prepare
    const bytes = randomBytes(3 * MiB + 17);

    // Act
    await s3.client.send(
      new PutObjectCommand({ Bucket: 'fixture', Key: 'streamed.bin', Body: chunkedStream(bytes), ContentLength: bytes.length }),
    );
    const read = await s3.client.send(new GetObjectCommand({ Bucket: 'fixture', Key: 'streamed.bin' }));

    // Assess
    expect(await md5OfStream(read.Body as Readable)).toEqual({ md5: md5(bytes), size: bytes.length });
  });

  it('pages ListObjectsV2 in S3 key order (DES continuation tokens, walk order)', async () => {
    // Prepare
    const keys = ['page/a', 'page/a-b', 'page/a/b', 'page/a b', 'page/ab'];
    for (const key of keys) await s3.client.send(new PutObjectCommand({ Bucket: 'fixture', Key: key, Body: key }));

    // Act
    const listed: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.client.send(
        new ListObjectsV2Command({ Bucket: 'fixture', Prefix: 'page/', MaxKeys: 1, ContinuationToken: token }),
      );
      listed.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);

    // Assess
    expect(listed).toEqual(['page/a', 'page/a b', 'page/a-b', 'page/a/b', 'page/ab']);
  });

  it('sets the environment that points new S3Client({}) at the server', () => {
    // Assess
    expect(s3.env).toMatchObject({
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    });
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
