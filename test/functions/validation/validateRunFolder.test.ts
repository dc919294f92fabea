import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ValidationReason } from '../../../functions/catalog/types.ts';
import { ValidationIoError, ValidationUsageError } from '../../../functions/validation/errors.ts';
import type { ValidationProfile } from '../../../functions/validation/types.ts';
import { validateRunFolder } from '../../../functions/validation/validateRunFolder.ts';
import { gz, illuminaName, reads, record } from './fastqFixtures.ts';

const roots: string[] = [];
afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

/** Writes `files` (relative path → content) into a fresh run folder. */
async function runFolder(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'landfall-validate-'));
  roots.push(root);
  const run = join(root, '240101_A00123_0008_AHABCDEFXY');
  await mkdir(run);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(run, path)), { recursive: true });
    await writeFile(join(run, path), content);
  }
  return run;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

const PAIRED_SHEET = (rows: string) => `[Header]\r\nFileFormatVersion,2\r\n[Reads]\r\nRead1Cycles,20\r\nRead2Cycles,20\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index\r\n${rows}`;

// Records with a problem planted in a known place: the first two records are fine.
const twoGood = reads(2);
const good = gz(reads(200));
const padded = Buffer.concat([good, Buffer.alloc(64)]);
const badCrc = Buffer.from(good);
badCrc.writeUInt8(badCrc.readUInt8(badCrc.length - 8) ^ 0xff, badCrc.length - 8);
const plainR1 = Buffer.from(reads(3), 'latin1');

interface BadCase {
  case: string;
  profile: ValidationProfile;
  files: Record<string, string | Buffer>;
  /** The reason that must be there (strings match as substrings). */
  reason: { file: string; line?: number; record?: number; expected: string; found: string };
}

const badCases: BadCase[] = [
  {
    case: 'truncated gzip',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': good.subarray(0, good.length - 30) },
    reason: { file: 'S1.R1.fastq.gz', expected: 'the rest of the gzip member', found: `end of file after ${good.length - 30} bytes` },
  },
  {
    case: 'bad CRC',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': badCrc },
    reason: { file: 'S1.R1.fastq.gz', expected: "the CRC-32 stored in the member's trailer", found: 'a different CRC-32 of the decompressed data' },
  },
  {
    case: 'trailing garbage',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': Buffer.concat([good, Buffer.from('garbage!!')]) },
    reason: { file: 'S1.R1.fastq.gz', expected: 'end of file or another gzip member', found: 'bytes that are not gzip in bytes' },
  },
  {
    case: 'NUL padding: its size differs from the manifest',
    profile: 'manifest',
    files: { 'S1.R1.fastq.gz': padded, 'manifest.json': JSON.stringify({ files: [{ path: 'S1.R1.fastq.gz', size: good.length, md5: md5(good) }] }) },
    reason: { file: 'S1.R1.fastq.gz', expected: `${good.length} bytes (manifest.json)`, found: `${padded.length} bytes` },
  },
  {
    case: 'NUL padding: reported as padding',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': padded },
    reason: { file: 'S1.R1.fastq.gz', expected: `end of file after the last gzip member (at byte ${good.length})`, found: '64 NUL bytes of padding' },
  },
  {
    case: 'not gzip at all',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': plainR1 },
    reason: { file: 'S1.R1.fastq.gz', expected: 'gzip magic bytes 1f 8b', found: 'bytes 40 41 ("@A00123:")' },
  },
  {
    case: 'zero bytes',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': Buffer.alloc(0) },
    reason: { file: 'S1.R1.fastq.gz', expected: 'a gzip stream', found: 'an empty file (0 bytes)' },
  },
  {
    case: "missing '@'",
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGT' }).slice(1)}`) },
    reason: { file: 'S1.R1.fastq.gz', line: 9, record: 3, expected: "a header line starting with '@'", found: '"r3"' },
  },
  {
    case: "missing '+'",
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(`${twoGood}@r3\nACGT\nIIII\nIIII\n`) },
    reason: { file: 'S1.R1.fastq.gz', line: 11, record: 3, expected: "a separator line starting with '+'", found: '"IIII"' },
  },
  {
    case: 'sequence and quality lengths differ',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGTACGT', quality: 'IIIIIII' })}`) },
    reason: { file: 'S1.R1.fastq.gz', line: 12, record: 3, expected: '8 quality characters', found: '7' },
  },
  {
    case: 'a bad base',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGUACGT' })}`) },
    reason: { file: 'S1.R1.fastq.gz', line: 10, record: 3, expected: 'a base A, C, G, T or N', found: "'U'" },
  },
  {
    case: 'a quality character out of range',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(`${twoGood}${record({ name: 'r3', sequence: 'ACGT', quality: 'II I' })}`) },
    reason: { file: 'S1.R1.fastq.gz', line: 12, record: 3, expected: "a quality character from '!' to '~'", found: 'byte 0x20' },
  },
  {
    case: 'an incomplete last record',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(`${twoGood}@r3\nACGT\n`) },
    reason: { file: 'S1.R1.fastq.gz', line: 10, record: 3, expected: "a '+' separator line to complete record 3", found: 'end of file' },
  },
  {
    case: 'R1/R2 read counts differ',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(reads(5, { mate: 1 })), 'S1.R2.fastq.gz': gz(reads(4, { mate: 2 })) },
    reason: { file: 'S1.R2.fastq.gz', record: 5, expected: '5 reads, as many as S1.R1.fastq.gz', found: '4' },
  },
  {
    case: 'read names differ at record 3',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(reads(5, { mate: 1 })), 'S1.R2.fastq.gz': gz(reads(2, { mate: 2 }) + reads(3, { mate: 2, from: 10 })) },
    reason: { file: 'S1.R2.fastq.gz', record: 3, line: 9, expected: `read name "${illuminaName(2).split(' ')[0]}"`, found: `"${illuminaName(10).split(' ')[0]}"` },
  },
  {
    case: 'a missing mate file',
    profile: 'illumina',
    files: { 'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n'), 'A_S1_L001_R1_001.fastq.gz': gz(reads(3)) },
    reason: { file: 'A_S1_L001_R2_001.fastq.gz', expected: 'A_S1_L001_R2_001.fastq.gz (sample A, lane 1, R2', found: 'no such file' },
  },
  {
    case: 'a missing mate record',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': gz(reads(3, { mate: 1 })), 'S1.R2.fastq.gz': gz(reads(4, { mate: 2 })) },
    reason: { file: 'S1.R2.fastq.gz', record: 4, expected: '3 reads, as many as S1.R1.fastq.gz', found: '4' },
  },
  {
    case: 'an orphan FASTQ',
    profile: 'illumina',
    files: {
      'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n'),
      'A_S1_L001_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
      'A_S1_L001_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
      'Z_S9_L001_R1_001.fastq.gz': gz(reads(3)),
    },
    reason: { file: 'Z_S9_L001_R1_001.fastq.gz', expected: 'only FASTQs of the samples in SampleSheet.csv', found: 'a FASTQ no sample of the sheet explains' },
  },
  {
    case: 'a duplicate (Lane, Sample_ID)',
    profile: 'illumina',
    files: {
      'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n2,A,ACGT\r\n1,A,TTTT\r\n'),
      'A_S1_L001_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
      'A_S1_L001_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
      'A_S1_L002_R1_001.fastq.gz': gz(reads(3, { mate: 1 })),
      'A_S1_L002_R2_001.fastq.gz': gz(reads(3, { mate: 2 })),
    },
    reason: { file: 'SampleSheet.csv', line: 10, expected: 'each (Lane, Sample_ID) once', found: '(Lane 1, Sample_ID A) again (first on line 8)' },
  },
  {
    case: 'an MD5 that differs from the manifest',
    profile: 'manifest',
    files: { 'S1.R1.fastq.gz': good, 'manifest.md5': `${'0'.repeat(32)}  S1.R1.fastq.gz\n` },
    reason: { file: 'S1.R1.fastq.gz', expected: `MD5 ${'0'.repeat(32)} (manifest.md5 line 1)`, found: `MD5 ${md5(good)}` },
  },
  {
    case: 'a traversal key in the manifest',
    profile: 'manifest',
    files: { 'S1.R1.fastq.gz': good, 'manifest.md5': `${md5(good)}  S1.R1.fastq.gz\n${md5(good)}  ../other-run/S1.R1.fastq.gz\n` },
    reason: { file: 'manifest.md5', line: 2, expected: 'a relative path inside the run folder', found: '"../other-run/S1.R1.fastq.gz"' },
  },
  {
    case: 'an absolute path in the manifest',
    profile: 'manifest',
    files: { 'S1.R1.fastq.gz': good, 'manifest.json': JSON.stringify([{ path: 'S1.R1.fastq.gz', md5: md5(good) }, { path: '/etc/passwd' }]) },
    reason: { file: 'manifest.json', expected: 'a relative path inside the run folder', found: '"/etc/passwd"' },
  },
  {
    case: 'a control character in a file name',
    profile: 'marker',
    files: { 'S1.R1.fastq.gz': good, 'bad\u0007name.R1.fastq.gz': good },
    reason: { file: 'bad\u0007name.R1.fastq.gz', expected: 'a relative path inside the run folder', found: '"bad\\u0007name.R1.fastq.gz"' },
  },
];

describe('validateRunFolder', () => {
  it.each(badCases)('rejects $case, saying where and what was expected vs found', async ({ profile, files, reason }) => {
    // Prepare
    const dir = await runFolder(files);

    // Act
    const result = await validateRunFolder(dir, { profile });

    // Assess
    expect(result.valid).toBe(false);
    const all: ValidationReason[] = [...result.reasons, ...result.files.flatMap((file) => file.reasons)];
    expect(all).toContainEqual(
      expect.objectContaining({
        file: reason.file,
        ...(reason.line !== undefined ? { line: reason.line } : {}),
        ...(reason.record !== undefined ? { record: reason.record } : {}),
        expected: expect.stringContaining(reason.expected),
        found: expect.stringContaining(reason.found),
      }),
    );
  });

  it('rejects a link that leads out of the run folder', async () => {
    // Prepare
    const dir = await runFolder({ 'S1.R1.fastq.gz': good });
    const outside = join(dirname(dir), 'secret.fastq.gz');
    await writeFile(outside, good);
    await symlink(outside, join(dir, 'S2.R1.fastq.gz'));

    // Act
    const result = await validateRunFolder(dir, { profile: 'marker' });

    // Assess
    expect(result.valid).toBe(false);
    expect(result.reasons).toContainEqual(expect.objectContaining({ file: 'S2.R1.fastq.gz', expected: 'a file inside the run folder', found: `a link to ${outside}` }));
    expect(result.files.map((file) => file.path)).toEqual(['S1.R1.fastq.gz']);
  });

  const laneSplit = {
    'SampleSheet.csv': PAIRED_SHEET('1,A,ACGT\r\n2,A,ACGT\r\n1,B,TTTT\r\n'),
    'A_S1_L001_R1_001.fastq.gz': gz(reads(4, { mate: 1 })),
    'A_S1_L001_R2_001.fastq.gz': gz(reads(4, { mate: 2 })),
    'A_S1_L002_R1_001.fastq.gz': gz(reads(6, { mate: 1, from: 100 })),
    'A_S1_L002_R2_001.fastq.gz': gz(reads(6, { mate: 2, from: 100 })),
    'A_S1_L002_I1_001.fastq.gz': gz(reads(6, { length: 8, from: 100 })),
    'B_S2_L001_R1_001.fastq.gz': gz(reads(2, { mate: 1, from: 200 })),
    'B_S2_L001_R2_001.fastq.gz': gz(reads(2, { mate: 2, from: 200 })),
    'Undetermined_S0_L001_R1_001.fastq.gz': gz(reads(1, { from: 300 })),
    'CopyComplete.txt': '',
  };
  const goodCases: Array<{ case: string; profile?: ValidationProfile; files: Record<string, string | Buffer>; expectProfile: ValidationProfile }> = [
    {
      case: "quality lines that start with '@'",
      files: { 'S1.R1.fastq.gz': gz(`${record({ name: 'r1', sequence: 'ACGT', quality: '@III' })}${record({ name: 'r2', sequence: 'ACGT', quality: '@@@@' })}`) },
      expectProfile: 'marker',
    },
    { case: 'a multi-member gzip', files: { 'S1.R1.fastq.gz': Buffer.concat([gz(reads(3)), gz(reads(2, { from: 3 })), gz('')]) }, expectProfile: 'marker' },
    { case: 'lowercase bases', files: { 'S1.R1.fastq.gz': gz(record({ name: 'r1', sequence: 'acgtnACGTN' })) }, expectProfile: 'marker' },
    {
      case: 'long Illumina headers on mates (1:N:0 vs 2:N:0 comments)',
      files: {
        'S1_R1.fastq.gz': gz(record({ name: `${'A00123:8:HABCDEFXY:1:1101:10000:2000'.repeat(8)} 1:N:0:${'ACGT'.repeat(40)}`, sequence: 'ACGT' })),
        'S1_R2.fastq.gz': gz(record({ name: `${'A00123:8:HABCDEFXY:1:1101:10000:2000'.repeat(8)} 2:N:0:${'ACGT'.repeat(40)}`, sequence: 'ACGT' })),
      },
      expectProfile: 'marker',
    },
    { case: 'mates named /1 and /2', files: { 'x.R1.fastq': '@read7/1\nACGT\n+\nIIII\n', 'x.R2.fastq': '@read7/2\nTTTT\n+\nIIII\n' }, expectProfile: 'marker' },
    { case: 'lane-split samples with index reads and Undetermined', files: laneSplit, expectProfile: 'illumina' },
    {
      case: 'a v1 sheet',
      files: { 'SampleSheet.csv': '[Header]\nIEMFileVersion,4\n[Reads]\n20\n\n[Data]\nSample_ID,Sample_Name,index,,\nX1,X1,ACGT,,\n', 'X1_S1_L001_R1_001.fastq.gz': gz(reads(2)) },
      expectProfile: 'illumina',
    },
    {
      case: 'spaces and unicode in names, a subfolder, blank lines at the end and no final newline',
      files: { 'run data/Probe ü 1.R1.fastq': `${reads(2)}\n\n`, 'Probe-2.R1.fastq': reads(2).slice(0, -1) },
      expectProfile: 'marker',
    },
    {
      case: 'a manifest with md5, sha256 and size',
      files: {
        'S1.R1.fastq.gz': good,
        'notes.txt': 'hello',
        'manifest.json': JSON.stringify({
          files: [
            { path: 'S1.R1.fastq.gz', md5: md5(good), size: good.length, sha256: createHash('sha256').update(good).digest('hex') },
            { name: 'notes.txt', md5: md5(Buffer.from('hello')) },
          ],
        }),
      },
      expectProfile: 'manifest',
    },
  ];

  it.each(goodCases)('accepts $case', async ({ files, expectProfile }) => {
    // Prepare
    const dir = await runFolder(files);

    // Act
    const result = await validateRunFolder(dir);

    // Assess
    expect({ reasons: result.reasons, files: result.files.filter((file) => !file.valid) }).toEqual({ reasons: [], files: [] });
    expect(result.valid).toBe(true);
    expect(result.profile).toBe(expectProfile);
  });

  it('reports statistics and checksums per file of a lane-split run', async () => {
    // Prepare
    const dir = await runFolder(laneSplit);

    // Act
    const result = await validateRunFolder(dir, { profile: 'illumina' });

    // Assess
    const lane2 = result.files.find((file) => file.path === 'A_S1_L002_R1_001.fastq.gz');
    expect(lane2).toMatchObject({ valid: true, md5: md5(laneSplit['A_S1_L002_R1_001.fastq.gz']), stats: { reads: 6, bases: 120, minLength: 20, maxLength: 20 } });
    expect(result.files.map((file) => file.path)).toContain('SampleSheet.csv');
  });

  it('throws an I/O error for a missing folder and a usage error for a file', async () => {
    // Prepare
    const dir = await runFolder({ 'S1.R1.fastq': reads(1) });

    // Act / Assess
    await expect(validateRunFolder(join(dir, 'nope'))).rejects.toThrow(ValidationIoError);
    await expect(validateRunFolder(join(dir, 'S1.R1.fastq'))).rejects.toThrow(ValidationUsageError);
  });
});
