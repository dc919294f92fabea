import { describe, expect, it } from 'vitest';
import type { LandedFile } from '../../../functions/catalog/types.ts';
import { illuminaCompleteness } from '../../../functions/landing/completeness.ts';
import { parseLandingKey } from '../../../functions/landing/landingKey.ts';
import { parseSampleSheet } from '../../../functions/landing/sampleSheet.ts';

const sheet = parseSampleSheet('[Reads]\nRead1Cycles,151\nRead2Cycles,151\n[BCLConvert_Data]\nLane,Sample_ID\n1,A\n2,A\n1,B\n');
const landed = (name: string): LandedFile => ({ name, bucket: 'b', key: `incoming/t/r/${name}`, size: 1, etag: 'e', landedAt: '' });
const ALL_A = ['A_S1_L001_R1_001.fastq.gz', 'A_S1_L001_R2_001.fastq.gz', 'A_S1_L002_R1_001.fastq.gz', 'A_S1_L002_R2_001.fastq.gz'];

describe('illuminaCompleteness', () => {
  it.each([
    { case: 'nothing but the sheet', files: ['SampleSheet.csv'], marker: false, missingA: 4, missingB: 2 },
    { case: 'all of A without the marker', files: ALL_A, marker: false, missingA: 0, missingB: 2 },
    { case: 'RTAComplete alone is not completion', files: [...ALL_A, 'RTAComplete.txt'], marker: false, missingA: 0, missingB: 2 },
    { case: 'CopyComplete and all of A, lane-split', files: [...ALL_A, 'CopyComplete.txt'], marker: true, missingA: 0, missingB: 2 },
    { case: 'CopyComplete but a lane of A missing', files: [...ALL_A.slice(0, 3), 'CopyComplete.txt'], marker: true, missingA: 1, missingB: 2 },
  ])('$case', ({ files, marker, missingA, missingB }) => {
    // Act
    const result = illuminaCompleteness(sheet, files.map(landed));
    // Assess
    expect(result.markerPresent).toBe(marker);
    expect(result.samples.map((sample) => sample.missing.length)).toEqual([missingA, missingB]);
    expect(result.samples[0]!.expected).toHaveLength(4);
  });
});

describe('parseLandingKey', () => {
  it.each([
    { case: 'a run file', key: 'incoming/genomics/RUN1/A_S1_L001_R1_001.fastq.gz', expected: { team: 'genomics', runId: 'RUN1', name: 'A_S1_L001_R1_001.fastq.gz' } },
    { case: 'a nested file', key: 'incoming/genomics/RUN1/Reports/x y.html', expected: { team: 'genomics', runId: 'RUN1', name: 'Reports/x y.html' } },
    { case: 'an NFD name (macOS SMB) becomes NFC', key: 'incoming/genomics/RUN1/Cafe\u0301.csv', expected: { team: 'genomics', runId: 'RUN1', name: 'Caf\u00e9.csv' } },
    { case: 'a file at the team folder', key: 'incoming/genomics/loose.txt', expected: undefined },
    { case: 'outside incoming/', key: 'teams/genomics/RUN1/x', expected: undefined },
  ])('$case', ({ key, expected }) => {
    expect(parseLandingKey(key)).toEqual(expected);
  });
});
