/**
 * The embedded runtime's file-pass pool: real worker threads (run from the TypeScript sources through tsx
 * here; from dist/ in the compiled runtime) read real folder storage and answer exactly what the pass in
 * this thread answers. More files than threads wait their turn; a missing object fails its request only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilePassPool, filePassThreads } from '../../../runtime/validation/FilePassPool.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { fileVerdictOf } from '../../../validation/fileVerdict.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

describe('FilePassPool', () => {
  let root: string;
  let storage: FolderStorage;
  let pool: FilePassPool;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'landfall-file-pass-'));
    storage = new FolderStorage(root);
    await storage.createBucket('landing');
    pool = new FilePassPool(root, 2);
  });
  afterAll(async () => {
    await pool.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers each file as the pass in this thread does, five files on two threads', async () => {
    // Prepare
    const files = [];
    for (let i = 0; i < 5; i++) {
      const name = `S${i}_S1_L001_R1_001.fastq.gz`;
      const info = await storage.put('landing', `incoming/t/run/${name}`, gz(reads(40 + i, { mate: 1 })));
      files.push({ name, bucket: 'landing', key: info.key, size: info.size, etag: info.etag, versionId: info.versionId });
    }
    // Act
    expect(pool.idle).toBe(true);
    const passing = Promise.all(files.map((file) => pool.pass(file, { legacyNoCalls: false })));
    const idleWhilePassing = pool.idle;
    const pooled = await passing;
    // Assess: not idle while passes run or wait, idle once all answered
    expect(idleWhilePassing).toBe(false);
    expect(pool.idle).toBe(true);
    for (const [index, file] of files.entries()) {
      const here = await fileVerdictOf(storage, file, { legacyNoCalls: false });
      expect({ ...pooled[index], validatedAt: 'x' }).toEqual({ ...here, validatedAt: 'x' });
      expect(pooled[index]!.inspection.reads).toBe(40 + index);
    }
  }, 60_000);

  it("fails the request for a missing object with the storage error's name and message, and goes on", async () => {
    // Prepare
    const missing = { name: 'gone.fastq.gz', bucket: 'landing', key: 'incoming/t/run/gone.fastq.gz', size: 1, etag: '"x"' };
    const info = await storage.put('landing', 'incoming/t/run/ok.fastq.gz', gz(reads(3)));
    // Act
    const failed = pool.pass(missing, {}).catch((error: Error) => error);
    const after = await pool.pass({ name: 'ok.fastq.gz', bucket: 'landing', key: info.key, size: info.size, etag: info.etag }, {});
    // Assess
    expect(await failed).toMatchObject({ name: 'ObjectNotFoundError', message: expect.stringContaining('gone.fastq.gz') });
    expect(after.inspection.reads).toBe(3);
  }, 60_000);

  it('shares a pass of the same bytes already waiting or running, and passes them again once it answered', async () => {
    // Prepare: a file's own pass and its sample's conclusion ask for the same file at once
    const info = await storage.put('landing', 'incoming/t/run/twice.fastq.gz', gz(reads(25, { mate: 1 })));
    const file = { name: 'twice.fastq.gz', bucket: 'landing', key: info.key, size: info.size, etag: info.etag, versionId: info.versionId };
    const options = { sha256: true, legacyNoCalls: false };
    // Act
    const first = pool.pass(file, options);
    const second = pool.pass({ ...file }, { ...options });
    const otherOptions = pool.pass(file, { legacyNoCalls: false });
    const verdicts = await Promise.all([first, second, otherOptions]);
    const later = pool.pass(file, options);
    // Assess: one pass for the two identical requests; other options and later requests are passes of their own
    expect(second).toBe(first);
    expect(otherOptions).not.toBe(first);
    expect(later).not.toBe(first);
    expect((await later).inspection.reads).toBe(25);
    expect(verdicts.map((verdict) => verdict.inspection.reads)).toEqual([25, 25, 25]);
  }, 60_000);

  it('sizes the pool from the cores (one thread each, at most 8) unless LANDFALL_FILE_PASS_THREADS says', () => {
    expect([filePassThreads(1, {}), filePassThreads(2, {}), filePassThreads(4, {}), filePassThreads(64, {})]).toEqual([1, 2, 4, 8]);
    expect(filePassThreads(2, { LANDFALL_FILE_PASS_THREADS: '1' })).toBe(1);
    expect(filePassThreads(2, { LANDFALL_FILE_PASS_THREADS: 'many' })).toBe(2);
  });
});
