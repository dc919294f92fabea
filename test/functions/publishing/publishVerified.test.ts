/**
 * Publishing on the folder storage: each output's bytes are hashed once, against the MD5 its job recorded; the
 * staging and team copies are that very file under new keys (FolderStorage.copy links), so reading them back would
 * only hash the same bytes again. A copy that is not the source's file is still read back and verified.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTPUT_MD5_METADATA } from '../../../contracts/workArea.ts';
import { publishVerified, type PublishPlan } from '../../../functions/publishing/publishVerified.ts';
import { VerificationError } from '../../../functions/publishing/verifiedCopy.ts';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import type { ObjectStorage } from '../../../seams/storage/ObjectStorage.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** The storage, counting the reads of each key's bytes (a collaborator seam: the storage itself is real). */
function countingReads(
  inner: FolderStorage,
  overrides: Partial<ObjectStorage> = {},
): { storage: ObjectStorage; reads: Map<string, number> } {
  const reads = new Map<string, number>();
  const storage: ObjectStorage = {
    put: inner.put.bind(inner),
    get: async (bucket, key, options) => {
      reads.set(key, (reads.get(key) ?? 0) + 1);
      return inner.get(bucket, key, options);
    },
    getBytes: inner.getBytes.bind(inner),
    head: inner.head.bind(inner),
    list: inner.list.bind(inner),
    delete: inner.delete.bind(inner),
    copy: inner.copy.bind(inner),
    ...overrides,
  };
  return { storage, reads };
}

describe('publishVerified on the folder storage', () => {
  let root: string;
  let folders: FolderStorage;
  const plan: PublishPlan = {
    work: { bucket: 'results', prefix: 'work/exec-1/align/attempt-1/' },
    bucket: 'results',
    stagingKey: (relative) => `publishing/exec-1/align/${relative}`,
    publishedKey: (relative) => `teams/genomics/runs/R1/samples/S1/v1/align/${relative}`,
  };
  const outputs = { 'S1.bam': 'aligned reads', 'S1.bam.bai': 'its index' };

  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'landfall-publish-'));
    folders = new FolderStorage(root);
    await folders.createBucket('results');
    for (const [name, body] of Object.entries(outputs))
      await folders.put('results', `${plan.work.prefix}${name}`, body, { metadata: { [OUTPUT_MD5_METADATA]: md5(body) } });
  });
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('hashes each output once and publishes the very file the job stored, leaving no staged copy', async () => {
    // Prepare
    const { storage, reads } = countingReads(folders);
    // Act
    const published = await publishVerified(storage, plan);
    // Assess
    expect(published.map(({ key, md5: sum }) => [key.split('/').pop(), sum])).toEqual(
      Object.entries(outputs).map(([name, body]) => [name, md5(body)]),
    );
    expect(Object.fromEntries(reads)).toEqual(Object.fromEntries(Object.keys(outputs).map((name) => [`${plan.work.prefix}${name}`, 1])));
    for (const name of Object.keys(outputs)) {
      expect((await folders.getBytes('results', plan.publishedKey(name))).toString()).toBe(outputs[name as keyof typeof outputs]);
      const [work, team] = await Promise.all([
        stat(path.join(folders.bucketPath('results'), ...`${plan.work.prefix}${name}`.split('/'))),
        stat(path.join(folders.bucketPath('results'), ...plan.publishedKey(name).split('/'))),
      ]);
      expect(team.ino).toBe(work.ino);
    }
    expect(await folders.list('results', 'publishing/')).toEqual([]);
  });

  it('reads back a copy that is not the source file, and refuses one that differs from it', async () => {
    // Prepare: a storage whose copies to the team prefix are written anew, one of them wrong
    const { storage, reads } = countingReads(folders, {
      copy: async (sourceBucket, sourceKey, bucket, key) => {
        if (!key.startsWith('teams/')) return folders.copy(sourceBucket, sourceKey, bucket, key);
        const bytes = await folders.getBytes(sourceBucket, sourceKey);
        return folders.put(bucket, key, key.endsWith('.bai') ? 'not its index' : bytes);
      },
    });
    // Act
    const publishing = publishVerified(storage, plan);
    // Assess: the index's copy was read back and refused, and nothing stays under the team prefix
    await expect(publishing).rejects.toThrow(VerificationError);
    await expect(publishing).rejects.toThrow(/S1\.bam\.bai \(MD5 [0-9a-f]{32}, 13 bytes\) differs from its source/);
    expect(reads.get(plan.publishedKey('S1.bam.bai'))).toBe(1);
    expect(await folders.list('results', 'teams/')).toEqual([]);
  });
});
