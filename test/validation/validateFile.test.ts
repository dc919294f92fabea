import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationIoError } from '../../validation/errors.ts';
import { validateFile } from '../../validation/validateFile.ts';
import { gz, reads, record } from './fastqFixtures.ts';

const hasSeqkit = spawnSync('seqkit', ['version']).status === 0;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'landfall-validate-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validateFile', () => {
  it('validates a FASTQ file and reports checksums and statistics', async () => {
    // Prepare
    const path = join(dir, 'S1_S1_L001_R1_001.fastq.gz');
    await writeFile(path, gz(reads(7, { length: 30 })));

    // Act
    const result = await validateFile(path, { sha256: true });

    // Assess
    expect(result).toEqual({
      valid: true,
      reasons: [],
      files: [
        {
          path,
          valid: true,
          reasons: [],
          md5: expect.stringMatching(/^[0-9a-f]{32}$/),
          sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
          size: expect.any(Number),
          stats: expect.objectContaining({ reads: 7, bases: 210 }),
          qualityEncoding: 'phred+33',
        },
      ],
    });
  });

  it('checks a sample sheet and lists every bad row with its line, not just the first', async () => {
    // Prepare
    const path = join(dir, 'SampleSheet.csv');
    await writeFile(path, '\uFEFF[BCLConvert_Data]\r\nLane,Sample_ID,,\r\n1,A,,\r\n9,B,,\r\n\r\n1,A,,\r\n2,A,,\r\n');

    // Act
    const result = await validateFile(path);

    // Assess
    expect(result.valid).toBe(false);
    expect(result.files[0]!.reasons).toEqual([
      expect.objectContaining({ file: path, line: 4, expected: 'a lane number 1-8', found: '"9"' }),
      expect.objectContaining({
        file: path,
        line: 6,
        expected: 'each (Lane, Sample_ID) once',
        found: '(Lane 1, Sample_ID A) again (first on line 3)',
      }),
    ]);
  });

  it('throws a ValidationIoError for a missing file', async () => {
    // Act
    const failure = await validateFile(join(dir, 'missing.fastq.gz')).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ValidationIoError);
    expect((failure as Error).message).toContain('no such file or folder');
  });

  describe('a Phred+64 file (Illumina 1.3–1.7)', () => {
    // Qualities of an Illumina 1.5 read: Q2 tail as 'B', Q40 as 'h' (Phred+64).
    const quality = 'hhhhhhhhhhhhhhhggggffff^^^^]]]]\\\\[[ZZYYXXWWBBBBBBBBBB';
    const sequence = 'ACGT'.repeat(quality.length).slice(0, quality.length);
    const text = Array.from({ length: 3 }, (_, i) => record({ name: `HWUSI-EAS100R:6:73:941:${1973 + i}#0/1`, sequence, quality })).join(
      '',
    );
    const scores = [...quality].map((c) => c.charCodeAt(0) - 64);
    const meanQuality = Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100;

    it('is found, reported as such with its statistics on the +64 scale, and rejected', async () => {
      // Prepare
      const path = join(dir, 'old_run_s_1_1_sequence.fastq.gz');
      await writeFile(path, gz(text));

      // Act
      const result = await validateFile(path);

      // Assess
      expect(result.valid).toBe(false);
      expect(result.files[0]).toMatchObject({ qualityEncoding: 'phred+64', stats: { reads: 3, meanQuality } });
      expect(result.files[0]!.reasons.map((reason) => reason.code)).toEqual(['FASTQ_PHRED64']);
    });

    it.skipIf(!hasSeqkit)('is valid Phred+33 with the same scores after the conversion its reason names (seqkit)', async () => {
      // Prepare
      const path = join(dir, 'to_convert.fastq.gz');
      const converted = join(dir, 'converted.fastq.gz');
      await writeFile(path, gz(text));
      const [reason] = (await validateFile(path)).files[0]!.reasons;
      const command = /seqkit convert (--from \S+ --to \S+) /.exec(reason!.message)![1]!.split(' ');

      // Act
      await promisify(execFile)('seqkit', ['convert', ...command, path, '-o', converted]);
      const result = await validateFile(converted);

      // Assess
      expect(result.valid).toBe(true);
      expect(result.files[0]).toMatchObject({ qualityEncoding: 'phred+33', stats: { reads: 3, meanQuality } });
    });

    it.skipIf(hasSeqkit)('conversion check skipped: seqkit is not installed (the Debian package seqkit)', () => undefined);
  });
});
