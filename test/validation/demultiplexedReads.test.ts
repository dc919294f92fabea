/**
 * validation/demultiplexedReads.ts: each FASTQ holds the reads the demultiplexer's report gives its sample and lane,
 * and the sample has a FASTQ of every lane the report gives it reads in.
 */
import { describe, expect, it } from 'vitest';
import { type CountedFile, demultiplexedReadReasons } from '../../validation/demultiplexedReads.ts';

const counted = { source: 'Reports/Demultiplex_Stats.csv', sampleId: 'S1', lanes: { 1: 1200, 2: 800 } };
const lane1 = { ...counted, lanes: { 1: 1200 } };
const file = (read: string, lane: number, reads: number, part = 1): CountedFile => ({
  name: `S1_S1_L00${lane}_${read}_00${part}.fastq.gz`,
  read,
  lane,
  part,
  reads,
});

describe('demultiplexedReadReasons', () => {
  it.each([
    {
      case: 'every file of every lane as counted',
      files: [file('R1', 1, 1200), file('R2', 1, 1200), file('R1', 2, 800), file('R2', 2, 800)],
      report: counted,
    },
    { case: "a lane's parts summed", files: [file('R1', 1, 700, 1), file('R1', 1, 500, 2)], report: lane1 },
    {
      case: 'a file without lane splitting against all lanes',
      files: [{ name: 'S1_S1_R1_001.fastq.gz', read: 'R1', lane: 0, reads: 2000 }],
      report: counted,
    },
    { case: 'a lane the report does not list', files: [file('R1', 1, 1200), file('R1', 3, 5)], report: lane1 },
    {
      case: 'a lane the report counts no reads in, without a file',
      files: [file('R1', 1, 1200)],
      report: { ...counted, lanes: { 1: 1200, 2: 0 } },
    },
    { case: 'no report', files: [file('R1', 1, 5)], report: undefined },
  ])('passes $case', ({ files, report }) => {
    expect(demultiplexedReadReasons(files, report)).toEqual([]);
  });

  it('refuses a file cut short, saying how many reads the report gives its sample and lane and what to do', () => {
    const reasons = demultiplexedReadReasons([file('R1', 1, 1200), file('R2', 1, 1000)], lane1);
    expect(reasons).toEqual([
      {
        code: 'DEMUX_READ_COUNT',
        file: 'S1_S1_L001_R2_001.fastq.gz',
        expected: '1200 reads (Reports/Demultiplex_Stats.csv: S1 in lane 1)',
        found: '1000 reads',
        message:
          'S1_S1_L001_R2_001.fastq.gz holds 1000 reads of R2, but Reports/Demultiplex_Stats.csv says the demultiplexer wrote 1200 for S1 in lane 1: ' +
          'the file is cut short (a copy interrupted, or taken before the conversion finished writing it); copy it again from the demultiplexer output',
      },
    ]);
  });

  it('refuses files holding more reads than counted as from another conversion', () => {
    const [reason] = demultiplexedReadReasons([file('R1', 1, 1200), file('R1', 2, 900)], counted);
    expect(reason?.message).toContain('the file holds reads of another conversion than the report');
  });

  it('refuses a sample without a lane the report gives it reads in, once per read', () => {
    const reasons = demultiplexedReadReasons([file('R1', 1, 1200), file('R2', 1, 1200)], counted);
    expect(reasons.map((reason) => `${reason.file}: ${reason.found}`)).toEqual([
      'S1_S1_L001_R1_001.fastq.gz: no R1 FASTQ of lane 2',
      'S1_S1_L001_R2_001.fastq.gz: no R2 FASTQ of lane 2',
    ]);
    expect(reasons[0]!.message).toBe(
      'S1 has no R1 FASTQ of lane 2, where Reports/Demultiplex_Stats.csv says the demultiplexer wrote 800 reads for it: the lane is missing (still being copied, or left out); copy it into the run folder',
    );
  });
});
