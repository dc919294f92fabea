import { describe, expect, it } from 'vitest';
import { parseFastqFileName } from '../../../workflows/fastq/fileNames.ts';

describe('Function: parseFastqFileName', () => {
  it.each([
    {
      case: 'Illumina R1 with lane',
      name: 'Sample01_S1_L001_R1_001.fastq.gz',
      expected: { sample: 'Sample01', read: 'R1', sampleNumber: 1, lane: 1, pairKey: 'Sample01_S1_L001_{read}_001.fastq.gz' },
    },
    {
      case: 'Illumina R2, lane 4, sample with underscores',
      name: 'tumor_a_S12_L004_R2_001.fastq.gz',
      expected: { sample: 'tumor_a', read: 'R2', sampleNumber: 12, lane: 4, pairKey: 'tumor_a_S12_L004_{read}_001.fastq.gz' },
    },
    {
      case: 'Illumina without lane splitting',
      name: 'S-7_S3_R1_001.fastq.gz',
      expected: { sample: 'S-7', read: 'R1', sampleNumber: 3, pairKey: 'S-7_S3_{read}_001.fastq.gz' },
    },
    {
      case: 'index read',
      name: 'Sample01_S1_L001_I1_001.fastq.gz',
      expected: { sample: 'Sample01', read: 'I1', sampleNumber: 1, lane: 1, pairKey: 'Sample01_S1_L001_{read}_001.fastq.gz' },
    },
    { case: 'dot style', name: 'liver.R2.fastq.gz', expected: { sample: 'liver', read: 'R2', pairKey: 'liver.{read}.fastq.gz' } },
    { case: 'underscore style, plain fq', name: 'liver_R1.fq', expected: { sample: 'liver', read: 'R1', pairKey: 'liver_{read}.fq' } },
  ])('$case', ({ name, expected }) => {
    // Act
    const parsed = parseFastqFileName(name);

    // Assess
    expect(parsed).toEqual(expected);
  });

  it.each([
    { case: 'no read designator', name: 'reads.fastq.gz' },
    { case: 'not FASTQ', name: 'Sample01_S1_L001_R1_001.bam' },
  ])('returns undefined for $case', ({ name }) => {
    // Act & Assess
    expect(parseFastqFileName(name)).toBeUndefined();
  });
});
