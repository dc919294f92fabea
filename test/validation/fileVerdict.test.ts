/**
 * Per-file verdicts (validation/fileVerdict.ts) and a sample concluded from them (validateSample with
 * `verdicts`): the same files, versions and reasons as reading the whole sample, with no file read twice
 * when its verdict fits, and every verdict refused for other bytes. Passes are counted by the validator itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LandedFile } from '../../functions/catalog/types.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { type FileVerdict, fileVerdictOf, verdictFits } from '../../validation/fileVerdict.ts';
import { fastqPassCount } from '../../validation/inspectFastq.ts';
import { pairedByFingerprint } from '../../validation/MateNamesDigest.ts';
import { validateSample } from '../../validation/validateSample.ts';
import { gz, reads } from './fastqFixtures.ts';

const BUCKET = 'landing';
let root: string;
let storage: FolderStorage;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'landfall-file-verdict-'));
  storage = new FolderStorage(root);
  await storage.createBucket(BUCKET);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let runNumber = 0;
async function land(files: Record<string, Buffer>): Promise<LandedFile[]> {
  const run = `RUN${++runNumber}`;
  const landed: LandedFile[] = [];
  for (const [name, bytes] of Object.entries(files)) {
    const info = await storage.put(BUCKET, `incoming/lab-a/${run}/${name}`, bytes);
    landed.push({ name, bucket: BUCKET, key: info.key, size: info.size, etag: info.etag, landedAt: new Date().toISOString() });
  }
  return landed;
}

async function verdictsOf(landed: LandedFile[]): Promise<Map<string, FileVerdict>> {
  const verdicts = new Map<string, FileVerdict>();
  for (const file of landed) verdicts.set(file.name, await fileVerdictOf(storage, file));
  return verdicts;
}

describe('file verdicts', () => {
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
    expect(verdictFits(told[0], current, { sha256: true })).toBe(false);
  });
});
