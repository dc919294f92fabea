import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationIoError } from '../../validation/errors.ts';
import { validateFile } from '../../validation/validateFile.ts';
import { gz, reads } from './fastqFixtures.ts';

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
});
