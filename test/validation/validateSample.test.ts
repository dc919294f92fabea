import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LandedFile } from '../../functions/catalog/types.ts';
import { type FileVerdict, fileVerdictOf, verdictFits } from '../../validation/fileVerdict.ts';
import { fastqPassCount } from '../../validation/inspectFastq.ts';
import { pairedByFingerprint } from '../../validation/MateNamesDigest.ts';
import { validateSample, versionHashOf } from '../../validation/validateSample.ts';
import { ObjectNotFoundError } from '../../seams/storage/errors.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { startTestCatalog } from '../support/catalogServer.ts';
import { gz, illuminaName, reads } from './fastqFixtures.ts';

const BUCKET = 'landing';
let root: string;
let storage: FolderStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'landfall-validate-sample-'));
  storage = new FolderStorage(root);
  await storage.createBucket(BUCKET);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let runNumber = 0;
/** Stores `files` under a fresh run folder of the landing bucket, as the land function records them. */
async function land(files: Record<string, Buffer>): Promise<LandedFile[]> {
  const run = `RUN${++runNumber}`;
  const landed: LandedFile[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    const info = await storage.put(BUCKET, `incoming/lab-a/${run}/${name}`, bytes);
    landed.push({ name, bucket: BUCKET, key: info.key, size: info.size, etag: info.etag, landedAt: new Date().toISOString() });
  }
  return landed;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe("validateSample (the landing function's one-pass validation)", () => {
  it('catalogs MD5, lane and read, and the read statistics of every file of a lane-split pair', async () => {
    // Prepare
    const files = {
      'A_S1_L001_R1_001.fastq.gz': gz(reads(4, { mate: 1 })),
      'A_S1_L001_R2_001.fastq.gz': gz(reads(4, { mate: 2 })),
      'A_S1_L002_R1_001.fastq.gz': gz(reads(6, { mate: 1, from: 50, length: 30 })),
      'A_S1_L002_R2_001.fastq.gz': gz(reads(6, { mate: 2, from: 50, length: 30 })),
    };
    const landed = await land(files);

    // Act
    const result = await validateSample({ storage }, landed);

    // Assess
    expect(result.reasons).toEqual([]);
    expect(result.files.map(({ name, lane, read, reads: count, md5: sum }) => ({ name, lane, read, reads: count, md5: sum }))).toEqual([
      { name: 'A_S1_L001_R1_001.fastq.gz', lane: 1, read: 'R1', reads: 4, md5: md5(files['A_S1_L001_R1_001.fastq.gz']) },
      { name: 'A_S1_L001_R2_001.fastq.gz', lane: 1, read: 'R2', reads: 4, md5: md5(files['A_S1_L001_R2_001.fastq.gz']) },
      { name: 'A_S1_L002_R1_001.fastq.gz', lane: 2, read: 'R1', reads: 6, md5: md5(files['A_S1_L002_R1_001.fastq.gz']) },
      { name: 'A_S1_L002_R2_001.fastq.gz', lane: 2, read: 'R2', reads: 6, md5: md5(files['A_S1_L002_R2_001.fastq.gz']) },
    ]);
    // Qualities 'FFFF:,#?IFFFF:,#?IFF': 10×F(37) + 2×(':'25 + ','11 + '#'2 + '?'30 + 'I'40) = 586 over 20 → 29.3; Q≥30: 14 of 20.
    expect(result.files[0]!.stats).toEqual({
      reads: 4,
      bases: 80,
      minLength: 20,
      meanLength: 20,
      maxLength: 20,
      gcPercent: 50,
      meanQuality: 29.3,
      q30Percent: 70,
    });
    expect(result.files[2]!.stats).toMatchObject({ reads: 6, bases: 180, minLength: 30, maxLength: 30 });
    expect(result.versionHash).toBe(versionHashOf(result.files));
  });

  it('stores the statistics on each version file in the catalog (local DynamoDB-compatible server)', async () => {
    // Prepare
    const landed = await land({
      'G_S7_L001_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
      'G_S7_L001_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
    });
    const test = await startTestCatalog();
    try {
      const ref = { team: 'lab-a', runId: `RUN${runNumber}`, sampleId: 'G' };
      const result = await validateSample({ storage }, landed);

      // Act
      const { version } = await test.catalog.samples.claimVersion(ref, result.versionHash, result.files, 'READY');
      const stored = await test.catalog.samples.getVersion({ ...ref, version: version.version });

      // Assess
      expect(stored!.files.map((file) => file.stats)).toEqual([
        { reads: 3, bases: 60, minLength: 20, meanLength: 20, maxLength: 20, gcPercent: 50, meanQuality: 29.3, q30Percent: 70 },
        { reads: 3, bases: 60, minLength: 20, meanLength: 20, maxLength: 20, gcPercent: 50, meanQuality: 29.3, q30Percent: 70 },
      ]);
      // Eight numbers per file: even a 32-file sample adds a few KB to an item capped at 400 KB.
      expect(JSON.stringify(stored!.files[0]!.stats).length).toBeLessThan(200);
    } finally {
      await test.stop();
    }
  });

  it('compares each file with the run manifest: MD5, SHA-256 when listed, and size (NUL padding)', async () => {
    // Prepare
    const r1 = gz(reads(3, { mate: 1 }));
    const r2 = gz(reads(3, { mate: 2 }));
    const padded = Buffer.concat([r2, Buffer.alloc(16)]);
    const landed = await land({ 'B_S2_L001_R1_001.fastq.gz': r1, 'B_S2_L001_R2_001.fastq.gz': padded });
    const manifest = {
      source: 'manifest.json',
      entries: [
        { name: 'B_S2_L001_R1_001.fastq.gz', md5: md5(r1), sha256: '0'.repeat(64), size: r1.length },
        { name: 'B_S2_L001_R2_001.fastq.gz', md5: md5(r2), size: r2.length },
      ],
    };

    // Act
    const result = await validateSample({ storage }, landed, { manifest });

    // Assess
    expect(result.reasons).toEqual([
      expect.objectContaining({
        file: 'B_S2_L001_R1_001.fastq.gz',
        expected: `SHA-256 ${'0'.repeat(64)} (manifest.json)`,
        found: `SHA-256 ${sha256(r1)}`,
      }),
      expect.objectContaining({ file: 'B_S2_L001_R2_001.fastq.gz', found: '16 NUL bytes of padding' }),
      expect.objectContaining({
        file: 'B_S2_L001_R2_001.fastq.gz',
        expected: `${r2.length} bytes (manifest.json)`,
        found: `${padded.length} bytes`,
      }),
      expect.objectContaining({
        file: 'B_S2_L001_R2_001.fastq.gz',
        expected: `MD5 ${md5(r2)} (manifest.json)`,
        found: `MD5 ${md5(padded)}`,
      }),
    ]);
  });

  it('reports a read-name mismatch at record k and the read-count mismatch', async () => {
    // Prepare: R2 carries another read's name at record 3 and one record less.
    const landed = await land({
      'C_S3_L001_R1_001.fastq.gz': gz(reads(5, { mate: 1 })),
      'C_S3_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2 }) + reads(2, { mate: 2, from: 10 })),
    });

    // Act
    const result = await validateSample({ storage }, landed);

    // Assess
    expect(result.reasons).toEqual([
      expect.objectContaining({
        file: 'C_S3_L001_R2_001.fastq.gz',
        record: 3,
        line: 9,
        expected: `read name ${JSON.stringify(illuminaName(2).split(' ')[0])} (record 3 of C_S3_L001_R1_001.fastq.gz)`,
        found: JSON.stringify(illuminaName(10).split(' ')[0]),
      }),
      expect.objectContaining({
        file: 'C_S3_L001_R2_001.fastq.gz',
        record: 5,
        expected: '5 reads, as many as C_S3_L001_R1_001.fastq.gz',
        found: '4',
      }),
    ]);
  });

  it('reports a missing mate when another lane of the sample is paired', async () => {
    // Prepare
    const landed = await land({
      'D_S4_L001_R1_001.fastq.gz': gz(reads(2, { mate: 1 })),
      'D_S4_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2 })),
      'D_S4_L002_R1_001.fastq.gz': gz(reads(2, { mate: 1 })),
    });

    // Act
    const result = await validateSample({ storage }, landed);

    // Assess
    expect(result.reasons).toEqual([
      expect.objectContaining({
        file: 'D_S4_L002_R1_001.fastq.gz',
        expected: 'its mate D_S4_L002_R2_001.fastq.gz',
        found: 'no such file in the sample',
      }),
    ]);
  });

  it('reports a stored object that changed size since it landed', async () => {
    // Prepare
    const [file] = await land({ 'E_S5_L001_R1_001.fastq.gz': gz(reads(2)) });

    // Act
    const result = await validateSample({ storage }, [{ ...file!, size: file!.size + 1 }]);

    // Assess
    expect(result.reasons).toEqual([
      expect.objectContaining({
        file: 'E_S5_L001_R1_001.fastq.gz',
        expected: `${file!.size + 1} bytes (the size recorded when the file landed)`,
        found: `${file!.size} bytes`,
      }),
    ]);
  });

  it('throws an I/O error, not a verdict, when a landed object is gone', async () => {
    // Prepare
    const [file] = await land({ 'F_S6_L001_R1_001.fastq.gz': gz(reads(2)) });
    await storage.delete(BUCKET, file!.key);

    // Act / Assess: the handler fails and is retried; a vanished object is no verdict on the data.
    await expect(validateSample({ storage }, [file!])).rejects.toThrow(ObjectNotFoundError);
  });
});

/** Per-file verdicts (validation/fileVerdict.ts) combined by validateSample; passes counted by the validator itself. */
async function verdictsOf(landed: LandedFile[]): Promise<Map<string, FileVerdict>> {
  const verdicts = new Map<string, FileVerdict>();
  for (const file of landed) verdicts.set(file.name, await fileVerdictOf(storage, file));
  return verdicts;
}

describe('validateSample from per-file verdicts (the same result, no file read twice, no verdict for other bytes)', () => {
  it('fingerprints two good mates alike, so their sample concludes from the verdicts without reading a file', async () => {
    // Prepare
    const landed = await land({
      'A_S1_L001_R1_001.fastq.gz': gz(reads(30, { mate: 1 })),
      'A_S1_L001_R2_001.fastq.gz': gz(reads(30, { mate: 2 })),
    });
    const verdicts = await verdictsOf(landed);
    const whole = await validateSample({ storage }, landed);
    const passesBefore = fastqPassCount();
    // Act
    const combined = await validateSample({ storage }, landed, { verdicts });
    // Assess
    expect(fastqPassCount()).toBe(passesBefore);
    expect(pairedByFingerprint(verdicts.get(landed[0]!.name)!.mates, verdicts.get(landed[1]!.name)!.mates)).toBe(true);
    expect(verdicts.get(landed[0]!.name)!.mates).toMatchObject({ records: 30, reliable: true });
    expect(combined).toEqual(whole);
    expect(combined.reasons).toEqual([]);
  });

  it('re-reads mates whose names differ in lockstep: the reasons are exactly those of reading them together', async () => {
    // Prepare: R2 carries another read's name at record 3 and one record less
    const landed = await land({
      'C_S3_L001_R1_001.fastq.gz': gz(reads(5, { mate: 1 })),
      'C_S3_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2 }) + reads(2, { mate: 2, from: 10 })),
    });
    const verdicts = await verdictsOf(landed);
    const whole = await validateSample({ storage }, landed);
    const passesBefore = fastqPassCount();
    // Act
    const combined = await validateSample({ storage }, landed, { verdicts });
    // Assess
    expect(fastqPassCount() - passesBefore).toBe(2);
    expect(whole.reasons.map((reason) => reason.code)).toEqual(['PAIR_READ_NAME', 'PAIR_READ_COUNT']);
    expect(combined).toEqual(whole);
  });

  it('marks a corrupt mate unreliable; its sample gets the same reasons as reading the pair together', async () => {
    // Prepare: R1's gzip is cut in the middle
    const good = gz(reads(40, { mate: 1 }));
    const landed = await land({
      'D_S4_L001_R1_001.fastq.gz': good.subarray(0, Math.floor(good.length / 2)),
      'D_S4_L001_R2_001.fastq.gz': gz(reads(40, { mate: 2 })),
    });
    const verdicts = await verdictsOf(landed);
    const whole = await validateSample({ storage }, landed);
    // Act
    const combined = await validateSample({ storage }, landed, { verdicts });
    // Assess
    expect(verdicts.get(landed[0]!.name)!.mates.reliable).toBe(false);
    expect(whole.reasons.length).toBeGreaterThan(0);
    expect(combined).toEqual(whole);
  });

  it('never takes a verdict for other bytes: a changed identity or other options read the file again and tell the new verdict', async () => {
    // Prepare: a verdict made for the file's first bytes, then the file replaced
    const [first] = await land({ 'E_S5_L001_R1_001.fastq.gz': gz(reads(3)) });
    const old = await fileVerdictOf(storage, first!);
    const info = await storage.put(BUCKET, first!.key, gz(reads(7)));
    const current: LandedFile = { ...first!, size: info.size, etag: info.etag };
    const told: FileVerdict[] = [];
    const passesBefore = fastqPassCount();
    // Act
    const result = await validateSample({ storage }, [current], {
      verdicts: new Map([[current.name, old]]),
      onVerdict: (verdict) => {
        told.push(verdict);
      },
    });
    // Assess
    expect(fastqPassCount() - passesBefore).toBe(1);
    expect(result.files[0]!.reads).toBe(7);
    expect(told).toEqual([
      expect.objectContaining({ etag: info.etag, size: info.size, inspection: expect.objectContaining({ reads: 7 }) }),
    ]);
    expect(verdictFits(old, current)).toBe(false);
    expect(verdictFits(told[0], current)).toBe(true);
    expect(verdictFits(told[0], current, { legacyNoCalls: true })).toBe(false);
    // Made with SHA-256 (a manifest landing later may list it); one made without it does not fit a manifest that does
    expect(told[0]!.inspection.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(verdictFits(told[0], current, { sha256: true })).toBe(true);
    const { sha256: _sha256, ...withoutSha256 } = told[0]!.inspection;
    expect(verdictFits({ ...told[0]!, inspection: withoutSha256 }, current, { sha256: true })).toBe(false);
  });
});
