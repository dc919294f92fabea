import { describe, expect, it } from 'vitest';
import { fastqsNotYetLanded, parseMinknowFinalSummary } from '../../layouts/longReads.ts';

// MinKNOW's final_summary_*.txt: key=value lines written once every file of the run is written, e.g.
// `fastq_files_in_final_dest=222` (pass and fail FASTQs below the summary's folder).
const SUMMARY = [
  'instrument=PCA100290',
  'flow_cell_id=PAW21164',
  'pod5_files_in_final_dest=113',
  'fastq_files_in_final_dest=3',
  'fastq_files_in_fallback=0',
].join('\n');

describe('parseMinknowFinalSummary', () => {
  it.each([
    { case: 'a MinKNOW summary', text: `${SUMMARY}\n`, expected: { fastqFiles: 3 } },
    { case: 'CRLF line ends', text: `${SUMMARY.replace(/\n/g, '\r\n')}\r\n`, expected: { fastqFiles: 3 } },
    { case: 'an old summary without the count', text: 'instrument=MN12345\nflow_cell_id=FAL01979\n', expected: {} },
  ])('reads $case', ({ text, expected }) => {
    expect(parseMinknowFinalSummary(text)).toEqual(expected);
  });
});

describe('fastqsNotYetLanded', () => {
  const run = 'group/sample/20260101_1200_MN12345_PAW21164_e05460c6';
  const summary = `${run}/final_summary_PAW21164_e05460c6_d8d88dd0.txt`;
  const pass = (n: number) => `${run}/fastq_pass/barcode01/PAW21164_pass_barcode01_e05460c6_d8d88dd0_${n}.fastq.gz`;

  it.each([
    { case: 'none of three', paths: [], expected: 3 },
    { case: 'two of three', paths: [pass(0), pass(1)], expected: 1 },
    {
      case: 'all three, one failed',
      paths: [pass(0), pass(1), `${run}/fastq_fail/barcode01/PAW21164_fail_barcode01_e05460c6_d8d88dd0_0.fastq.gz`],
      expected: 0,
    },
    {
      case: 'two of three, the third of another flow cell folder',
      paths: [pass(0), pass(1), 'other/fastq_pass/x_pass_a_b_0.fastq.gz'],
      expected: 1,
    },
    { case: 'two of three and reports', paths: [pass(0), pass(1), `${run}/report_PAW21164.html`, `${run}/pod5/a.pod5`], expected: 1 },
  ])('counts $case', ({ paths, expected }) => {
    expect(fastqsNotYetLanded(summary, { fastqFiles: 3 }, [...paths, summary])).toBe(expected);
  });

  it('waits for nothing when the summary does not count', () => {
    expect(fastqsNotYetLanded(summary, {}, [summary])).toBe(0);
  });
});
