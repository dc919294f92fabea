import type { ProfileReport } from '../../workflows/steps/profile.ts';
import type { QcReport } from '../../workflows/steps/qc.ts';
import type { TrimReport } from '../../workflows/steps/trim.ts';
import { counted } from '../../contracts/words.ts';

/** What the report knows of one sample: its end state and the step reports it published. */
export interface ReportSampleInput {
  sampleId: string;
  version?: number;
  status: string;
  qc?: QcReport;
  trim?: TrimReport;
  profile?: ProfileReport;
}

/** One row of the run report. Null where the sample published no such step. */
export interface ReportRow {
  sampleId: string;
  version: number | null;
  status: string;
  reads: number | null;
  gcPercent: number | null;
  q30Percent: number | null;
  meanQuality: number | null;
  basesTrimmedPercent: number | null;
  pairsDropped: number | null;
  duplicationPercent: number | null;
}

export interface RunReport {
  schemaVersion: 1;
  team: string;
  runId: string;
  generatedAt: string;
  samples: ReportRow[];
  /** Reads of every sample by GC percent, ten bins (from the profile step). */
  gcHistogram: number[];
  /** Entries of the run's share folder that did not land (links, FIFOs, hidden files, …), with why. */
  notLandedFromShare: Array<{ path: string; reason: string }>;
  /** Landed files that belonged to no sample and to no known run file: kept in landing, not processed. */
  unexpectedFiles: { count: number; files: Array<{ name: string; reason: string }> };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const ratio = (part: number, whole: number) => (whole === 0 ? null : round2((part / whole) * 100));

function row(sample: ReportSampleInput): ReportRow {
  const files = sample.qc?.files ?? [];
  const sum = (pick: (file: QcReport['files'][number]) => number) => files.reduce((total, file) => total + pick(file), 0);
  const bases = sum((file) => file.bases);
  const profiled = sample.profile?.files ?? [];
  const sampled = profiled.reduce((total, file) => total + file.sampledReads, 0);
  const duplicates = profiled.reduce((total, file) => total + file.duplicateReads, 0);
  return {
    sampleId: sample.sampleId,
    version: sample.version ?? null,
    status: sample.status,
    reads: sample.qc ? sum((file) => file.reads) : null,
    gcPercent: sample.qc
      ? ratio(
          sum((file) => file.gcBases),
          sum((file) => file.acgtBases),
        )
      : null,
    q30Percent: sample.qc
      ? ratio(
          sum((file) => file.q30Bases),
          bases,
        )
      : null,
    meanQuality: sample.qc && bases > 0 ? round2(sum((file) => file.qualitySum) / bases) : null,
    basesTrimmedPercent: sample.trim && sample.qc ? ratio(sample.trim.basesTrimmed, bases) : null,
    pairsDropped: sample.trim?.pairsDropped ?? null,
    duplicationPercent: sample.profile ? ratio(duplicates, sampled) : null,
  };
}

/** The run report's data: one row per sample, sorted by sample id. */
export function buildRunReport(
  team: string,
  runId: string,
  samples: readonly ReportSampleInput[],
  generatedAt = new Date().toISOString(),
  notLandedFromShare: ReadonlyArray<{ path: string; reason: string }> = [],
  unexpectedFiles: RunReport['unexpectedFiles'] = { count: 0, files: [] },
): RunReport {
  const gcHistogram = new Array<number>(10).fill(0);
  for (const sample of samples)
    for (const file of sample.profile?.files ?? []) file.gcHistogram.forEach((count, bin) => (gcHistogram[bin]! += count));
  return {
    schemaVersion: 1,
    team,
    runId,
    generatedAt,
    samples: [...samples].sort((a, b) => a.sampleId.localeCompare(b.sampleId)).map(row),
    gcHistogram,
    notLandedFromShare: notLandedFromShare.map(({ path, reason }) => ({ path, reason })),
    unexpectedFiles,
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const cell = (value: number | string | null) => (value === null ? '<td class="none">—</td>' : `<td>${escapeHtml(String(value))}</td>`);

/** A horizontal bar chart as inline SVG: one bar per label, scaled to the largest value (or `max`). */
function barChart(title: string, bars: Array<{ label: string; value: number | null }>, unit: string, max?: number): string {
  const top = max ?? Math.max(1, ...bars.map((bar) => bar.value ?? 0));
  const rowHeight = 22;
  const height = bars.length * rowHeight + 30;
  const rows = bars
    .map((bar, i) => {
      const y = 24 + i * rowHeight;
      const width = bar.value === null ? 0 : Math.max(1, (bar.value / top) * 300);
      return `<text x="0" y="${y + 14}">${escapeHtml(bar.label)}</text><rect x="160" y="${y}" width="${width.toFixed(1)}" height="16"><title>${escapeHtml(bar.label)}: ${bar.value ?? 'n/a'} ${unit}</title></rect><text x="${(166 + width).toFixed(1)}" y="${y + 14}">${bar.value ?? 'n/a'}</text>`;
    })
    .join('');
  return `<figure><svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 520 ${height}" width="520" height="${height}"><text x="0" y="14" class="title">${escapeHtml(title)} (${escapeHtml(unit)})</text>${rows}</svg></figure>`;
}

function notLandedSection(report: RunReport): string {
  if (report.notLandedFromShare.length === 0) return '';
  const rows = report.notLandedFromShare
    .map((entry) => `<tr><th scope="row">${escapeHtml(entry.path)}</th><td class="why">${escapeHtml(entry.reason)}</td></tr>`)
    .join('\n');
  return `<h2>Not landed from the share</h2>
<table><thead><tr><th scope="col">Entry</th><th scope="col">Why</th></tr></thead><tbody>
${rows}
</tbody></table>`;
}

function unexpectedSection(unexpected: RunReport['unexpectedFiles']): string {
  if (unexpected.count === 0) return '<p>Unexpected files: none (every landed file belonged to a sample or was a known run file).</p>';
  const more = unexpected.count - unexpected.files.length;
  return `<h2>Unexpected files: ${unexpected.count}</h2>
<p>Kept in the landing bucket and not processed.</p>
<ul>${unexpected.files.map((file) => `<li><code>${escapeHtml(file.name)}</code>: ${escapeHtml(file.reason)}</li>`).join('')}${more > 0 ? `<li>… and ${more} more</li>` : ''}</ul>`;
}

/** The run report as ONE self-contained HTML page: a table and inline SVG charts, no scripts, no external files. */
export function renderRunReportHtml(report: RunReport): string {
  const head = [
    'Sample',
    'Version',
    'Status',
    'Reads',
    'GC %',
    'Q30 %',
    'Mean quality',
    'Bases trimmed %',
    'Pairs dropped',
    'Duplication %',
  ];
  const rows = report.samples
    .map(
      (s) =>
        `<tr><th scope="row">${escapeHtml(s.sampleId)}</th>${[s.version, s.status, s.reads, s.gcPercent, s.q30Percent, s.meanQuality, s.basesTrimmedPercent, s.pairsDropped, s.duplicationPercent].map(cell).join('')}</tr>`,
    )
    .join('\n');
  const bars = (pick: (row: ReportRow) => number | null) => report.samples.map((s) => ({ label: s.sampleId, value: pick(s) }));
  const gcBins = report.gcHistogram.map((count, bin) => ({ label: `${bin * 10}–${bin === 9 ? 100 : bin * 10 + 10} % GC`, value: count }));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Run ${escapeHtml(report.runId)} — ${escapeHtml(report.team)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1a1a1a}table{border-collapse:collapse}th,td{padding:.25rem .6rem;border-bottom:1px solid #ccc;text-align:right}th[scope=row],thead th{text-align:left}td.none{color:#767676}td.why{text-align:left}svg text{font-size:12px;fill:#1a1a1a}svg .title{font-weight:600}svg rect{fill:#2f6f9f}figure{margin:1.5rem 0}</style>
</head><body>
<h1>Run ${escapeHtml(report.runId)}</h1>
<p>Team ${escapeHtml(report.team)} · ${counted(report.samples.length, 'sample')} · generated ${escapeHtml(report.generatedAt)}</p>
<table><thead><tr>${head.map((h) => `<th scope="col">${h}</th>`).join('')}</tr></thead><tbody>
${rows}
</tbody></table>
${barChart(
  'Reads per sample',
  bars((s) => s.reads),
  'reads',
)}
${barChart(
  'Q30 bases',
  bars((s) => s.q30Percent),
  '%',
  100,
)}
${barChart(
  'Duplicated reads',
  bars((s) => s.duplicationPercent),
  '%',
  100,
)}
${barChart('Reads by GC content, all samples', gcBins, 'reads')}
${notLandedSection(report)}
${unexpectedSection(report.unexpectedFiles)}
</body></html>
`;
}
