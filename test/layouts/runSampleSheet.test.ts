/**
 * Which sample sheet a run's samples are read from (layouts/runFiles.ts runSampleSheetPath): the top-level one,
 * or the requeued onboard analysis's own copy (NovaSeq X `Analysis/<n>/Data/`, NextSeq 1000/2000 `Data/Reports/`).
 */
import { describe, expect, it } from 'vitest';
import { latestAnalysis, runInfoPath, runSampleSheetPath } from '../../layouts/runFiles.ts';

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
    {
      case: 'a BCL Convert output folder: the copy in Reports/ of the sheet it converted with',
      paths: ['Reports/SampleSheet.csv', 'Reports/RunInfo.xml', 'A_S1_L001_R1_001.fastq.gz', 'Logs/FastqComplete.txt'],
      sheet: 'Reports/SampleSheet.csv',
    },
    {
      case: 'a run folder with its own sheet and BCL Convert Reports/: the top-level one',
      paths: ['SampleSheet.csv', 'Reports/SampleSheet.csv', 'A_S1_L001_R1_001.fastq.gz'],
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

describe('runInfoPath', () => {
  it.each([
    {
      case: "the instrument's, at the top",
      paths: ['RunInfo.xml', 'Reports/RunInfo.xml', 'Reports/SampleSheet.csv'],
      runInfo: 'RunInfo.xml',
    },
    {
      case: "BCL Convert's copy beside its sheet copy",
      paths: ['Reports/RunInfo.xml', 'Reports/SampleSheet.csv'],
      runInfo: 'Reports/RunInfo.xml',
    },
    {
      case: "BCL Convert's copy with a top-level sheet",
      paths: ['SampleSheet.csv', 'Reports/RunInfo.xml'],
      runInfo: 'Reports/RunInfo.xml',
    },
    {
      case: "a requeue's copy beside its sheet",
      paths: ['Analysis/2/Data/SampleSheet.csv', 'Analysis/2/Data/RunInfo.xml', fastq(2)],
      runInfo: 'Analysis/2/Data/RunInfo.xml',
    },
    { case: 'none', paths: ['SampleSheet.csv'], runInfo: undefined },
  ])('$case', ({ paths, runInfo }) => {
    expect(runInfoPath(paths)).toBe(runInfo);
  });
});
