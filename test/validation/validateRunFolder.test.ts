import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationIoError, ValidationUsageError } from '../../validation/errors.ts';
import { detectProfile, validateRunFolder } from '../../validation/validateRunFolder.ts';
import { gz, reads } from './fastqFixtures.ts';

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

// The table of bad and tricky good run folders is in badInputs.test.ts (issue 3's acceptance table).
const good = gz(reads(200));

const PAIRED_SHEET = (rows: string) =>
  `[Header]\r\nFileFormatVersion,2\r\n[Reads]\r\nRead1Cycles,20\r\nRead2Cycles,20\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index\r\n${rows}`;

describe('validateRunFolder', () => {
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
    expect(result.reasons).toContainEqual(
      expect.objectContaining({ file: 'S2.R1.fastq.gz', expected: 'a file inside the run folder', found: `a link to ${outside}` }),
    );
    expect(result.files.map((file) => file.path)).toEqual(['S1.R1.fastq.gz']);
  });

  it('calls a MinKNOW run INVALID while fewer FASTQs are there than its final summary counts, and VALID once all are', async () => {
    // Prepare: MinKNOW counts every FASTQ it wrote below the summary's folder, pass and fail.
    const batch = (folder: string, n: number) =>
      `${folder}/PAO25751_${folder.split('/')[0]!.slice(6)}_barcode01_e05460c6_de9f2c7f_${n}.fastq.gz`;
    const files = {
      [batch('fastq_pass/barcode01', 0)]: gz(reads(5)),
      [batch('fastq_pass/barcode01', 1)]: gz(reads(5, { from: 50 })),
      [batch('fastq_fail/barcode01', 0)]: gz(reads(2, { from: 90 })),
      'final_summary_PAO25751_e05460c6_de9f2c7f.txt': 'flow_cell_id=PAO25751\nfastq_files_in_final_dest=4\n',
    };
    const short = await runFolder(files);
    const whole = await runFolder({ ...files, [batch('fastq_pass/barcode01', 2)]: gz(reads(5, { from: 70 })) });

    // Act
    const [before, after] = [await validateRunFolder(short, { profile: 'ont' }), await validateRunFolder(whole, { profile: 'ont' })];

    // Assess
    expect(before.valid).toBe(false);
    expect(before.reasons).toContainEqual(
      expect.objectContaining({
        code: 'MISSING_FILE',
        file: 'final_summary_PAO25751_e05460c6_de9f2c7f.txt',
        expected: '4 FASTQ files below its folder (fastq_files_in_final_dest=4)',
        found: '3',
      }),
    );
    expect({ valid: after.valid, reasons: after.reasons }).toEqual({ valid: true, reasons: [] });
  });

  it("checks each FASTQ of a MinKNOW run against the SHA-256 its protocol run's output hash file gives, naming the file and line", async () => {
    // Prepare: two flow cells of one library, each with its own final summary and output hash file
    const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
    const header = 'runid,protocol_group_id,flow_cell_id,sample_id,file_hash,file_path,barcode,barcode_alias\n';
    const [a, b] = [gz(reads(5)), gz(reads(6, { from: 40 }))];
    const cell = (flowCell: string, fastq: Buffer, listed: string) => {
      const folder = `libA/20250603_1201_1A_${flowCell}_e05460c6`;
      const name = `fastq_pass/barcode01/${flowCell}_pass_barcode01_e05460c6_de9f2c7f_0.fastq.gz`;
      const row = `e05460c6-93f9-439a-bc8f-d20c95a137a5,grp,${flowCell},libA,${listed},${name},barcode01,barcode01\n`;
      return {
        [`${folder}/${name}`]: fastq,
        [`${folder}/final_summary_${flowCell}_e05460c6_de9f2c7f.txt`]: `flow_cell_id=${flowCell}\nfastq_files_in_final_dest=1\n`,
        [`${folder}/output_hash_${flowCell}_20250603_1201_e05460c6.csv`]: `${header}${row}`,
      };
    };
    const dir = await runFolder({ ...cell('PAW11111', a, sha256(a)), ...cell('PAW22222', b, sha256(a)) });

    // Act
    const result = await validateRunFolder(dir, { profile: 'ont' });

    // Assess: the first flow cell's FASTQ matches; the second's hash file lists other bytes
    const failing = result.files.filter((file) => !file.valid);
    expect(result.valid).toBe(false);
    expect(failing.map((file) => file.path)).toEqual([
      'libA/20250603_1201_1A_PAW22222_e05460c6/fastq_pass/barcode01/PAW22222_pass_barcode01_e05460c6_de9f2c7f_0.fastq.gz',
    ]);
    expect(failing[0]!.reasons.map((reason) => [reason.code, reason.expected])).toEqual([
      [
        'MANIFEST_SHA256_MISMATCH',
        `SHA-256 ${sha256(a)} (libA/20250603_1201_1A_PAW22222_e05460c6/output_hash_PAW22222_20250603_1201_e05460c6.csv line 2)`,
      ],
    ]);
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
  it('reports statistics and checksums per file of a lane-split run', async () => {
    // Prepare
    const dir = await runFolder(laneSplit);

    // Act
    const result = await validateRunFolder(dir, { profile: 'illumina' });

    // Assess
    const lane2 = result.files.find((file) => file.path === 'A_S1_L002_R1_001.fastq.gz');
    expect(lane2).toMatchObject({
      valid: true,
      md5: md5(laneSplit['A_S1_L002_R1_001.fastq.gz']),
      stats: { reads: 6, bases: 120, minLength: 20, maxLength: 20 },
    });
    expect(result.files.map((file) => file.path)).toContain('SampleSheet.csv');
  });

  it('compares the files with a manifest beside a sample sheet, as the landing does, without asking it for every file', async () => {
    // Prepare: the lab's MD5SUMS lists two of the run's FASTQs, one with the MD5 of other bytes
    const wrong = md5(Buffer.from('other bytes'));
    const dir = await runFolder({
      ...laneSplit,
      MD5SUMS: `${md5(laneSplit['A_S1_L001_R1_001.fastq.gz'])}  A_S1_L001_R1_001.fastq.gz\n${wrong}  A_S1_L001_R2_001.fastq.gz\n`,
    });

    // Act
    const result = await validateRunFolder(dir, { profile: 'illumina' });

    // Assess: only the mismatch; the files MD5SUMS does not list are neither missing nor orphans here
    expect(result.reasons.filter((reason) => JSON.stringify(reason).includes('MD5SUMS'))).toEqual([]);
    expect(result.files.filter((file) => !file.valid).map((file) => [file.path, file.reasons.map((reason) => reason.expected)])).toEqual([
      ['A_S1_L001_R2_001.fastq.gz', [`MD5 ${wrong} (MD5SUMS line 2)`]],
    ]);
  });

  it("applies validation.legacyNoCalls to the run's Undetermined reads as to its samples'", async () => {
    // Prepare: a legacy run whose reads carry '.' no-calls, in a sample and in Undetermined alike.
    const dotted = (from: number) => gz(reads(3, { from }).replace(/^([ACGT]+)A\n/gm, '$1.\n'));
    const dir = await runFolder({
      'SampleSheet.csv': '[Header]\r\nFileFormatVersion,2\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index\r\n1,A,ACGT\r\n',
      'A_S1_L001_R1_001.fastq.gz': dotted(0),
      'Undetermined_S0_L001_R1_001.fastq.gz': dotted(300),
      'CopyComplete.txt': '',
    });

    // Act
    const strict = await validateRunFolder(dir, { profile: 'illumina' });
    const legacy = await validateRunFolder(dir, { profile: 'illumina', legacyNoCalls: true });

    // Assess: without the setting both files are refused for the '.', with it both are valid.
    const refused = (result: typeof strict) =>
      result.files.filter((file) => file.reasons.some((reason) => reason.code === 'FASTQ_LEGACY_NO_CALL')).map((file) => file.path);
    expect(refused(strict).sort()).toEqual(['A_S1_L001_R1_001.fastq.gz', 'Undetermined_S0_L001_R1_001.fastq.gz']);
    expect(legacy.files.map((file) => [file.path, file.valid])).toEqual(
      expect.arrayContaining([
        ['A_S1_L001_R1_001.fastq.gz', true],
        ['Undetermined_S0_L001_R1_001.fastq.gz', true],
      ]),
    );
  });

  it("reads a requeued onboard analysis's own sheet, as the landing does, and detects Illumina from it alone", async () => {
    // Prepare: the requeue (Analysis/2/) was made with a sheet renaming B to C; the top-level sheet is the first one
    const sheet = (second: string) =>
      `[Header]\r\nFileFormatVersion,2\r\n[BCLConvert_Data]\r\nSample_ID,Index\r\nA,ACGT\r\n${second},TTGA\r\n`;
    const fastq = (n: number, sample: string, s: number) => `Analysis/${n}/Data/BCLConvert/fastq/${sample}_S${s}_L001_R1_001.fastq.gz`;
    const requeue = {
      [fastq(1, 'A', 1)]: good,
      [fastq(1, 'B', 2)]: good,
      'Analysis/2/Data/SampleSheet.csv': sheet('C'),
      [fastq(2, 'A', 1)]: good,
      [fastq(2, 'C', 2)]: good,
      'CopyComplete.txt': '',
    };
    const dir = await runFolder({ 'SampleSheet.csv': sheet('B'), ...requeue });
    const analysisOnly = await runFolder(requeue);

    // Act
    const result = await validateRunFolder(dir, { profile: 'illumina' });
    const detected = await validateRunFolder(analysisOnly);

    // Assess
    for (const validated of [result, detected]) {
      expect(validated.samples?.map((sample) => `${sample.sampleId}: ${sample.files.map((file) => file.path).join(' ')}`)).toEqual([
        `A: ${fastq(2, 'A', 1)}`,
        `C: ${fastq(2, 'C', 2)}`,
      ]);
    }
    expect(detected.profile).toBe('illumina');
    // The first analysis's FASTQs are kept aside as unexpected, but they are no fault of the folder (not orphans)
    expect(result.unexpected?.map((file) => file.name).sort()).toEqual([fastq(1, 'A', 1), fastq(1, 'B', 2)]);
    expect(result.reasons).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('calls a UMI written as R2 INVALID while R3 is missing, as the landing does, and the folder VALID with R3', async () => {
    // Prepare: bcl2fastq --use-bases-mask Y20,I8,Y9,Y20: R2 is the 9-base UMI, R3 mate 2
    const runInfo = `<RunInfo><Run Id="X"><Reads><Read Number="1" NumCycles="20" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/><Read Number="3" NumCycles="9" IsIndexedRead="Y"/><Read Number="4" NumCycles="20" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="1"/></Run></RunInfo>`;
    const partial = {
      'RunInfo.xml': runInfo,
      'SampleSheet.csv': '[Data]\r\nSample_ID,index\r\nA,ACGTACGT\r\n',
      'A_S1_L001_R1_001.fastq.gz': gz(reads(30, { mate: 1 })),
      'A_S1_L001_R2_001.fastq.gz': gz(reads(30, { mate: 2, length: 9 })),
      'CopyComplete.txt': '',
    };
    const withoutR3 = await runFolder(partial);
    const withR3 = await runFolder({ ...partial, 'A_S1_L001_R3_001.fastq.gz': gz(reads(30, { mate: 2 })) });

    // Act
    const refused = await validateRunFolder(withoutR3, { profile: 'illumina' });
    const whole = await validateRunFolder(withR3, { profile: 'illumina' });

    // Assess
    expect(refused.valid).toBe(false);
    expect(refused.files.find((file) => file.path === 'A_S1_L001_R2_001.fastq.gz')?.reasons.map((reason) => reason.code)).toEqual([
      'MATE_READ_LENGTH',
    ]);
    expect(whole.valid).toBe(true);
    expect(whole.samples?.[0]?.files.map((file) => `${file.label}:${file.role}`)).toEqual(['R1:mate1', 'R2:umi', 'R3:mate2']);
  });

  it("counts each FASTQ against BCL Convert's Demultiplex_Stats.csv, as the landing does: a file cut at a gzip member is INVALID", async () => {
    // Prepare: a single-end BCL Convert output folder; A's R1 lost its second gzip member, B's is whole
    const members = (from: number) => [gz(reads(30, { from })), gz(reads(10, { from: from + 30 }))];
    const dir = await runFolder({
      'Reports/SampleSheet.csv': '[Header]\r\nFileFormatVersion,2\r\n[BCLConvert_Data]\r\nSample_ID,Index\r\nA,ACGT\r\nB,TTGA\r\n',
      'Reports/Demultiplex_Stats.csv': 'Lane,SampleID,Index,# Reads\n1,A,ACGT,40\n1,B,TTGA,40\n',
      'A_S1_L001_R1_001.fastq.gz': members(0)[0]!,
      'B_S2_L001_R1_001.fastq.gz': Buffer.concat(members(100)),
      'Logs/FastqComplete.txt': '',
    });

    // Act
    const result = await validateRunFolder(dir);

    // Assess
    expect(result.profile).toBe('illumina');
    expect(
      result.files.filter((file) => !file.valid).map((file) => `${file.path} ${file.reasons.map((reason) => reason.code).join()}`),
    ).toEqual(['A_S1_L001_R1_001.fastq.gz DEMUX_READ_COUNT']);
  });

  it('throws an I/O error for a missing folder and a usage error for a file', async () => {
    // Prepare
    const dir = await runFolder({ 'S1.R1.fastq': reads(1) });

    // Act / Assess
    await expect(validateRunFolder(join(dir, 'nope'))).rejects.toThrow(ValidationIoError);
    await expect(validateRunFolder(join(dir, 'S1.R1.fastq'))).rejects.toThrow(ValidationUsageError);
  });
});

describe('detectProfile', () => {
  it.each([
    { case: 'a sample sheet at the top', paths: ['SampleSheet.csv', 'A_S1_L001_R1_001.fastq.gz'], profile: 'illumina' },
    { case: 'a manifest at the top', paths: ['manifest.md5', 'S1.R1.fastq.gz'], profile: 'manifest' },
    {
      case: 'MinKNOW fastq_pass/ (ONT "Output Structure")',
      paths: ['fastq_pass/barcode01/x_pass_barcode01_a_b_0.fastq.gz'],
      profile: 'ont',
    },
    { case: 'a MinKNOW final summary', paths: ['final_summary_PAO25751_a_b.txt'], profile: 'ont' },
    { case: 'Revio hifi_reads names', paths: ['1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz'], profile: 'pacbio' },
    { case: 'anything else', paths: ['S1.R1.fastq.gz', 'S1.R2.fastq.gz'], profile: 'marker' },
  ])('says $profile for $case', ({ paths, profile }) => {
    expect(detectProfile(paths)).toBe(profile);
  });
});
