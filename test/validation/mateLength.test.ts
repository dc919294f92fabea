/**
 * validation/mateLength.ts: a mate no longer than RunInfo.xml's index reads is an index or UMI read a bases mask
 * wrote as R2 (bcl2fastq --use-bases-mask, cellranger mkfastq); real mates, trimmed or asymmetric, pass.
 */
import { describe, expect, it } from 'vitest';
import type { RunInfo } from '../../layouts/runInfo.ts';
import { type MateLengthFile, mateLengthReasons } from '../../validation/mateLength.ts';

const run = (...reads: Array<[cycles: number, index: boolean]>): RunInfo => ({
  reads: reads.map(([cycles, isIndexedRead], i) => ({ number: i + 1, cycles, isIndexedRead })),
});
const file = (read: string, role: MateLengthFile['role'], maxLength: number): MateLengthFile => ({
  name: `S_S1_L001_${read}_001.fastq.gz`,
  read,
  role,
  stats: {
    reads: 100,
    bases: 100 * maxLength,
    minLength: 1,
    meanLength: maxLength,
    maxLength,
    gcPercent: 50,
    meanQuality: 30,
    q30Percent: 90,
  },
});

describe('mateLengthReasons', () => {
  it.each([
    {
      case: 'a 151-cycle pair',
      runInfo: run([151, false], [8, true], [8, true], [151, false]),
      files: [file('R1', 'mate1', 151), file('R2', 'mate2', 151)],
    },
    {
      case: 'adapter-trimmed mates (their longest read is untrimmed)',
      runInfo: run([151, false], [8, true], [151, false]),
      files: [file('R1', 'mate1', 151), file('R2', 'mate2', 140)],
    },
    {
      case: "10x's 28-base barcode read as mate 1",
      runInfo: run([28, false], [10, true], [10, true], [90, false]),
      files: [file('R1', 'mate1', 28), file('R2', 'mate2', 90)],
    },
    {
      case: 'a mate masked shorter (Y100n*) but longer than the index reads',
      runInfo: run([151, false], [8, true], [151, false]),
      files: [file('R1', 'mate1', 151), file('R2', 'mate2', 100)],
    },
    { case: 'a run without index reads', runInfo: run([50, false], [50, false]), files: [file('R1', 'mate1', 50), file('R2', 'mate2', 9)] },
    {
      case: 'the UMI once R3 is there (R2 is the umi role)',
      runInfo: run([50, false], [8, true], [9, true], [50, false]),
      files: [file('R1', 'mate1', 50), file('R2', 'umi', 9), file('R3', 'mate2', 50)],
    },
    { case: 'no RunInfo.xml', runInfo: undefined, files: [file('R1', 'mate1', 50), file('R2', 'mate2', 9)] },
  ])('passes $case', ({ runInfo, files }) => {
    expect(mateLengthReasons(files, runInfo)).toEqual([]);
  });

  it.each([
    {
      case: 'a UMI from the second index read (Y50,I8,Y9,Y50)',
      runInfo: run([50, false], [8, true], [9, true], [50, false]),
      umi: 9,
      cycles: 50,
    },
    {
      case: "cellranger-atac's 16-base cell barcode from i5",
      runInfo: run([50, false], [8, true], [16, true], [49, false]),
      umi: 16,
      cycles: 49,
    },
  ])('refuses $case written as R2, naming R3 as the mate', ({ runInfo, umi, cycles }) => {
    const reasons = mateLengthReasons([file('R1', 'mate1', 50), file('R2', 'mate2', umi)], runInfo);
    expect(reasons).toEqual([
      expect.objectContaining({
        code: 'MATE_READ_LENGTH',
        file: 'S_S1_L001_R2_001.fastq.gz',
        found: expect.stringContaining(`at most ${umi} bases`),
      }),
    ]);
    expect(reasons[0]!.message).toContain(`RunInfo.xml gives mate 2 ${cycles} cycles`);
    expect(reasons[0]!.message).toContain('whose mate is the next read (R3)');
  });
});
