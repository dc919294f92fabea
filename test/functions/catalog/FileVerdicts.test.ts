import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStorage } from '../../../seams/storage/FolderStorage.ts';
import { fileVerdictOf } from '../../../validation/fileVerdict.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

describe('FileVerdicts (against the local DynamoDB-compatible server)', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let root: string;
  let storage: FolderStorage;
  beforeAll(async () => {
    test = await startTestCatalog();
    root = await mkdtemp(join(tmpdir(), 'landfall-verdicts-'));
    storage = new FolderStorage(root);
    await storage.createBucket('landing');
  });
  afterAll(async () => {
    await test.stop();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps a verdict for its exact identity only; the first verdict for an identity stands', async () => {
    // Prepare
    const key = 'incoming/team-a/run1/S1_L001_R1_001.fastq.gz';
    const info = await storage.put('landing', key, gz(reads(12)));
    const identity = { name: 'S1_L001_R1_001.fastq.gz', bucket: 'landing', key, size: info.size, etag: info.etag };
    const verdict = await fileVerdictOf(storage, identity);
    // Act
    const first = await test.catalog.fileVerdicts.record(verdict);
    const again = await test.catalog.fileVerdicts.record({ ...verdict, validatedAt: 'later' });
    // Assess
    expect([first, again]).toEqual([true, false]);
    expect(await test.catalog.fileVerdicts.get(identity)).toEqual(verdict);
    expect(await test.catalog.fileVerdicts.get({ ...identity, etag: 'other' })).toBeUndefined();
    expect(await test.catalog.fileVerdicts.get({ ...identity, size: identity.size + 1 })).toBeUndefined();
    expect(await test.catalog.fileVerdicts.get({ ...identity, versionId: 'v2' })).toBeUndefined();
  });

  it("gives a new version with the same ETag and size the earlier version's verdict, and none to other bytes", async () => {
    // Prepare: version v1 of a key validated; a new PUT of the same bytes (v2) and of other bytes of the same size (v3)
    const key = 'incoming/team-a/run2/S1_L001_R2_001.fastq.gz';
    const info = await storage.put('landing', key, gz(reads(12, { mate: 2 })));
    const v1 = { name: 'S1_L001_R2_001.fastq.gz', bucket: 'landing', key, size: info.size, etag: info.etag, versionId: 'v1' };
    const verdict = await fileVerdictOf(storage, v1);
    await test.catalog.fileVerdicts.record(verdict);
    // Act
    const same = await test.catalog.fileVerdicts.get({ ...v1, versionId: 'v2' });
    const other = await test.catalog.fileVerdicts.get({ ...v1, versionId: 'v3', etag: '"0123456789abcdef0123456789abcdef"' });
    // Assess: the same inspection, under the new identity; nothing for other bytes
    expect(same).toEqual({ ...verdict, versionId: 'v2' });
    expect(other).toBeUndefined();
  });

  it("finds a new version's own verdict, an earlier version's, or none in one catalog request each", async () => {
    // Prepare: version v1 of a key validated and recorded; every request the catalog's client sends is counted
    const key = 'incoming/team-a/run3/S2_L001_R1_001.fastq.gz';
    const info = await storage.put('landing', key, gz(reads(8)));
    const v1 = { name: 'S2_L001_R1_001.fastq.gz', bucket: 'landing', key, size: info.size, etag: info.etag, versionId: 'v1' };
    const verdict = await fileVerdictOf(storage, v1);
    await test.catalog.fileVerdicts.record(verdict);
    const sent: string[] = [];
    test.catalog.client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(context.commandName ?? '?');
        return next(args);
      },
      { step: 'initialize', name: 'countFindRequests' },
    );
    // Act
    const own = await test.catalog.fileVerdicts.find(v1);
    const earlier = await test.catalog.fileVerdicts.find({ ...v1, versionId: 'v2' });
    const none = await test.catalog.fileVerdicts.find({ ...v1, versionId: 'v3', etag: '"00000000000000000000000000000000"' });
    test.catalog.client.middlewareStack.remove('countFindRequests');
    // Assess
    expect(own).toEqual({ verdict, earlierVersion: false });
    expect(earlier).toEqual({ verdict: { ...verdict, versionId: 'v2' }, earlierVersion: true });
    expect(none).toBeUndefined();
    expect(sent).toEqual(['QueryCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('reads the verdicts of many files together, each as get would: exact, same bytes re-keyed, or none', async () => {
    // Prepare: 120 recorded verdicts (more than one BatchGetItem takes), one re-landed with the same bytes, one never validated
    const recorded = [];
    for (let i = 0; i < 120; i++) {
      const key = `incoming/team-a/run3/S${i}_L001_R1_001.fastq.gz`;
      const info = await storage.put('landing', key, gz(reads(2 + (i % 3))));
      const identity = { name: `S${i}_L001_R1_001.fastq.gz`, bucket: 'landing', key, size: info.size, etag: info.etag, versionId: 'v1' };
      const verdict = await fileVerdictOf(storage, identity);
      await test.catalog.fileVerdicts.record(verdict);
      recorded.push({ identity, verdict });
    }
    const relanded = { ...recorded[7]!.identity, versionId: 'v2' };
    const never = { ...recorded[8]!.identity, key: 'incoming/team-a/run3/never.fastq.gz', versionId: 'v1' };
    const files = [...recorded.map(({ identity }) => identity), relanded, never];
    // Act
    const verdicts = await test.catalog.fileVerdicts.getMany(files);
    // Assess: in the files' order, the same answers one get each would give
    expect(verdicts).toEqual(await Promise.all(files.map((file) => test.catalog.fileVerdicts.get(file))));
    expect(verdicts.slice(0, 120)).toEqual(recorded.map(({ verdict }) => verdict));
    expect(verdicts[120]).toEqual({ ...recorded[7]!.verdict, versionId: 'v2' });
    expect(verdicts[121]).toBeUndefined();
  });
});
