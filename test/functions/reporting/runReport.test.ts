import { describe, expect, it } from 'vitest';
import { buildRunReport, renderRunReportHtml, type ReportSampleInput } from '../../../functions/reporting/runReport.ts';
import type { ProfileReport } from '../../../workflows/steps/profile.ts';
import type { QcReport } from '../../../workflows/steps/qc.ts';
import type { TrimReport } from '../../../workflows/steps/trim.ts';

const qcFile = (reads: number, bases: number, gc: number, q30: number) =>
  ({
    file: 'x.fastq.gz',
    reads,
    bases,
    acgtBases: bases,
    gcBases: gc,
    nBases: 0,
    qualitySum: bases * 30,
    q30Bases: q30,
    gcPercent: null,
    meanQuality: null,
    q30Percent: null,
    minLength: null,
    meanLength: null,
    maxLength: null,
  }) as QcReport['files'][number];
const qc = (files: QcReport['files']) => ({ schemaVersion: 1, files, pairs: [] }) as unknown as QcReport;
const profile = (sampled: number, duplicates: number, gcHistogram: number[]) =>
  ({
    schemaVersion: 1,
    k: 4,
    files: [
      {
        file: 'x',
        reads: sampled,
        sampledReads: sampled,
        duplicateReads: duplicates,
        duplicationPercent: null,
        overrepresented: [],
        gcHistogram,
        kmerFrequencies: {},
      },
    ],
  }) as ProfileReport;
const base: ReportSampleInput[] = [
  {
    sampleId: 'S2',
    version: 1,
    status: 'COMPLETED',
    qc: qc([qcFile(100, 1000, 500, 900), qcFile(100, 1000, 300, 700)]),
    trim: { basesTrimmed: 50, pairsDropped: 2 } as TrimReport,
    profile: profile(200, 20, [0, 0, 0, 10, 100, 90, 0, 0, 0, 0]),
  },
  { sampleId: 'S1<b>', version: 2, status: 'FAILED', qc: qc([qcFile(10, 100, 50, 100)]) },
];

describe('buildRunReport', () => {
  it('aggregates each sample over its files and leaves what it never published empty', () => {
    // Act
    const report = buildRunReport('genomics', 'run1', structuredClone(base), '2026-11-23T00:00:00.000Z');
    // Assess
    expect(report.samples.map((row) => row.sampleId)).toEqual(['S1<b>', 'S2']);
    expect(report.samples[1]).toEqual({
      sampleId: 'S2',
      version: 1,
      status: 'COMPLETED',
      reads: 200,
      gcPercent: 40,
      q30Percent: 80,
      meanQuality: 30,
      basesTrimmedPercent: 2.5,
      pairsDropped: 2,
      duplicationPercent: 10,
    });
    expect(report.samples[0]).toMatchObject({
      status: 'FAILED',
      reads: 10,
      basesTrimmedPercent: null,
      pairsDropped: null,
      duplicationPercent: null,
    });
    expect(report.gcHistogram).toEqual([0, 0, 0, 10, 100, 90, 0, 0, 0, 0]);
  });
});

describe('renderRunReportHtml', () => {
  it('is one self-contained page: escaped text, inline SVG charts, no scripts or external resources', () => {
    // Prepare
    const report = buildRunReport('genomics', 'run1', structuredClone(base), '2026-11-23T00:00:00.000Z');
    // Act
    const html = renderRunReportHtml(report);
    // Assess
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('S1&lt;b&gt;');
    expect(html).not.toContain('S1<b>');
    expect(html.match(/<svg /g)).toHaveLength(4);
    expect(html).not.toMatch(/<script|<link|\ssrc=|href="http/i);
    expect(html).toContain('<td>80</td>');
  });
});
