/**
 * Issue 3's acceptance table: every bad input it names, and tricky good ones, each asserting the
 * file, the record or line (or byte offset / manifest line where that is the place), and expected vs
 * found. Rows marked `landing` run twice: through `landfall validate`'s run-folder validation and
 * through the landing function's `validateSample` on real folder storage, because both must use the
 * same one-pass code and say the same thing. Fixtures are generated here, small, never committed.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LandedFile } from '../../functions/catalog/types.ts';
import { type CompletenessInput, evaluateCompleteness } from '../../functions/landing/completeness.ts';
import { parseRunManifest } from '../../functions/landing/runManifest.ts';
import { parseSampleSheet } from '../../layouts/sampleSheet.ts';
import { unsafePathReason } from '../../validation/manifest.ts';
import type { RuleCode } from '../../validation/rules.ts';
import type { ValidationProfile, ValidationReason } from '../../validation/types.ts';
import { validateRunFolder } from '../../validation/validateRunFolder.ts';
import { validateSample } from '../../validation/validateSample.ts';
import { InvalidKeyError } from '../../seams/storage/errors.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { gz, illuminaName, reads, record } from './fastqFixtures.ts';

// ---- fixtures -------------------------------------------------------------------------------------

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const twoGood = reads(2);
const good = gz(reads(200));
const padded = Buffer.concat([good, Buffer.alloc(64)]);
const badCrc = Buffer.from(good);
badCrc.writeUInt8(badCrc.readUInt8(badCrc.length - 8) ^ 0xff, badCrc.length - 8);
const PAIRED_SHEET = (rows: string) =>
  `[Header]\r\nFileFormatVersion,2\r\n[Reads]\r\nRead1Cycles,20\r\nRead2Cycles,20\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index\r\n${rows}`;
const laneSplit = {
  'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n2,A,ACGT\r\n1,B,TTTT\r\n'),
  'A_S1_L001_R1_001.fastq.gz': gz(reads(4, { mate: 1 })),
  'A_S1_L001_R2_001.fastq.gz': gz(reads(4, { mate: 2 })),
  // Index FASTQs of every sample and lane, as bcl2fastq --create-fastq-for-index-reads writes them (run-wide).
  'A_S1_L001_I1_001.fastq.gz': gz(reads(4, { length: 8 })),
  'A_S1_L002_R1_001.fastq.gz': gz(reads(6, { mate: 1, from: 100 })),
  'A_S1_L002_R2_001.fastq.gz': gz(reads(6, { mate: 2, from: 100 })),
  'A_S1_L002_I1_001.fastq.gz': gz(reads(6, { length: 8, from: 100 })),
  'B_S2_L001_R1_001.fastq.gz': gz(reads(2, { mate: 1, from: 200 })),
  'B_S2_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2, from: 200 })),
  'B_S2_L001_I1_001.fastq.gz': gz(reads(2, { length: 8, from: 200 })),
  'Undetermined_S0_L001_R1_001.fastq.gz': gz(reads(1, { from: 300 })),
  'CopyComplete.txt': '',
};
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 8, minutes)).toISOString();
const landedFile = (name: string, minutes: number): LandedFile => ({
  name,
  bucket: 'landing',
  key: `incoming/lab-a/RUN/${name}`,
  size: 1,
  etag: 'e',
  landedAt: at(minutes),
});

// ---- what each row feeds, and how its reasons are obtained ----------------------------------------

type Files = Record<string, string | Buffer>;
type Subject =
  /** A run folder given to `landfall validate` (validateRunFolder); `landing`: also the landing function. */
  | { folder: Files; profile?: ValidationProfile; landing?: true }
  /** The landing function only: one sample's files in the landing bucket (validateSample). */
  | { sample: Files }
  /** Run completeness (evaluateCompleteness) at a given time. */
  | { completeness: Omit<CompletenessInput, 'rtaSettleSeconds' | 'deadlineMinutes'> }
  /** A landing key as it arrives from the share. */
  | { key: string };

interface Row {
  case: string;
  subject: Subject;
  /** The reason that must be there: `expected` and `found` match as substrings. Omitted for good rows. */
  reason?: { code?: RuleCode; file: string; line?: unknown; record?: unknown; expected: string; found: string };
}

let root: string;
let storage: FolderStorage;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'landfall-bad-inputs-'));
  storage = new FolderStorage(join(root, 'storage'));
  await storage.createBucket('landing');
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

let runs = 0;
async function runFolder(files: Files): Promise<string> {
  const dir = join(root, `runs/${++runs}/240101_A00123_0008_AHABCDEFXY`);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Lands a sample's FASTQs in storage as the land function records them, and reads the run manifest. */
async function landingReasons(files: Files): Promise<ValidationReason[]> {
  const run = `RUN${++runs}`;
  const landed: LandedFile[] = [];
  let manifest;
  for (const [name, content] of Object.entries(files)) {
    if (/^manifest\.(json|md5)$/.test(name)) manifest = parseRunManifest(name, String(content));
    if (!/\.f(ast)?q(\.gz)?$/.test(name) || name.startsWith('Undetermined_S0_')) continue;
    const info = await storage.put('landing', `incoming/lab-a/${run}/${name}`, content);
    landed.push({ name, bucket: 'landing', key: info.key, size: info.size, etag: info.etag, landedAt: at(0) });
  }
  return (await validateSample({ storage }, landed, { manifest })).reasons;
}

/**
 * Completeness says INCOMPLETE with the missing list (and the landing emits "Run Incomplete") or
 * names unknown FASTQs ("Unexpected File"); here each becomes a reason so the table reads alike.
 */
function completenessReasons(
  input: Omit<CompletenessInput, 'rtaSettleSeconds' | 'deadlineMinutes'>,
): Array<Omit<ValidationReason, 'code'>> {
  const result = evaluateCompleteness({ ...input, rtaSettleSeconds: 0, deadlineMinutes: 60 });
  return [
    ...result.missing.map((file) => ({
      file,
      expected: `${file} landed within the 60-minute deadline after ${result.signal}`,
      found: `run ${result.status}, waiting for ${result.waitingFor}`,
      message: '',
    })),
    ...result.unexpected.map(({ name: file }) => ({
      file,
      expected: 'a FASTQ of a sample of the run',
      found: 'a FASTQ of no sample (Unexpected File)',
      message: '',
    })),
  ];
}

async function reasonsOf(subject: Subject, via: 'landfall validate' | 'landing function'): Promise<Array<Omit<ValidationReason, 'code'>>> {
  if ('completeness' in subject) return completenessReasons(subject.completeness);
  if ('key' in subject) {
    // The land function's first storage call (HeadObject) refuses the key, so it fails loudly before
    // the catalog records anything; storage never writes such a key; the validator's check says why.
    await expect(storage.head('landing', subject.key)).rejects.toThrow(InvalidKeyError);
    await expect(storage.put('landing', subject.key, 'x')).rejects.toThrow(InvalidKeyError);
    expect(await readdir(join(root, 'storage'))).not.toContain('etc');
    return [unsafePathReason(subject.key, subject.key)!];
  }
  if ('sample' in subject) return landingReasons(subject.sample);
  if (via === 'landing function') return landingReasons(subject.folder);
  const result = await validateRunFolder(await runFolder(subject.folder), { profile: subject.profile });
  const reasons = [...result.reasons, ...result.files.flatMap((file) => file.reasons)];
  expect(result.valid).toBe(reasons.length === 0);
  return reasons;
}

// ---- the table ------------------------------------------------------------------------------------

const bad: Row[] = [
  {
    case: 'truncated gzip',
    subject: { folder: { 'S1.R1.fastq.gz': good.subarray(0, good.length - 30) }, landing: true },
    reason: {
      code: 'GZIP_TRUNCATED',
      file: 'S1.R1.fastq.gz',
      line: expect.any(Number),
      record: expect.any(Number),
      expected: 'the rest of the gzip member',
      found: `end of file after ${good.length - 30} bytes`,
    },
  },
  {
    case: 'bad CRC',
    subject: { folder: { 'S1.R1.fastq.gz': badCrc }, landing: true },
    // Where the records stopped being checked: zlib drops the output of the write that failed.
    reason: {
      code: 'GZIP_CRC_MISMATCH',
      file: 'S1.R1.fastq.gz',
      line: expect.any(Number),
      record: expect.any(Number),
      expected: "the CRC-32 stored in the member's trailer",
      found: 'a different CRC-32 of the decompressed data',
    },
  },
  {
    case: 'trailing garbage',
    subject: { folder: { 'S1.R1.fastq.gz': Buffer.concat([good, Buffer.from('garbage!!')]) }, landing: true },
    reason: {
      code: 'GZIP_TRAILING_DATA',
      file: 'S1.R1.fastq.gz',
      expected: 'end of file or another gzip member',
      found: `bytes that are not gzip in bytes ${good.length - 1}–${good.length + 8}`,
    },
  },
  {
    case: 'NUL padding vs the manifest size',
    subject: {
      folder: { 'S1.R1.fastq.gz': padded, 'manifest.json': JSON.stringify({ files: [{ path: 'S1.R1.fastq.gz', size: good.length }] }) },
      profile: 'manifest',
      landing: true,
    },
    reason: {
      code: 'MANIFEST_SIZE_MISMATCH',
      file: 'S1.R1.fastq.gz',
      expected: `${good.length} bytes (manifest.json)`,
      found: `${padded.length} bytes`,
    },
  },
  {
    case: 'NUL padding, named as such',
    subject: { folder: { 'S1.R1.fastq.gz': padded }, landing: true },
    reason: {
      code: 'GZIP_TRAILING_DATA',
      file: 'S1.R1.fastq.gz',
      expected: `end of file after the last gzip member (at byte ${good.length})`,
      found: '64 NUL bytes of padding',
    },
  },
  {
    case: 'not gzip at all',
    subject: { folder: { 'S1.R1.fastq.gz': Buffer.from(reads(3), 'latin1') }, landing: true },
    reason: {
      code: 'GZIP_MAGIC',
      file: 'S1.R1.fastq.gz',
      expected: 'gzip magic bytes 1f 8b at the start',
      found: 'bytes 40 41 ("@A00123:")',
    },
  },
  {
    case: 'zero bytes',
    subject: { folder: { 'S1.R1.fastq.gz': Buffer.alloc(0) }, landing: true },
    reason: { code: 'FILE_EMPTY', file: 'S1.R1.fastq.gz', expected: 'a gzip stream', found: 'an empty file (0 bytes)' },
  },
  {
    case: "missing '@'",
    subject: { folder: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGT' }).slice(1)}`) }, landing: true },
    reason: {
      code: 'FASTQ_HEADER',
      file: 'S1.R1.fastq.gz',
      line: 9,
      record: 3,
      expected: "a header line starting with '@'",
      found: '"r3"',
    },
  },
  {
    case: "missing '+'",
    subject: { folder: { 'S1.R1.fastq.gz': gz(`${twoGood}@r3\nACGT\nIIII\nIIII\n`) }, landing: true },
    reason: {
      code: 'FASTQ_SEPARATOR',
      file: 'S1.R1.fastq.gz',
      line: 11,
      record: 3,
      expected: "a separator line starting with '+'",
      found: '"IIII"',
    },
  },
  {
    case: 'sequence/quality length mismatch',
    subject: {
      folder: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGTACGT', quality: 'IIIIIII' })}`) },
      landing: true,
    },
    reason: {
      code: 'FASTQ_QUALITY_LENGTH',
      file: 'S1.R1.fastq.gz',
      line: 12,
      record: 3,
      expected: '8 quality characters (the sequence length on line 10)',
      found: '7',
    },
  },
  {
    case: 'bad base',
    subject: { folder: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGUACGT' })}`) }, landing: true },
    reason: { code: 'FASTQ_INVALID_BASE', file: 'S1.R1.fastq.gz', line: 10, record: 3, expected: 'a base A, C, G, T or N', found: "'U'" },
  },
  {
    case: "'+' line naming another read",
    subject: {
      folder: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3 1:N:0:ACGT', sequence: 'ACGT', plus: 'r4 1:N:0:ACGT' })}`) },
      landing: true,
    },
    reason: {
      code: 'FASTQ_PLUS_NAME_MISMATCH',
      file: 'S1.R1.fastq.gz',
      line: 11,
      record: 3,
      expected: `the title of the '@' line ("r3 1:N:0:ACGT")`,
      found: `'+' followed by "r4 1:N:0:ACGT"`,
    },
  },
  {
    case: 'legacy no-call (validation.legacyNoCalls off)',
    subject: { folder: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'AC.T' })}`) }, landing: true },
    reason: { code: 'FASTQ_LEGACY_NO_CALL', file: 'S1.R1.fastq.gz', line: 10, record: 3, expected: 'a base A, C, G, T or N', found: "'.'" },
  },
  {
    case: 'Phred+64 qualities',
    subject: { folder: { 'S1.R1.fastq.gz': gz(record({ name: 'r1', sequence: 'ACGTACGT', quality: 'hhhhgg^B' })) }, landing: true },
    reason: { code: 'FASTQ_PHRED64', file: 'S1.R1.fastq.gz', expected: 'Phred+33', found: 'Phred+64' },
  },
  {
    case: 'quality character out of range',
    subject: { folder: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGT', quality: 'II I' })}`) }, landing: true },
    reason: {
      code: 'FASTQ_QUALITY_RANGE',
      file: 'S1.R1.fastq.gz',
      line: 12,
      record: 3,
      expected: "a quality character from '!' to '~'",
      found: 'byte 0x20',
    },
  },
  {
    case: 'incomplete last record',
    subject: { folder: { 'S1.R1.fastq.gz': gz(`${twoGood}@r3\nACGT\n`) }, landing: true },
    reason: {
      code: 'FASTQ_INCOMPLETE_RECORD',
      file: 'S1.R1.fastq.gz',
      line: 10,
      record: 3,
      expected: "a '+' separator line to complete record 3",
      found: 'end of file',
    },
  },
  {
    case: 'R1/R2 count mismatch',
    subject: { folder: { 'S1.R1.fastq.gz': gz(reads(5, { mate: 1 })), 'S1.R2.fastq.gz': gz(reads(4, { mate: 2 })) }, landing: true },
    reason: {
      code: 'PAIR_READ_COUNT',
      file: 'S1.R2.fastq.gz',
      line: 17,
      record: 5,
      expected: '5 reads, as many as S1.R1.fastq.gz',
      found: '4',
    },
  },
  {
    case: 'read-name mismatch at record k (k = 3)',
    subject: {
      folder: {
        'S1.R1.fastq.gz': gz(reads(5, { mate: 1 })),
        'S1.R2.fastq.gz': gz(reads(2, { mate: 2 }) + reads(3, { mate: 2, from: 10 })),
      },
      landing: true,
    },
    reason: {
      code: 'PAIR_READ_NAME',
      file: 'S1.R2.fastq.gz',
      record: 3,
      line: 9,
      expected: `read name "${illuminaName(2).split(' ')[0]}"`,
      found: `"${illuminaName(10).split(' ')[0]}"`,
    },
  },
  {
    case: 'missing mate (the sheet expects R2)',
    subject: {
      folder: { 'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n'), 'A_S1_L001_R1_001.fastq.gz': gz(reads(3)) },
      profile: 'illumina',
    },
    reason: {
      code: 'MISSING_MATE',
      file: 'A_S1_L001_R2_001.fastq.gz',
      expected: 'A_S1_L001_R2_001.fastq.gz (sample A, lane 1, R2',
      found: 'no such file',
    },
  },
  {
    case: 'missing mate (landing: a lane without its R2)',
    subject: {
      sample: {
        'A_S1_L001_R1_001.fastq.gz': gz(reads(2, { mate: 1 })),
        'A_S1_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2 })),
        'A_S1_L002_R1_001.fastq.gz': gz(reads(2)),
      },
    },
    reason: {
      code: 'MISSING_MATE',
      file: 'A_S1_L002_R1_001.fastq.gz',
      expected: 'its mate A_S1_L002_R2_001.fastq.gz',
      found: 'no such file in the sample',
    },
  },
  {
    case: 'missing mate record (R2 has one read more)',
    subject: { folder: { 'S1.R1.fastq.gz': gz(reads(3, { mate: 1 })), 'S1.R2.fastq.gz': gz(reads(4, { mate: 2 })) }, landing: true },
    reason: {
      code: 'PAIR_READ_COUNT',
      file: 'S1.R2.fastq.gz',
      line: 13,
      record: 4,
      expected: '3 reads, as many as S1.R1.fastq.gz',
      found: '4',
    },
  },
  {
    case: 'orphan FASTQ',
    subject: {
      folder: {
        'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n'),
        'A_S1_L001_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
        'A_S1_L001_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
        'Z_S9_L001_R1_001.fastq.gz': gz(reads(3)),
      },
      profile: 'illumina',
    },
    reason: {
      code: 'ORPHAN_FASTQ',
      file: 'Z_S9_L001_R1_001.fastq.gz',
      expected: 'only FASTQs of the samples in SampleSheet.csv',
      found: 'a FASTQ no sample of the sheet explains',
    },
  },
  {
    case: 'orphan FASTQ (landing completeness)',
    subject: {
      completeness: {
        profile: 'illumina',
        sheet: parseSampleSheet(PAIRED_SHEET('1,A,ACGT\r\n')),
        files: [
          'SampleSheet.csv',
          'A_S1_L001_R1_001.fastq.gz',
          'A_S1_L001_R2_001.fastq.gz',
          'Z_S9_L001_R1_001.fastq.gz',
          'Undetermined_S0_L001_R1_001.fastq.gz',
          'CopyComplete.txt',
        ].map((name) => landedFile(name, 0)),
        now: Date.parse(at(1)),
      },
    },
    reason: { file: 'Z_S9_L001_R1_001.fastq.gz', expected: 'a FASTQ of a sample of the run', found: 'a FASTQ of no sample' },
  },
  {
    case: 'duplicate (Lane, Sample_ID)',
    subject: {
      folder: {
        // The same row twice; one Sample_ID on several index rows of a lane is one sample (10x, issue 16).
        'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n2,A,ACGT\r\n1,A,ACGT\r\n'),
        'A_S1_L001_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
        'A_S1_L001_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
        'A_S1_L002_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
        'A_S1_L002_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
      },
      profile: 'illumina',
    },
    reason: {
      code: 'SAMPLE_SHEET',
      file: 'SampleSheet.csv',
      line: 10,
      expected: 'each (Lane, Sample_ID) once',
      found: '(Lane 1, Sample_ID A) again (first on line 8)',
    },
  },
  {
    case: 'MD5 mismatch vs manifest',
    subject: {
      folder: { 'S1.R1.fastq.gz': good, 'manifest.md5': `${'0'.repeat(32)}  S1.R1.fastq.gz\n` },
      profile: 'manifest',
      landing: true,
    },
    reason: {
      code: 'MANIFEST_MD5_MISMATCH',
      file: 'S1.R1.fastq.gz',
      expected: `MD5 ${'0'.repeat(32)} (manifest.md5`,
      found: `MD5 ${md5(good)}`,
    },
  },
  {
    case: 'manifest deadline passed',
    subject: {
      completeness: {
        profile: 'manifest',
        manifest: {
          source: 'manifest.md5',
          entries: [
            { name: 'S1_S1_L001_R1_001.fastq.gz', md5: md5(good) },
            { name: 'S1_S1_L001_R2_001.fastq.gz', md5: md5(good) },
          ],
        },
        files: [landedFile('manifest.md5', 0), landedFile('S1_S1_L001_R1_001.fastq.gz', 5)],
        now: Date.parse(at(61)),
      },
    },
    reason: {
      file: 'S1_S1_L001_R2_001.fastq.gz',
      expected: 'landed within the 60-minute deadline after manifest.md5',
      found: 'run INCOMPLETE, waiting for 1 file the manifest lists',
    },
  },
  {
    case: 'traversal key from the share',
    subject: { key: 'incoming/lab-a/RUN1/../../../../etc/passwd' },
    reason: {
      code: 'UNSAFE_PATH',
      file: 'incoming/lab-a/RUN1/../../../../etc/passwd',
      expected: 'a relative path inside the run folder',
      found: '"incoming/lab-a/RUN1/../../../../etc/passwd"',
    },
  },
  {
    case: 'traversal name in a manifest',
    subject: {
      folder: { 'S1.R1.fastq.gz': good, 'manifest.md5': `${md5(good)}  S1.R1.fastq.gz\n${md5(good)}  ../other-run/S1.R1.fastq.gz\n` },
      profile: 'manifest',
    },
    reason: {
      code: 'UNSAFE_PATH',
      file: 'manifest.md5',
      line: 2,
      expected: 'a relative path inside the run folder',
      found: '"../other-run/S1.R1.fastq.gz"',
    },
  },
  {
    case: 'absolute path in a manifest',
    subject: {
      folder: {
        'S1.R1.fastq.gz': good,
        'manifest.json': JSON.stringify([{ path: 'S1.R1.fastq.gz', md5: md5(good) }, { path: '/etc/passwd' }]),
      },
      profile: 'manifest',
    },
    reason: { code: 'UNSAFE_PATH', file: 'manifest.json', expected: 'a relative path inside the run folder', found: '"/etc/passwd"' },
  },
  {
    case: 'control character in a file name',
    subject: { folder: { 'S1.R1.fastq.gz': good, 'bad\u0007name.R1.fastq.gz': good } },
    reason: {
      code: 'UNSAFE_PATH',
      file: 'bad\u0007name.R1.fastq.gz',
      expected: 'a relative path inside the run folder',
      found: '"bad\\u0007name.R1.fastq.gz"',
    },
  },
];

const longName = (mate: 1 | 2) => `${'A00123:8:HABCDEFXY:1:1101:10000:2000'.repeat(8)} ${mate}:N:0:${'ACGT'.repeat(40)}`;
const goodRows: Row[] = [
  {
    case: "quality line starting with '@'",
    subject: {
      folder: {
        'S1.R1.fastq.gz': gz(
          `${record({ name: 'r1', sequence: 'ACGT', quality: '@III' })}${record({ name: 'r2', sequence: 'ACGT', quality: '@@@@' })}`,
        ),
      },
      landing: true,
    },
  },
  {
    case: 'multi-member gzip (and an empty member)',
    subject: { folder: { 'S1.R1.fastq.gz': Buffer.concat([gz(reads(3)), gz(reads(2, { from: 3 })), gz('')]) }, landing: true },
  },
  { case: 'lowercase bases', subject: { folder: { 'S1.R1.fastq.gz': gz(record({ name: 'r1', sequence: 'acgtnACGTN' })) }, landing: true } },
  {
    case: 'long Illumina headers on mates (1:N:0 vs 2:N:0 comments)',
    subject: {
      folder: {
        'S1_R1.fastq.gz': gz(record({ name: longName(1), sequence: 'ACGT' })),
        'S1_R2.fastq.gz': gz(record({ name: longName(2), sequence: 'ACGT' })),
      },
      landing: true,
    },
  },
  {
    case: 'mates named /1 and /2',
    subject: { folder: { 'x.R1.fastq': '@read7/1\nACGT\n+\nIIII\n', 'x.R2.fastq': '@read7/2\nTTTT\n+\nIIII\n' }, landing: true },
  },
  { case: 'lane-split samples with index reads and Undetermined', subject: { folder: laneSplit, profile: 'illumina', landing: true } },
  {
    case: 'a manifest with md5, sha256 and size, listing a non-FASTQ file too',
    subject: {
      folder: {
        'S1.R1.fastq.gz': good,
        'notes.txt': 'hello',
        'manifest.json': JSON.stringify({
          files: [
            { path: 'S1.R1.fastq.gz', md5: md5(good), size: good.length, sha256: createHash('sha256').update(good).digest('hex') },
            { name: 'notes.txt', md5: md5(Buffer.from('hello')) },
          ],
        }),
      },
      profile: 'manifest',
      landing: true,
    },
  },
  {
    case: 'a v1 sheet',
    subject: {
      folder: {
        'SampleSheet.csv': '[Header]\nIEMFileVersion,4\n[Reads]\n20\n\n[Data]\nSample_ID,Sample_Name,index,,\nX1,X1,ACGT,,\n',
        'X1_S1_L001_R1_001.fastq.gz': gz(reads(2)),
      },
    },
  },
  {
    case: 'a v2 sheet with a BOM, CRLF, trailing commas and blank lines',
    subject: {
      folder: {
        'SampleSheet.csv': `\uFEFF${PAIRED_SHEET('1,A,ACGT,,\r\n\r\n')}\r\n`,
        'A_S1_L001_R1_001.fastq.gz': gz(reads(2, { mate: 1 })),
        'A_S1_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2 })),
      },
      profile: 'illumina',
    },
  },
  {
    case: 'spaces and unicode in names, a subfolder, blank lines at the end, no final newline',
    subject: { folder: { 'run data/Probe ü 1.R1.fastq': `${reads(2)}\n\n`, 'Probe-2.R1.fastq': reads(2).slice(0, -1) }, landing: true },
  },
];

/** Each row once per path it runs through. */
const expand = (rows: Row[]) =>
  rows.flatMap((row) => {
    const paths: Array<'landfall validate' | 'landing function'> =
      'folder' in row.subject
        ? row.subject.landing
          ? ['landfall validate', 'landing function']
          : ['landfall validate']
        : ['landing function'];
    return paths.map((via) => ({ ...row, via }));
  });

describe('bad inputs (issue 3 acceptance table)', () => {
  it.each(expand(bad))('rejects $case via $via, saying where and what was expected vs found', async ({ subject, reason, via }) => {
    // Act
    const reasons = await reasonsOf(subject, via);

    // Assess
    expect(reasons).toContainEqual(
      expect.objectContaining({
        ...(reason!.code ? { code: reason!.code } : {}),
        file: reason!.file,
        ...(reason!.line !== undefined ? { line: reason!.line } : {}),
        ...(reason!.record !== undefined ? { record: reason!.record } : {}),
        expected: expect.stringContaining(reason!.expected),
        found: expect.stringContaining(reason!.found),
      }),
    );
  });

  it.each(expand(goodRows))('accepts $case via $via', async ({ subject, via }) => {
    // Act
    const reasons = await reasonsOf(subject, via);

    // Assess
    expect(reasons).toEqual([]);
  });

  it('names every bad input the issue lists', () => {
    const named = [
      'truncated gzip',
      'bad CRC',
      'trailing garbage',
      'NUL padding vs the manifest size',
      'not gzip at all',
      'zero bytes',
      "missing '@'",
      "missing '+'",
      'sequence/quality length mismatch',
      'bad base',
      'quality character out of range',
      'incomplete last record',
      'R1/R2 count mismatch',
      "'+' line naming another read",
      'legacy no-call',
      'Phred+64 qualities',
      'read-name mismatch at record k',
      'missing mate',
      'orphan FASTQ',
      'duplicate (Lane, Sample_ID)',
      'MD5 mismatch vs manifest',
      'manifest deadline passed',
      'traversal key',
    ];
    expect(named.filter((name) => !bad.some((row) => row.case.startsWith(name)))).toEqual([]);
    expect(goodRows.length).toBeGreaterThanOrEqual(5);
  });
});
