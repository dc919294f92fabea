/**
 * THE contract of the object-storage seam: every implementation runs these cases
 * (`FolderStorage.test.ts`, `S3Storage.test.ts`). A case that passes for one and fails for the
 * other is a difference between the runtimes, which DESIGN.md calls a bug.
 */
import { Crc64Nvme } from '@aws-sdk/crc64-nvme';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BucketNotFoundError,
  InvalidBucketNameError,
  InvalidKeyError,
  InvalidMetadataError,
  ObjectNotFoundError,
} from '../../../seams/storage/errors.ts';
import { compareKeys } from '../../../seams/storage/keys.ts';
import type { ObjectInfo, ObjectStorage } from '../../../seams/storage/ObjectStorage.ts';
import { mapLimit } from '../../../seams/storage/mapLimit.ts';

/** What a contract run needs: a storage and two existing, empty buckets. */
export interface ContractSubject {
  storage: ObjectStorage;
  /** An existing bucket the cases write into. */
  bucket: string;
  /** A second existing bucket, for copies across buckets. */
  otherBucket: string;
  teardown(): Promise<void>;
}

/** A valid bucket name that no setup creates. */
export const MISSING_BUCKET = 'landfall-contract-missing';

/** Size of the streamed round trip: above 5 MiB so S3 uploads it in more than one part when the part size is 5 MiB. */
export const STREAMED_BYTES = 6 * 1024 * 1024 + 12_345;

/** md5 hex of a buffer. */
export function md5(bytes: Buffer): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** md5 hex of everything a stream yields. */
export async function md5OfStream(stream: Readable): Promise<{ md5: string; size: number }> {
  const hash = createHash('md5');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { md5: hash.digest('hex'), size };
}

/** A stream over `bytes` in uneven chunks, like a socket or a file read would deliver them. */
export function chunkedStream(bytes: Buffer): Readable {
  return Readable.from(
    (function* chunks() {
      let offset = 0;
      for (let index = 0; offset < bytes.length; index += 1) {
        const size = 1 + ((index * 7919) % (256 * 1024));
        yield bytes.subarray(offset, offset + size);
        offset += size;
      }
    })(),
  );
}

/** A stream that yields `before` bytes, then fails: a writer crashing mid-upload. */
export function failingStream(before: number, message = 'writer crashed mid-upload'): Readable {
  return Readable.from(
    (async function* chunks() {
      const chunk = randomBytes(64 * 1024);
      for (let sent = 0; sent < before; sent += chunk.length) yield chunk;
      throw new Error(message);
    })(),
  );
}

/** Keys that would escape a bucket folder or cannot be represented safely. */
export const INVALID_KEYS = [
  { case: 'empty key', key: '' },
  { case: 'parent traversal', key: '../outside.txt' },
  { case: 'traversal in the middle', key: 'incoming/../../outside.txt' },
  { case: 'current-folder segment', key: './file.txt' },
  { case: 'absolute key', key: '/etc/passwd' },
  { case: 'empty segment', key: 'incoming//file.txt' },
  { case: 'trailing slash (folder marker)', key: 'incoming/' },
  { case: 'backslash', key: 'incoming\\..\\outside.txt' },
  { case: 'NUL byte', key: 'file\u0000.txt' },
  { case: 'newline', key: 'file\n.txt' },
  { case: 'escape character', key: 'file\u001b[31m.txt' },
  { case: 'DEL character', key: 'file\u007f.txt' },
  { case: 'over 1024 UTF-8 bytes', key: `${'ü'.repeat(512)}x` },
];

/**
 * Registers the contract cases for one implementation.
 *
 * @example
 * describeObjectStorageContract('FolderStorage', async () => {
 *   const root = await mkdtemp(path.join(tmpdir(), 'contract-'));
 *   const storage = new FolderStorage(root);
 *   await storage.createBucket('landing');
 *   await storage.createBucket('results');
 *   return { storage, bucket: 'landing', otherBucket: 'results', teardown: () => rm(root, { recursive: true }) };
 * });
 */
export function describeObjectStorageContract(
  name: string,
  setup: () => Promise<ContractSubject>,
  options: {
    /** Cases a subject leaves to another run, each with the reason (said in the skipped case's name). */
    leaveOut?: { pagingBeyond1000?: string; checksums?: string };
  } = {},
): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let subject: ContractSubject;
    let storage: ObjectStorage;
    let bucket: string;
    let counter = 0;
    /** A fresh key prefix per case, so cases sharing the buckets cannot see each other's objects. */
    const fresh = (label: string): string => `${label}-${++counter}/`;

    beforeAll(async () => {
      subject = await setup();
      storage = subject.storage;
      bucket = subject.bucket;
    });

    afterAll(async () => {
      await subject?.teardown();
    });

    describe('Method: put / get / getBytes', () => {
      it.each([
        { case: 'Buffer', body: Buffer.from([0, 1, 2, 254, 255, 10, 13]), expected: Buffer.from([0, 1, 2, 254, 255, 10, 13]) },
        { case: 'string, stored as UTF-8', body: 'Sample_ID,Probe ü\r\n', expected: Buffer.from('Sample_ID,Probe ü\r\n', 'utf8') },
        { case: 'empty Buffer', body: Buffer.alloc(0), expected: Buffer.alloc(0) },
      ])('round-trips a $case', async ({ body, expected }) => {
        // Prepare
        const key = `${fresh('roundtrip')}object.bin`;

        // Act
        const info = await storage.put(bucket, key, body);
        const bytes = await storage.getBytes(bucket, key);
        const streamed = await md5OfStream(await storage.get(bucket, key));

        // Assess
        expect(bytes.equals(expected)).toBe(true);
        expect(streamed).toEqual({ md5: md5(expected), size: expected.length });
        expect(info.size).toBe(expected.length);
      });

      it('streams several MB of random bytes in and out unchanged', async () => {
        // Prepare
        const key = `${fresh('stream')}S1_L001_R1_001.fastq.gz`;
        const bytes = randomBytes(STREAMED_BYTES);

        // Act
        const info = await storage.put(bucket, key, chunkedStream(bytes));
        const readBack = await md5OfStream(await storage.get(bucket, key));
        const readInMegabytes = await md5OfStream(await storage.get(bucket, key, { chunkBytes: 1024 * 1024 }));

        // Assess
        expect(readBack).toEqual({ md5: md5(bytes), size: bytes.length });
        expect(readInMegabytes).toEqual(readBack);
        expect(info.size).toBe(bytes.length);
      });

      it('returns the identity that head reports', async () => {
        // Prepare
        const key = `${fresh('identity')}file.txt`;
        const before = Date.now();

        // Act
        const info = await storage.put(bucket, key, 'identity');
        const headed = await storage.head(bucket, key);

        // Assess
        expect(info).toMatchObject({ bucket, key, size: 8 });
        expect(info.etag).toMatch(/^".+"$/);
        expect(info.versionId ?? info.etag).toBeTruthy();
        expect(headed).toMatchObject({ bucket, key, size: info.size, etag: info.etag });
        expect(headed?.versionId).toBe(info.versionId);
        expect(info.lastModified).toBeInstanceOf(Date);
        // S3 dates have one-second precision; allow for it and for clock skew between client and server.
        expect(Math.abs(info.lastModified.getTime() - before)).toBeLessThan(60_000);
      });

      it('replaces an object on overwrite', async () => {
        // Prepare
        const key = `${fresh('overwrite')}file.txt`;
        const first = await storage.put(bucket, key, 'first version', { metadata: { round: '1' } });

        // Act
        const second = await storage.put(bucket, key, 'second, longer version', { metadata: { round: '2' } });

        // Assess
        expect((await storage.getBytes(bucket, key)).toString()).toBe('second, longer version');
        const headed = await storage.head(bucket, key);
        expect(headed).toMatchObject({ size: 22, etag: second.etag, metadata: { round: '2' } });
        expect(second.etag).not.toBe(first.etag);
        if (first.versionId !== undefined || second.versionId !== undefined) {
          expect(second.versionId).not.toBe(first.versionId);
        }
        expect((await storage.list(bucket, key)).map((object) => object.key)).toEqual([key]);
      });

      it('keeps the old object when the body fails midway', async () => {
        // Prepare
        const key = `${fresh('atomic')}file.bin`;
        const original = randomBytes(4096);
        const stored = await storage.put(bucket, key, original);

        // Act
        const attempt = storage.put(bucket, key, failingStream(256 * 1024));

        // Assess
        await expect(attempt).rejects.toThrow('writer crashed mid-upload');
        expect((await storage.getBytes(bucket, key)).equals(original)).toBe(true);
        expect(await storage.head(bucket, key)).toMatchObject({ size: 4096, etag: stored.etag });
      });

      it('stores nothing when the body of a new key fails midway', async () => {
        // Prepare
        const prefix = fresh('atomic-new');

        // Act
        const attempt = storage.put(bucket, `${prefix}file.bin`, failingStream(128 * 1024));

        // Assess
        await expect(attempt).rejects.toThrow('writer crashed mid-upload');
        expect(await storage.head(bucket, `${prefix}file.bin`)).toBeUndefined();
        expect(await storage.list(bucket, prefix)).toEqual([]);
      });

      it.each([
        { case: 'get', act: (s: ObjectStorage, b: string, k: string) => s.get(b, k) },
        { case: 'getBytes', act: (s: ObjectStorage, b: string, k: string) => s.getBytes(b, k) },
      ])('$case of a missing key throws ObjectNotFoundError', async ({ act }) => {
        // Prepare
        const key = `${fresh('missing')}nothing-here.txt`;

        // Act
        const attempt = act(storage, bucket, key);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(attempt).rejects.toMatchObject({ bucket, key });
      });

      it('get of a key that is only a prefix of other keys throws ObjectNotFoundError', async () => {
        // Prepare
        const prefix = fresh('prefix-only');
        await storage.put(bucket, `${prefix}folder/file.txt`, 'x');

        // Act
        const attempt = storage.get(bucket, `${prefix}folder`);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect(await storage.head(bucket, `${prefix}folder`)).toBeUndefined();
      });
    });

    describe('Method: head', () => {
      it('returns undefined for a missing key', async () => {
        // Act
        const info = await storage.head(bucket, `${fresh('head')}missing.txt`);

        // Assess
        expect(info).toBeUndefined();
      });

      it('round-trips user metadata with lower-case names', async () => {
        // Prepare
        const key = `${fresh('metadata')}SampleSheet.csv`;
        const metadata = { 'Sample-Id': 'S1', team: 'lab-a', 'md5-hex': md5(Buffer.from('csv')) };

        // Act
        const info = await storage.put(bucket, key, 'csv', { contentType: 'text/csv', metadata });
        const headed = await storage.head(bucket, key);

        // Assess
        const expected = { 'sample-id': 'S1', team: 'lab-a', 'md5-hex': metadata['md5-hex'] };
        expect(info.metadata).toEqual(expected);
        expect(headed?.metadata).toEqual(expected);
      });

      it('returns empty metadata when none was given', async () => {
        // Prepare
        const key = `${fresh('no-metadata')}file.txt`;
        await storage.put(bucket, key, 'x');

        // Act
        const headed = await storage.head(bucket, key);

        // Assess
        expect(headed?.metadata).toEqual({});
      });

      const checksums = options.leaveOut?.checksums;
      it.skipIf(checksums !== undefined)(
        `reports the full-object checksum it declares, of the stored bytes, on the object and on its copy${checksums ? ` (left out: ${checksums})` : ''}`,
        async () => {
          // Prepare
          const prefix = fresh('checksum');
          const bytes = randomBytes(200 * 1024);
          const crc = new Crc64Nvme();
          crc.update(bytes);
          const expected = Buffer.from(await crc.digest()).toString('base64');
          await storage.put(bucket, `${prefix}reads.bam`, bytes);

          // Act
          const headed = await storage.head(bucket, `${prefix}reads.bam`);
          await storage.copy(bucket, `${prefix}reads.bam`, subject.otherBucket, `${prefix}copy.bam`);
          const copied = await storage.head(subject.otherBucket, `${prefix}copy.bam`);

          // Assess: a storage either keeps the checksum and reports the right one, or declares none and reports none
          const reported = storage.fullObjectChecksum === 'CRC64NVME' ? expected : undefined;
          expect(headed?.crc64nvme).toBe(reported);
          expect(copied?.crc64nvme).toBe(reported);
        },
      );

      it('returns undefined in a missing bucket (S3 answers a bodiless 404 there too)', async () => {
        // Act
        const info = await storage.head(MISSING_BUCKET, 'file.txt');

        // Assess
        expect(info).toBeUndefined();
      });
    });

    describe('Method: list', () => {
      it('lists keys with spaces, +, %, unicode and folders in UTF-8 byte order, exactly as stored', async () => {
        // Prepare
        const prefix = fresh('names');
        const names = [
          'z-last.txt',
          'with space.txt',
          'plus+sign.txt',
          'percent%20literal.txt',
          'percent%.txt',
          'Probe-\u00fc-\u65e5\u672c.txt',
          'Emoji-\u{1F9EC}.txt',
          'a b',
          'a-b',
          'a/b/c.txt',
          'A-upper.txt',
          '_underscore.txt',
        ];
        await mapLimit(names, 4, (name) => storage.put(bucket, prefix + name, name));

        // Act
        const listed = await storage.list(bucket, prefix);

        // Assess
        const expected = names.map((name) => prefix + name).sort(compareKeys);
        expect(listed.map((object) => object.key)).toEqual(expected);
        for (const object of listed) {
          expect((await storage.getBytes(bucket, object.key)).toString()).toBe(object.key.slice(prefix.length));
        }
      });

      it('describes each object like head, without user metadata or versionId (as ListObjectsV2)', async () => {
        // Prepare
        const prefix = fresh('list-identity');
        await storage.put(bucket, `${prefix}one.txt`, 'one', { metadata: { team: 'lab-a' } });
        await storage.put(bucket, `${prefix}three.txt`, 'three');

        // Act
        const listed = await storage.list(bucket, prefix);

        // Assess
        expect(listed).toHaveLength(2);
        for (const object of listed) {
          const headed = (await storage.head(bucket, object.key)) as ObjectInfo;
          expect(object).toMatchObject({ bucket, size: headed.size, etag: headed.etag, metadata: {} });
          expect(object.versionId).toBeUndefined();
          expect(object.lastModified).toBeInstanceOf(Date);
        }
      });

      it.each([
        { case: 'a partial file name', search: 'S1_', expected: ['S1_L001_R1.fq', 'S1_L001_R2.fq'] },
        {
          case: 'a partial name matching files and a folder',
          search: 'S1',
          expected: ['S1/extra.txt', 'S10_L001_R1.fq', 'S1_L001_R1.fq', 'S1_L001_R2.fq'],
        },
        { case: 'a folder with a trailing slash', search: 'S1/', expected: ['S1/extra.txt'] },
        { case: 'a partial folder name', search: 'S1/ex', expected: ['S1/extra.txt'] },
        { case: 'a name nothing starts with', search: 'S3', expected: [] },
        { case: 'a folder that does not exist', search: 'nowhere/', expected: [] },
        { case: 'the full key', search: 'S2_L001_R1.fq', expected: ['S2_L001_R1.fq'] },
      ])('lists by $case', async ({ search, expected }) => {
        // Prepare
        const prefix = fresh('partial');
        const names = ['S1_L001_R1.fq', 'S1_L001_R2.fq', 'S10_L001_R1.fq', 'S2_L001_R1.fq', 'S1/extra.txt'];
        await mapLimit(names, 5, (name) => storage.put(bucket, prefix + name, name));

        // Act
        const listed = await storage.list(bucket, prefix + search);

        // Assess
        expect(listed.map((object) => object.key.slice(prefix.length))).toEqual(expected);
      });

      const paging = options.leaveOut?.pagingBeyond1000;
      it.skipIf(paging !== undefined)(`pages through more than 1000 keys${paging ? ` (left out: ${paging})` : ''}`, async () => {
        // Prepare
        const prefix = fresh('many');
        const keys = Array.from({ length: 1100 }, (_, index) => `${prefix}k${String((index * 7919) % 1100).padStart(4, '0')}`);
        await mapLimit(keys, 16, (key) => storage.put(bucket, key, ''));

        // Act
        const listed = await storage.list(bucket, prefix);

        // Assess
        const listedKeys = listed.map((object) => object.key);
        expect(new Set(listedKeys).size).toBe(1100);
        expect(listedKeys).toEqual([...keys].sort(compareKeys));
      });

      it('throws BucketNotFoundError for a missing bucket', async () => {
        // Act
        const attempt = storage.list(MISSING_BUCKET, '');

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(BucketNotFoundError);
        await expect(attempt).rejects.toMatchObject({ bucket: MISSING_BUCKET });
      });
    });

    describe('Method: copy', () => {
      it.each([
        { case: 'to another key in the same bucket', other: false, sourceName: 'source.fastq.gz', targetName: 'target.fastq.gz' },
        { case: 'to another bucket', other: true, sourceName: 'source.fastq.gz', targetName: 'copied/source.fastq.gz' },
        {
          case: 'with spaces, +, % and unicode in both keys',
          other: true,
          sourceName: 'run 1/S+1%2.fq',
          targetName: 'v1/Pr\u00f6be +%.fq',
        },
      ])('copies $case with bytes and metadata', async ({ other, sourceName, targetName }) => {
        // Prepare
        const prefix = fresh('copy');
        const targetBucket = other ? subject.otherBucket : bucket;
        const bytes = randomBytes(300 * 1024);
        const metadata = { team: 'lab-a', 'sample-id': 'S1' };
        await storage.put(bucket, prefix + sourceName, bytes, { contentType: 'application/gzip', metadata });

        // Act
        const info = await storage.copy(bucket, prefix + sourceName, targetBucket, prefix + targetName);

        // Assess
        const copied = await storage.getBytes(targetBucket, prefix + targetName);
        expect(md5(copied)).toBe(md5(bytes));
        expect(info).toMatchObject({ bucket: targetBucket, key: prefix + targetName, size: bytes.length, metadata });
        const headed = await storage.head(targetBucket, prefix + targetName);
        expect(headed).toMatchObject({ size: bytes.length, etag: info.etag, metadata });
        expect((await storage.getBytes(bucket, prefix + sourceName)).equals(bytes)).toBe(true);
      });

      it('copies an object onto itself without losing bytes or metadata', async () => {
        // Prepare
        const key = `${fresh('copy-self')}file.txt`;
        await storage.put(bucket, key, 'unchanged', { metadata: { team: 'lab-a' } });

        // Act
        await storage.copy(bucket, key, bucket, key);

        // Assess
        expect((await storage.getBytes(bucket, key)).toString()).toBe('unchanged');
        expect((await storage.head(bucket, key))?.metadata).toEqual({ team: 'lab-a' });
      });

      it('overwrites an existing target', async () => {
        // Prepare
        const prefix = fresh('copy-over');
        await storage.put(bucket, `${prefix}source`, 'new bytes', { metadata: { round: '2' } });
        await storage.put(bucket, `${prefix}target`, 'old bytes, longer', { metadata: { round: '1' } });

        // Act
        await storage.copy(bucket, `${prefix}source`, bucket, `${prefix}target`);

        // Assess
        expect((await storage.getBytes(bucket, `${prefix}target`)).toString()).toBe('new bytes');
        expect(await storage.head(bucket, `${prefix}target`)).toMatchObject({ size: 9, metadata: { round: '2' } });
      });

      it('keeps a copy its own object: the source overwritten or deleted leaves it, and it overwritten leaves the source', async () => {
        // Prepare: a source copied twice
        const prefix = fresh('copy-own');
        await storage.put(bucket, `${prefix}source`, 'first bytes', { metadata: { round: '1' } });
        await storage.copy(bucket, `${prefix}source`, bucket, `${prefix}a`);
        await storage.copy(bucket, `${prefix}source`, bucket, `${prefix}b`);
        // Act
        await storage.put(bucket, `${prefix}source`, 'second bytes', { metadata: { round: '2' } });
        await storage.put(bucket, `${prefix}a`, 'a changed');
        await storage.delete(bucket, `${prefix}source`);
        // Assess
        expect((await storage.getBytes(bucket, `${prefix}a`)).toString()).toBe('a changed');
        expect((await storage.getBytes(bucket, `${prefix}b`)).toString()).toBe('first bytes');
        expect(await storage.head(bucket, `${prefix}b`)).toMatchObject({
          size: 11,
          etag: `"${md5(Buffer.from('first bytes'))}"`,
          metadata: { round: '1' },
        });
        expect(await storage.head(bucket, `${prefix}source`)).toBeUndefined();
      });

      it('throws ObjectNotFoundError when the source is missing, and creates no target', async () => {
        // Prepare
        const prefix = fresh('copy-missing');

        // Act
        const attempt = storage.copy(bucket, `${prefix}missing`, bucket, `${prefix}target`);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(ObjectNotFoundError);
        await expect(attempt).rejects.toMatchObject({ bucket, key: `${prefix}missing` });
        expect(await storage.head(bucket, `${prefix}target`)).toBeUndefined();
      });

      it('throws BucketNotFoundError when the source bucket is missing', async () => {
        // Prepare
        const key = `${fresh('copy-no-source-bucket')}file.txt`;

        // Act
        const attempt = storage.copy(MISSING_BUCKET, key, bucket, key);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(BucketNotFoundError);
        await expect(attempt).rejects.toMatchObject({ bucket: MISSING_BUCKET });
        expect(await storage.head(bucket, key)).toBeUndefined();
      });

      it('throws BucketNotFoundError when the target bucket is missing', async () => {
        // Prepare
        const key = `${fresh('copy-no-bucket')}file.txt`;
        await storage.put(bucket, key, 'x');

        // Act
        const attempt = storage.copy(bucket, key, MISSING_BUCKET, key);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(BucketNotFoundError);
        await expect(attempt).rejects.toMatchObject({ bucket: MISSING_BUCKET });
      });
    });

    describe('Method: delete', () => {
      it('removes the object and nothing else', async () => {
        // Prepare
        const prefix = fresh('delete');
        await storage.put(bucket, `${prefix}deep/folder/doomed.txt`, 'doomed');
        await storage.put(bucket, `${prefix}deep/kept.txt`, 'kept');

        // Act
        await storage.delete(bucket, `${prefix}deep/folder/doomed.txt`);

        // Assess
        expect(await storage.head(bucket, `${prefix}deep/folder/doomed.txt`)).toBeUndefined();
        await expect(storage.get(bucket, `${prefix}deep/folder/doomed.txt`)).rejects.toBeInstanceOf(ObjectNotFoundError);
        expect((await storage.list(bucket, prefix)).map((object) => object.key)).toEqual([`${prefix}deep/kept.txt`]);
      });

      it('accepts deleting a missing key, twice', async () => {
        // Prepare
        const key = `${fresh('delete-missing')}never-stored.txt`;

        // Act
        const attempts = [await storage.delete(bucket, key), await storage.delete(bucket, key)];

        // Assess
        expect(attempts).toEqual([undefined, undefined]);
        expect(await storage.head(bucket, key)).toBeUndefined();
      });

      it('lets a deleted key be stored again', async () => {
        // Prepare
        const key = `${fresh('delete-again')}folder/file.txt`;
        await storage.put(bucket, key, 'first');
        await storage.delete(bucket, key);

        // Act
        await storage.put(bucket, key, 'second');

        // Assess
        expect((await storage.getBytes(bucket, key)).toString()).toBe('second');
      });
    });

    describe('Missing bucket', () => {
      it.each([
        { case: 'put', act: (s: ObjectStorage) => s.put(MISSING_BUCKET, 'file.txt', 'x') },
        { case: 'get', act: (s: ObjectStorage) => s.get(MISSING_BUCKET, 'file.txt') },
        { case: 'getBytes', act: (s: ObjectStorage) => s.getBytes(MISSING_BUCKET, 'file.txt') },
        { case: 'delete', act: (s: ObjectStorage) => s.delete(MISSING_BUCKET, 'file.txt') },
      ])('$case throws BucketNotFoundError', async ({ act }) => {
        // Act
        const attempt = act(storage);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(BucketNotFoundError);
        await expect(attempt).rejects.toMatchObject({ bucket: MISSING_BUCKET });
      });
    });

    describe('Validation', () => {
      it.each(INVALID_KEYS)('refuses $case on every method and stores nothing', async ({ key }) => {
        // Prepare
        const before = (await storage.list(bucket, '')).map((object) => object.key);
        const valid = `${fresh('invalid-source')}file.txt`;
        await storage.put(bucket, valid, 'x');
        const attempts = [
          storage.put(bucket, key, 'should not be stored'),
          storage.get(bucket, key),
          storage.getBytes(bucket, key),
          storage.head(bucket, key),
          storage.delete(bucket, key),
          storage.copy(bucket, valid, bucket, key),
          storage.copy(bucket, key, bucket, `${valid}.copy`),
        ];

        // Act
        const results = await Promise.allSettled(attempts);

        // Assess
        for (const result of results) {
          expect(result.status).toBe('rejected');
          expect((result as PromiseRejectedResult).reason).toBeInstanceOf(InvalidKeyError);
        }
        const after = (await storage.list(bucket, '')).map((object) => object.key);
        expect(after).toEqual([...before, valid].sort(compareKeys));
      });

      it.each([
        { case: 'a traversal', prefix: '../' },
        { case: 'an absolute prefix', prefix: '/incoming/' },
        { case: 'a control character', prefix: 'incoming/\u0000' },
      ])('refuses to list a prefix with $case', async ({ prefix }) => {
        // Act
        const attempt = storage.list(bucket, prefix);

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(InvalidKeyError);
      });

      it.each([
        { case: 'traversal', name: '..' },
        { case: 'a slash', name: 'landing/../results' },
        { case: 'upper case', name: 'Landing' },
        { case: 'a hidden folder name', name: '.meta' },
        { case: 'too short', name: 'ab' },
      ])('refuses a bucket name with $case', async ({ name }) => {
        // Act
        const attempt = storage.put(name, 'file.txt', 'x');

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(InvalidBucketNameError);
      });

      it.each<{ case: string; metadata: Record<string, string> }>([
        { case: 'a space in the name', metadata: { 'sample id': 'S1' } },
        { case: 'a non-ASCII value', metadata: { sample: 'Pr\u00f6be' } },
        { case: 'a newline in the value', metadata: { sample: 'S1\nX-Injected: 1' } },
        { case: 'more than 2 KB', metadata: { big: 'x'.repeat(2100) } },
      ])('refuses user metadata with $case and stores nothing', async ({ metadata }) => {
        // Prepare
        const key = `${fresh('bad-metadata')}file.txt`;

        // Act
        const attempt = storage.put(bucket, key, 'x', { metadata });

        // Assess
        await expect(attempt).rejects.toBeInstanceOf(InvalidMetadataError);
        expect(await storage.head(bucket, key)).toBeUndefined();
      });
    });
  });
}
