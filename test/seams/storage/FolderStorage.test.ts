import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidKeyError, KeyConflictError, StorageError } from '../../../seams/storage/errors.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { describeObjectStorageContract, failingStream, INVALID_KEYS, md5, md5OfStream } from './contract.ts';

describeObjectStorageContract('FolderStorage', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'landfall-folder-contract-'));
  const storage = new FolderStorage(root);
  await storage.createBucket('landing');
  await storage.createBucket('results');
  return { storage, bucket: 'landing', otherBucket: 'results', teardown: () => rm(root, { recursive: true, force: true }) };
});

/** Every file under `dir`, as `/`-separated paths relative to it, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) =>
      path
        .relative(dir, path.join(entry.parentPath ?? entry.path, entry.name))
        .split(path.sep)
        .join('/'),
    )
    .sort();
}

describe('FolderStorage', () => {
  let outer: string;
  let root: string;
  let bucketDir: string;
  let storage: FolderStorage;

  beforeEach(async () => {
    // The state dir sits inside `outer`, so the tests can check that nothing escapes it.
    outer = await mkdtemp(path.join(tmpdir(), 'landfall-folder-'));
    root = path.join(outer, 'state');
    storage = new FolderStorage(root);
    await storage.createBucket('landing');
    bucketDir = storage.bucketPath('landing');
  });

  afterEach(async () => {
    await rm(outer, { recursive: true, force: true });
  });

  describe('Reading', () => {
    it('streams in chunks of the size asked (stage-in asks for megabytes), and of 64 KiB by default', async () => {
      // Prepare
      const bytes = randomBytes(3 * 1024 * 1024 + 17);
      await storage.put('landing', 'runs/big.bin', bytes);
      const chunkSizes = async (options?: { chunkBytes: number }) => {
        const sizes: number[] = [];
        const chunks: Buffer[] = [];
        for await (const chunk of await storage.get('landing', 'runs/big.bin', options)) {
          sizes.push((chunk as Buffer).length);
          chunks.push(chunk as Buffer);
        }
        return { sizes, same: Buffer.concat(chunks).equals(bytes) };
      };

      // Act
      const megabytes = await chunkSizes({ chunkBytes: 1024 * 1024 });
      const byDefault = await chunkSizes();

      // Assess
      expect(megabytes).toEqual({ sizes: [1024 * 1024, 1024 * 1024, 1024 * 1024, 17], same: true });
      expect(byDefault.same).toBe(true);
      expect(Math.max(...byDefault.sizes)).toBe(64 * 1024);
    });
  });

  describe('Browsable layout', () => {
    it('keeps exactly the user files in the bucket folder, at their keys', async () => {
      // Prepare
      const objects = {
        'README.txt': 'read me',
        'incoming/lab-a/run 1/S1_L001_R1_001.fastq.gz': 'reads',
        'incoming/lab-a/run 1/SampleSheet.csv': 'Sample_ID\nS1\n',
      };

      // Act
      for (const [key, body] of Object.entries(objects)) {
        await storage.put('landing', key, body, { contentType: 'text/plain', metadata: { team: 'lab-a' } });
      }

      // Assess
      expect(bucketDir).toBe(path.join(root, 'landing'));
      expect(await filesUnder(bucketDir)).toEqual(Object.keys(objects).sort());
      for (const [key, body] of Object.entries(objects)) {
        expect(await readFile(path.join(bucketDir, ...key.split('/')), 'utf8')).toBe(body);
      }
      // Sidecars and temp files live in hidden siblings of the buckets.
      expect((await readdir(root)).sort()).toEqual(['.meta', '.tmp', 'landing']);
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    });

    it('removes folders a delete empties, but never the bucket folder', async () => {
      // Prepare
      await storage.put('landing', 'incoming/lab-a/run1/file.txt', 'x');
      await storage.put('landing', 'incoming/kept.txt', 'y');

      // Act
      await storage.delete('landing', 'incoming/lab-a/run1/file.txt');
      await storage.delete('landing', 'incoming/kept.txt');

      // Assess
      expect(await readdir(bucketDir)).toEqual([]);
    });

    it('deletes the keys of one folder all at once, the last removing the folder, without an error', async () => {
      // Prepare: rounds of a folder of two files, deleted together (publishing removes a step's staged outputs
      // 8 at a time; two make the race most often: 2 runs in 3 failed before the fix)
      const outcomes: string[] = [];
      for (let round = 0; round < 60; round++) {
        const keys = Array.from({ length: 2 }, (_, i) => `publishing/exec-${round}/qc/out-${i}.json`);
        for (const key of keys) await storage.put('landing', key, key);
        // Act
        const settled = await Promise.allSettled(keys.map((key) => storage.delete('landing', key)));
        outcomes.push(...settled.map((result) => (result.status === 'fulfilled' ? 'deleted' : String(result.reason))));
      }
      // Assess: every delete succeeded (a delete syncing a folder another delete had just removed failed with ENOENT)
      expect(outcomes.filter((outcome) => outcome !== 'deleted')).toEqual([]);
      expect(await readdir(bucketDir)).toEqual([]);
    });

    it('lists, heads and reads files a person put into the folder, with an ETag computed from the bytes', async () => {
      // Prepare
      await mkdir(path.join(bucketDir, 'by-hand'), { recursive: true });
      await writeFile(path.join(bucketDir, 'by-hand', 'notes.txt'), 'dropped in');

      // Act
      const headed = await storage.head('landing', 'by-hand/notes.txt');
      const listed = await storage.list('landing', 'by-hand/');

      // Assess
      const etag = `"${md5(Buffer.from('dropped in'))}"`;
      expect(headed).toMatchObject({ size: 10, etag, metadata: {} });
      expect(headed?.versionId).toBeUndefined();
      expect(listed.map((object) => [object.key, object.etag])).toEqual([['by-hand/notes.txt', etag]]);
      expect((await storage.getBytes('landing', 'by-hand/notes.txt')).toString()).toBe('dropped in');
    });

    it('does not give a file replaced by hand the metadata of the file it replaced', async () => {
      // Prepare
      await storage.put('landing', 'replaced.txt', 'stored by Landfall', { metadata: { team: 'lab-a' } });

      // Act
      await writeFile(path.join(bucketDir, 'replaced.txt'), 'edited by a person');

      // Assess
      const headed = await storage.head('landing', 'replaced.txt');
      expect(headed).toMatchObject({ etag: `"${md5(Buffer.from('edited by a person'))}"`, metadata: {} });
      expect(headed?.versionId).toBeUndefined();
    });
  });

  describe('Containment', () => {
    it.each(INVALID_KEYS)('never touches the disk for $case', async ({ key }) => {
      // Prepare
      await writeFile(path.join(outer, 'outside.txt'), 'secret');
      await writeFile(path.join(outer, 'passwd'), 'secret');

      // Act
      const attempt = storage.put('landing', key, 'overwritten');

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(InvalidKeyError);
      expect(await filesUnder(outer)).toEqual(['outside.txt', 'passwd']);
      expect(await readFile(path.join(outer, 'outside.txt'), 'utf8')).toBe('secret');
    });

    it('refuses to follow a symbolic link out of the bucket folder', async () => {
      // Prepare
      await mkdir(path.join(outer, 'elsewhere'));
      await writeFile(path.join(outer, 'elsewhere', 'secret.txt'), 'secret');
      await symlink(path.join(outer, 'elsewhere'), path.join(bucketDir, 'link'));

      // Act
      const reads = await Promise.allSettled([
        storage.getBytes('landing', 'link/secret.txt'),
        storage.head('landing', 'link/secret.txt'),
        storage.list('landing', 'link/'),
        storage.list('landing', 'link/sec'),
      ]);
      const write = storage.put('landing', 'link/planted.txt', 'planted');

      // Assess
      for (const read of reads) {
        expect(read.status).toBe('rejected');
        expect((read as PromiseRejectedResult).reason).toBeInstanceOf(StorageError);
      }
      await expect(write).rejects.toThrow(/outside the bucket folder/);
      expect(await readdir(path.join(outer, 'elsewhere'))).toEqual(['secret.txt']);
      expect(await storage.list('landing', '')).toEqual([]);
    });
  });

  describe('Atomic writes', () => {
    it('leaves no partial object and the old version intact when a write crashes midway', async () => {
      // Prepare
      const original = randomBytes(64 * 1024);
      const stored = await storage.put('landing', 'run1/S1_R1.fastq.gz', original, { metadata: { version: '1' } });

      // Act
      const attempt = storage.put('landing', 'run1/S1_R1.fastq.gz', failingStream(1024 * 1024), { metadata: { version: '2' } });

      // Assess
      await expect(attempt).rejects.toThrow('writer crashed mid-upload');
      expect(await filesUnder(bucketDir)).toEqual(['run1/S1_R1.fastq.gz']);
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
      expect((await readFile(path.join(bucketDir, 'run1', 'S1_R1.fastq.gz'))).equals(original)).toBe(true);
      expect(await storage.head('landing', 'run1/S1_R1.fastq.gz')).toEqual(
        expect.objectContaining({ etag: stored.etag, versionId: stored.versionId, metadata: { version: '1' } }),
      );
    });

    it('serves a reader the version it opened while a new one is written', async () => {
      // Prepare
      const first = randomBytes(3 * 1024 * 1024);
      await storage.put('landing', 'snapshot.bin', first);
      const reader = await storage.get('landing', 'snapshot.bin');

      // Act
      await storage.put('landing', 'snapshot.bin', randomBytes(1024));
      const read = await md5OfStream(reader);

      // Assess
      expect(read).toEqual({ md5: md5(first), size: first.length });
    });

    it('leaves one complete version with its own metadata after concurrent writes to one key', async () => {
      // Prepare: equal sizes, so the writers reach their commit at nearly the same moment.
      const bodies = Array.from({ length: 40 }, (_, index) => `version ${String(index).padStart(2, '0')} `.repeat(100));

      for (let round = 0; round < 3; round += 1) {
        // Act
        await Promise.all(
          bodies.map((body, index) => storage.put('landing', 'contended.txt', body, { metadata: { index: String(index) } })),
        );

        // Assess
        const bytes = await storage.getBytes('landing', 'contended.txt');
        const headed = await storage.head('landing', 'contended.txt');
        expect(bodies).toContain(bytes.toString());
        expect(headed?.etag).toBe(`"${createHash('md5').update(bytes).digest('hex')}"`);
        expect(bodies[Number(headed?.metadata.index)]).toBe(bytes.toString());
        expect(headed?.versionId).toBeDefined();
      }
    });

    it('removes what writers that died left: their temporary files and empty folders, and nothing else', async () => {
      // Prepare: a process that has exited (its pid is free) left a half-written object and a folder it made for
      // an object it never renamed into place; this process has a write in progress; a real object stays
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
      await mkdir(path.join(root, '.tmp'), { recursive: true });
      await writeFile(path.join(root, '.tmp', `${dead}-0123456789abcdef.part`), 'half of an object');
      await writeFile(path.join(root, '.tmp', `${process.pid}-fedcba9876543210.part`), 'being written');
      await mkdir(path.join(bucketDir, 'publishing', 'exec-1', 'qc'), { recursive: true });
      await storage.put('landing', 'publishing/exec-2/qc/qc.json', '{}');
      // Act
      const removed = await storage.removeAbandonedWrites();
      // Assess
      expect(removed.sort()).toEqual(
        [`.tmp/${dead}-0123456789abcdef.part`, 'landing/publishing/exec-1', 'landing/publishing/exec-1/qc'].sort(),
      );
      expect(await readdir(path.join(root, '.tmp'))).toEqual([`${process.pid}-fedcba9876543210.part`]);
      expect(await filesUnder(bucketDir)).toEqual(['publishing/exec-2/qc/qc.json']);
    });

    it('gives every write a new, increasing versionId', async () => {
      // Act
      const versions: string[] = [];
      for (let round = 0; round < 5; round += 1) {
        versions.push((await storage.put('landing', 'versioned.txt', `round ${round}`)).versionId ?? '');
      }

      // Assess
      expect(new Set(versions).size).toBe(5);
      expect([...versions].sort()).toEqual(versions);
    });
  });

  describe('Copies', () => {
    it("links a stored file under the copy's key: no second copy of the bytes, the copy dated when it was made", async () => {
      // Prepare
      await storage.createBucket('results');
      const source = await storage.put('landing', 'work/S1.bam', 'aligned reads', { metadata: { 'landfall-md5': 'x' } });
      const before = Date.now();
      // Act
      const copy = await storage.copy('landing', 'work/S1.bam', 'results', 'teams/t/S1.bam');
      // Assess: one file, two names; the copy's figures are its source's, its time its own
      const sourceFile = path.join(bucketDir, 'work', 'S1.bam');
      const copyFile = path.join(storage.bucketPath('results'), 'teams', 't', 'S1.bam');
      const [a, b] = await Promise.all([stat(sourceFile), stat(copyFile)]);
      expect(b.ino).toBe(a.ino);
      expect(b.nlink).toBe(2); // no temporary name left behind
      expect(copy).toMatchObject({ etag: source.etag, size: source.size, linkedToSource: true });
      expect(copy.lastModified.getTime()).toBeGreaterThanOrEqual(before);
      const head = await storage.head('results', 'teams/t/S1.bam');
      expect(head).toMatchObject({ etag: source.etag, metadata: { 'landfall-md5': 'x' } });
      expect(head!.lastModified.getTime()).toBe(copy.lastModified.getTime());
      expect((await storage.list('results', 'teams/'))[0]!.lastModified.getTime()).toBe(copy.lastModified.getTime());
      // …and the source is still dated by its own write
      expect((await storage.head('landing', 'work/S1.bam'))!.lastModified.getTime()).toBe(a.mtime.getTime());
    });

    it('copies the bytes of a file a person put into the folder (no record of its ETag), and links nothing', async () => {
      // Prepare
      await writeFile(path.join(bucketDir, 'by-hand.txt'), 'typed in');
      // Act
      const copy = await storage.copy('landing', 'by-hand.txt', 'landing', 'copied.txt');
      // Assess
      const [a, b] = await Promise.all([stat(path.join(bucketDir, 'by-hand.txt')), stat(path.join(bucketDir, 'copied.txt'))]);
      expect(b.ino).not.toBe(a.ino);
      expect(copy.linkedToSource).toBeUndefined();
      expect(copy.etag).toBe(`"${md5(Buffer.from('typed in'))}"`);
    });

    it('leaves one name per key when the same source is copied to the same key again (a retried publish)', async () => {
      // Prepare
      await storage.put('landing', 'source.txt', 'bytes');
      await storage.copy('landing', 'source.txt', 'landing', 'target.txt');
      // Act
      await storage.copy('landing', 'source.txt', 'landing', 'target.txt');
      await storage.delete('landing', 'source.txt');
      // Assess: the target alone holds the file, no temporary name keeps it alive
      expect((await stat(path.join(bucketDir, 'target.txt'))).nlink).toBe(1);
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
      expect((await storage.getBytes('landing', 'target.txt')).toString()).toBe('bytes');
    });
  });

  describe('Key conflicts', () => {
    it.each([
      { case: 'a folder is needed where a file is', first: 'sample', second: 'sample/reads.fq' },
      { case: 'a file is needed where a folder is', first: 'sample/reads.fq', second: 'sample' },
    ])('throws KeyConflictError when $case, keeping the first object', async ({ first, second }) => {
      // Prepare
      await storage.put('landing', first, 'first');

      // Act
      const attempt = storage.put('landing', second, 'second');

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(KeyConflictError);
      expect((await storage.getBytes('landing', first)).toString()).toBe('first');
      expect(await storage.head('landing', second)).toBeUndefined();
      expect(await readdir(path.join(root, '.tmp'))).toEqual([]);
    });
  });
});
