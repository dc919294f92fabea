/**
 * Which sample sheet a run's samples are read from (layouts/runFiles.ts runSampleSheetPath): the top-level one,
 * or the requeued onboard analysis's own copy (NovaSeq X `Analysis/<n>/Data/`, NextSeq 1000/2000 `Data/Reports/`).
 */
import { describe, expect, it } from 'vitest';
import { latestAnalysis, runSampleSheetPath } from '../../layouts/runFiles.ts';

const fastq = (analysis: number, sample = 'A') => `Analysis/${analysis}/Data/BCLConvert/fastq/${sample}_S1_L001_R1_001.fastq.gz`;

describe('runSampleSheetPath', () => {
  it.each([
    { case: 'a bcl2fastq run: the top-level sheet', paths: ['SampleSheet.csv', 'A_S1_L001_R1_001.fastq.gz'], sheet: 'SampleSheet.csv' },
    { case: 'SampleSheet.csv before another top-level sheet', paths: ['SampleSheet_v2.csv', 'SampleSheet.csv'], sheet: 'SampleSheet.csv' },
    { case: 'another top-level sheet alone', paths: ['SampleSheet_v2.csv', 'A_S1_L001_R1_001.fastq.gz'], sheet: 'SampleSheet_v2.csv' },
    {
      case: 'the initial analysis: the top-level sheet (the analysis copies it)',
      paths: ['SampleSheet.csv', 'Analysis/1/Data/SampleSheet.csv', fastq(1)],
      sheet: 'SampleSheet.csv',
    },
    {
      case: "a requeue: its own sheet, not the run's first one",
      paths: ['SampleSheet.csv', 'Analysis/1/Data/SampleSheet.csv', fastq(1), 'Analysis/2/Data/SampleSheet.csv', fastq(2)],
      sheet: 'Analysis/2/Data/SampleSheet.csv',
    },
    {
      case: "a requeue without Data/'s copy: BCLConvert/'s before Reports/' (NextSeq 1000/2000)",
      paths: ['SampleSheet.csv', 'Analysis/3/Data/Reports/SampleSheet.csv', 'Analysis/3/Data/BCLConvert/SampleSheet.csv', fastq(3)],
      sheet: 'Analysis/3/Data/BCLConvert/SampleSheet.csv',
    },
    {
      case: "a requeue whose sheet has not landed: the top-level one, never an earlier analysis's",
      paths: ['SampleSheet.csv', 'Analysis/1/Data/SampleSheet.csv', fastq(1), fastq(2)],
      sheet: 'SampleSheet.csv',
    },
    {
      case: "only the Analysis/ folder copied: the analysis's sheet",
      paths: ['Analysis/1/Data/SampleSheet.csv', fastq(1)],
      sheet: 'Analysis/1/Data/SampleSheet.csv',
    },
    {
      case: "a requeue's sheet before its FASTQs: not yet (the newest analysis is the one whose reads landed)",
      paths: ['SampleSheet.csv', fastq(1), 'Analysis/2/Data/SampleSheet.csv'],
      sheet: 'SampleSheet.csv',
    },
    { case: 'no sheet', paths: [fastq(1), 'CopyComplete.txt'], sheet: undefined },
  ])('$case', ({ paths, sheet }) => {
    expect(runSampleSheetPath(paths)).toBe(sheet);
  });
});

describe('latestAnalysis', () => {
  it('is the highest analysis number among FASTQs (Analysis/10 after Analysis/9), -1 without one', () => {
    expect(latestAnalysis([fastq(9), fastq(10), 'Analysis/11/Data/SampleSheet.csv'])).toBe(10);
    expect(latestAnalysis(['A_S1_L001_R1_001.fastq.gz', 'SampleSheet.csv'])).toBe(-1);
  });
});
