/**
 * BCL Convert's Reports/Demultiplex_Stats.csv as BCL Convert writes it (3.x: 11 columns; 4.x adds Sample_Project),
 * and which report counts a run's FASTQs (layouts/runFiles.ts demultiplexStatsPath).
 */
import { describe, expect, it } from 'vitest';
import { DemultiplexStatsError, parseDemultiplexStats } from '../../layouts/demultiplexStats.ts';
import { demultiplexStatsPath } from '../../layouts/runFiles.ts';

const V3 =
  'Lane,SampleID,Index,# Reads,# Perfect Index Reads,# One Mismatch Index Reads,# Two Mismatch Index Reads,% Reads,% Perfect Index Reads,% One Mismatch Index Reads,% Two Mismatch Index Reads\r\n' +
  '1,splA,CTGATCGT-GCGCATAT,1546203,1511172,35031,0,0.135021,0.176742,0.181226,0.000000\r\n' +
  '1,splB,ACTCTCGA-CTGTACCA,2585489,2522498,62991,0,0.225775,0.295023,0.325872,0.000000\r\n' +
  '2,splA,CGCATGAT-AAGCCTGA,2293141,2246343,46798,0,0.200246,0.262725,0.242100,0.000000\r\n' +
  '1,IGF122023,ATAGCGTC-,0,0,0,0,0.0000,1.0000,1.0000,0.0000\r\n' +
  '1,Undetermined,,1000,0,0,0,0.0100,0.0000,0.0000,0.0000\r\n';

describe('parseDemultiplexStats', () => {
  it('reads reads per sample and lane, zero-read samples and Undetermined included', () => {
    const stats = parseDemultiplexStats('Reports/Demultiplex_Stats.csv', V3);
    expect(stats.reads.get('splA')).toEqual(
      new Map([
        [1, 1546203],
        [2, 2293141],
      ]),
    );
    expect(stats.reads.get('IGF122023')?.get(1)).toBe(0);
    expect(stats.reads.get('Undetermined')?.get(1)).toBe(1000);
  });

  it("finds BCL Convert 4's columns by name and sums a sample's index rows in a lane (10x: four indexes)", () => {
    const text =
      '\uFEFFLane,SampleID,Sample_Project,Index,# Reads,# Perfect Index Reads\n' +
      ['TTTCATGA', 'ACGTCCCT', 'CGCATGTG', 'GAAGGAAC'].map((index, i) => `1,ATAC1,proj,${index},${100 + i},${100 + i}`).join('\n');
    expect(parseDemultiplexStats('Reports/Demultiplex_Stats.csv', text).reads.get('ATAC1')?.get(1)).toBe(406);
  });

  it.each([
    {
      case: 'a header without # Reads',
      text: 'Lane,SampleID,Index\n1,S1,ACGT\n',
      message: 'Demultiplex_Stats.csv line 1: expected a header with Lane, SampleID and # Reads',
    },
    {
      case: 'a count that is not a whole number',
      text: 'Lane,SampleID,Index,# Reads\n1,S1,ACGT,12.5\n',
      message: 'Demultiplex_Stats.csv line 2: expected a lane number and a whole # Reads, found "1,S1,ACGT,12.5"',
    },
  ])('refuses $case, naming the line', ({ text, message }) => {
    expect(() => parseDemultiplexStats('Demultiplex_Stats.csv', text)).toThrow(DemultiplexStatsError);
    expect(() => parseDemultiplexStats('Demultiplex_Stats.csv', text)).toThrow(message);
  });
});

describe('demultiplexStatsPath', () => {
  const fastq = (n: number) => `Analysis/${n}/Data/BCLConvert/fastq/A_S1_L001_R1_001.fastq.gz`;
  it.each([
    {
      case: 'BCL Convert output beside the FASTQs',
      paths: ['Reports/Demultiplex_Stats.csv', 'A_S1_L001_R1_001.fastq.gz'],
      report: 'Reports/Demultiplex_Stats.csv',
    },
    {
      case: 'an output folder inside the run',
      paths: ['fastq/Reports/Demultiplex_Stats.csv', 'fastq/A_S1_L001_R1_001.fastq.gz'],
      report: 'fastq/Reports/Demultiplex_Stats.csv',
    },
    {
      case: "the newest analysis's, not the one its requeue replaced",
      paths: ['Analysis/1/Data/Demux/Demultiplex_Stats.csv', fastq(1), 'Analysis/2/Data/Demux/Demultiplex_Stats.csv', fastq(2)],
      report: 'Analysis/2/Data/Demux/Demultiplex_Stats.csv',
    },
    {
      case: "none while the requeue's has not landed",
      paths: ['Analysis/1/Data/Demux/Demultiplex_Stats.csv', fastq(1), fastq(2)],
      report: undefined,
    },
    {
      case: "NovaSeq X's Data/Demux/ copy of two in the analysis",
      paths: ['Analysis/1/Data/BCLConvert/fastq/Reports/Demultiplex_Stats.csv', 'Analysis/1/Data/Demux/Demultiplex_Stats.csv', fastq(1)],
      report: 'Analysis/1/Data/Demux/Demultiplex_Stats.csv',
    },
    {
      case: 'none when two could be meant',
      paths: ['a/Reports/Demultiplex_Stats.csv', 'b/Reports/Demultiplex_Stats.csv'],
      report: undefined,
    },
    { case: 'none', paths: ['A_S1_L001_R1_001.fastq.gz'], report: undefined },
  ])('$case', ({ paths, report }) => {
    expect(demultiplexStatsPath(paths)).toBe(report);
  });
});
