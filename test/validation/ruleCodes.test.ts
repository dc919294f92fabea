import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { inspectFastq } from '../../validation/inspectFastq.ts';
import { compareWithManifest, parseManifest } from '../../validation/manifest.ts';
import type { RuleCode } from '../../validation/rules.ts';
import type { ValidationProfile, ValidationReason } from '../../validation/types.ts';
import { validateRunFolder } from '../../validation/validateRunFolder.ts';
import { validateSample } from '../../validation/validateSample.ts';
import { gz, reads, streamOf } from './fastqFixtures.ts';

// Each rule not already in badInputs.test.ts's table or FastqScanner.test.ts, produced from real-format
// input through the module that checks it; the reason must carry the rule's code and say what it expected.

let root: string;
let storage: FolderStorage;
let folders = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'landfall-rule-codes-'));
  storage = new FolderStorage(join(root, 'storage'));
  await storage.createBucket('landing');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const good = gz(reads(20));
const SHEET = '[Header]\r\nFileFormatVersion,2\r\n[Reads]\r\nRead1Cycles,20\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index\r\n';

/** A gzip member header (RFC 1952: ID1 ID2 CM FLG MTIME XFL OS) with compression method `method`. */
const gzipHeader = (method: number) => Buffer.from([0x1f, 0x8b, method, 0, 0, 0, 0, 0, 0, 0xff]);

async function folder(files: Record<string, string | Buffer>, links: Record<string, string> = {}): Promise<string> {
  const dir = join(root, `run-${++folders}`, '240101_A00123_0008_AHABCDEFXY');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  for (const [path, target] of Object.entries(links)) await symlink(target, join(dir, path));
  return dir;
}

async function runReasons(files: Record<string, string | Buffer>, profile: ValidationProfile, links?: Record<string, string>) {
  const result = await validateRunFolder(await folder(files, links), { profile });
  return [...result.reasons, ...result.files.flatMap((file) => file.reasons)];
}

const fileReasons = async (name: string, bytes: Buffer) => (await inspectFastq(streamOf(bytes), name)).reasons;

const rows: Array<{ code: RuleCode; produce: () => Promise<ValidationReason[]> }> = [
  { code: 'GZIP_METHOD', produce: () => fileReasons('S1.R1.fastq.gz', Buffer.concat([gzipHeader(7), Buffer.alloc(20)])) },
  {
    code: 'GZIP_LENGTH_MISMATCH',
    produce: () => {
      // ISIZE, the member's last 4 bytes (RFC 1952), one too many; the CRC before it still matches.
      const bytes = Buffer.from(good);
      bytes.writeUInt32LE(bytes.readUInt32LE(bytes.length - 4) + 1, bytes.length - 4);
      return fileReasons('S1.R1.fastq.gz', bytes);
    },
  },
  {
    code: 'GZIP_CORRUPT',
    // A deflate block of the reserved type 11 (RFC 1951 3.2.3): BFINAL 1, BTYPE 11.
    produce: () => fileReasons('S1.R1.fastq.gz', Buffer.concat([gzipHeader(8), Buffer.from([0x07]), Buffer.alloc(16)])),
  },
  { code: 'FASTQ_NO_RECORDS', produce: () => fileReasons('S1.R1.fastq.gz', gz('')) },
  {
    code: 'SIZE_CHANGED',
    produce: async () => {
      const info = await storage.put('landing', 'incoming/lab-a/RUN1/S1.R1.fastq.gz', good);
      const landed = { name: 'S1.R1.fastq.gz', bucket: 'landing', key: info.key, size: info.size - 1, etag: info.etag, landedAt: '' };
      return (await validateSample({ storage }, [landed])).reasons;
    },
  },
  {
    code: 'LINK_OUTSIDE',
    produce: async () => {
      const outside = join(root, 'outside.fastq.gz');
      await writeFile(outside, good);
      return runReasons({ 'S1.R1.fastq.gz': good }, 'marker', { 'S2.R1.fastq.gz': outside });
    },
  },
  {
    code: 'RUN_INFO',
    produce: () => runReasons({ 'RunInfo.xml': '<?xml version="1.0"?>\n<RunInfo><Run', 'S1.R1.fastq.gz': good }, 'marker'),
  },
  { code: 'NO_SAMPLE_SHEET', produce: () => runReasons({ 'A_S1_L001_R1_001.fastq.gz': good }, 'illumina') },
  {
    code: 'MISSING_FILE',
    produce: () => runReasons({ 'SampleSheet.csv': `${SHEET}1,A,ACGT\r\n1,B,TTTT\r\n`, 'A_S1_L001_R1_001.fastq.gz': good }, 'illumina'),
  },
  {
    code: 'DUPLICATE_FILE',
    produce: () =>
      runReasons(
        { 'SampleSheet.csv': `${SHEET}1,A,ACGT\r\n`, 'A_S1_L001_R1_001.fastq.gz': good, 'copy/A_S1_L001_R1_001.fastq.gz': good },
        'illumina',
      ),
  },
  { code: 'NO_MANIFEST', produce: () => runReasons({ 'S1.R1.fastq.gz': good }, 'manifest') },
  { code: 'MANIFEST_LINE', produce: async () => parseManifest('manifest.md5', 'S1.R1.fastq.gz is fine\n').reasons },
  { code: 'MANIFEST_JSON', produce: async () => parseManifest('manifest.json', '{"files": [').reasons },
  {
    code: 'MANIFEST_SHAPE',
    produce: async () => parseManifest('manifest.json', '{"S1.R1.fastq.gz": "d41d8cd98f00b204e9800998ecf8427e"}').reasons,
  },
  { code: 'MANIFEST_ENTRY', produce: async () => parseManifest('manifest.json', '[{"path": "S1.R1.fastq.gz", "md5": "12345"}]').reasons },
  {
    code: 'MANIFEST_SHA256_MISMATCH',
    produce: async () =>
      compareWithManifest(
        'S1.R1.fastq.gz',
        { name: 'S1.R1.fastq.gz', sha256: 'a'.repeat(64) },
        { md5: 'b'.repeat(32), sha256: 'c'.repeat(64), size: 1 },
        'manifest.json',
      ),
  },
];

describe('rule codes on the reasons each rule produces', () => {
  it.each(rows)('$code', async ({ code, produce }) => {
    // Act
    const reasons = await produce();

    // Assess
    expect(reasons).toContainEqual(expect.objectContaining({ code, file: expect.any(String), message: expect.any(String) }));
    expect(reasons.find((candidate) => candidate.code === code)?.expected).toEqual(expect.any(String));
  });
});
