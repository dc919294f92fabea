/**
 * The page's own rendering (runtime/dashboard/public/dashboard.js, a classic browser script) run in a bare
 * V8 context: the words and numbers a person reads for a run's state, costs, plurals, repeated activity and
 * a run timeline's links and bars (issue 19 defects 9 and 10). The browser test drives the same script live.
 */
import { readFileSync } from 'node:fs';
import { createContext, runInContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { runState, type RunRow, type RunTimeline } from '../../../runtime/dashboard/gatherDashboard.ts';

interface Page {
  renderRuns(overview: unknown, q?: string): string;
  renderActivity(activity: unknown[]): string;
  renderTimeline(timeline: unknown): string;
  renderSummary(overview: unknown): string;
  usd(cost: { estimatedUsd: number }): string;
}

/**
 * The script's top-level functions, with a document that only takes listeners (nothing runs until
 * DOMContentLoaded); `csrf` is what an operator's snapshot would have set (another script shares the scope).
 */
function loadPage(csrf?: string): Page {
  const context = createContext({ document: { addEventListener: () => undefined }, Date, Math, Number, String, JSON });
  runInContext(readFileSync(new URL('../../../runtime/dashboard/public/dashboard.js', import.meta.url), 'utf8'), context);
  if (csrf) runInContext(`csrf = ${JSON.stringify(csrf)};`, context);
  return context as unknown as Page;
}

const run = (runId: string, status: RunRow['status'], statuses: RunRow['samples'][number]['status'][]): RunRow => {
  const counts: RunRow['counts'] = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return {
    runId,
    status,
    signal: 'CopyComplete.txt',
    createdAt: '2026-12-03T10:00:00.000Z',
    updatedAt: '2026-12-03T10:05:00.000Z',
    counts,
    state: runState({ status, signal: 'CopyComplete.txt' }, counts),
    samples: statuses.map((sampleStatus, index) => ({
      sampleId: `S${index + 1}`,
      status: sampleStatus,
      updatedAt: '2026-12-03T10:05:00.000Z',
      cost: { vcpuSeconds: 0, estimatedUsd: 0 },
    })),
    cost: { vcpuSeconds: 12, estimatedUsd: 0.000125 },
  };
};
const overviewOf = (...runs: RunRow[]) => ({
  identity: { kind: 'operator' },
  summary: { runs: runs.length, runsInFlight: 1, samples: 3, counts: { RUNNING: 2, COMPLETED: 1 }, estimatedUsd: 0.000125 },
  teams: [{ team: 'genomics', runs, cost: { vcpuSeconds: 12, estimatedUsd: 0.000125 } }],
  regions: [],
  quarantine: [],
  notLanded: { count: 0, shown: [] },
});
/** The text of an HTML fragment, tags dropped and spaces folded. */
const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

describe('the dashboard page’s rendering', () => {
  const page = loadPage();

  it('shows a landed run whose samples all run as processing, never as "Complete" (defect 9)', () => {
    const html = page.renderRuns(overviewOf(run('RUNALL', 'COMPLETE', ['RUNNING', 'RUNNING'])));
    expect(text(html)).toContain('Landing: complete (CopyComplete.txt) Processing: 2 running of 2 samples');
    expect(html).not.toMatch(/>\s*Complete\s*</);
    expect(html).not.toContain('s-COMPLETE');
  });

  it('shows a done run with a rejected sample with the count, never a plain "Done" (defect 9)', () => {
    const html = page.renderRuns(overviewOf(run('RUNREJ', 'DONE', ['COMPLETED', 'REJECTED'])));
    expect(text(html)).toContain('Done with problems: 1 completed, 1 rejected');
    expect(html).toContain('processing-problems');
    expect(html).not.toMatch(/>\s*Done\s*</);
  });

  it('counts in words with plurals: 1 sample, 2 samples; never "(s)" (defect 10)', () => {
    const html = page.renderRuns(overviewOf(run('ONE', 'DONE', ['COMPLETED']), run('TWO', 'COMPLETE', ['RUNNING', 'RUNNING'])));
    expect(text(html)).toContain('1 sample ·');
    expect(text(html)).toContain('2 samples ·');
    expect(html).not.toContain('(s)');
    expect(text(page.renderSummary(overviewOf(run('ONE', 'DONE', ['COMPLETED']))))).toContain('1 of 1 run in flight');
    expect(text(page.renderSummary(overviewOf(run('ONE', 'DONE', ['COMPLETED']))))).not.toContain('not landed');
    const stray = { ...overviewOf(run('ONE', 'DONE', ['COMPLETED'])), notLanded: { count: 2, shown: [] } };
    expect(text(page.renderSummary(stray))).toContain('2 entries on the share not landed');
  });

  it('shows costs with the digits that matter, never $0.0000 (defect 10)', () => {
    expect(page.usd({ estimatedUsd: 0 })).toBe('$0');
    expect(page.usd({ estimatedUsd: 0.000125 })).toBe('$0.00013');
    expect(page.usd({ estimatedUsd: 0.0034 })).toBe('$0.0034');
    expect(page.usd({ estimatedUsd: 0.0123 })).toBe('$0.012');
    expect(page.usd({ estimatedUsd: 12.345 })).toBe('$12.35');
    expect(page.usd({ estimatedUsd: 0.0000001 })).toBe('< $0.000001');
  });

  it('finds runs by run id and samples by sample id', () => {
    const overview = overviewOf(run('261203_A', 'DONE', ['COMPLETED', 'COMPLETED']), run('261203_B', 'COMPLETE', ['RUNNING']));
    const byRun = text(page.renderRuns(overview, '_b'));
    expect(byRun).toContain('261203_B');
    expect(byRun).not.toContain('261203_A');
    const bySample = page.renderRuns(overview, 's2');
    expect(bySample).toContain('data-sample="S2"');
    expect(bySample).not.toContain('data-sample="S1"');
    expect(text(page.renderRuns(overview, 'nothing-like-it'))).toContain('No run or sample of team genomics matches');
  });

  it('shows a burst of the same activity line once with its count', () => {
    const html = page.renderActivity([
      { id: 'x', time: '2026-12-03T10:00:00.000Z', type: 'Region Woke Up', text: 'eu-central-1: woke up', repeats: 4 },
    ]);
    expect(text(html)).toContain('eu-central-1: woke up ×4');
  });

  it('links each output to a download and the run report from the header, with a duration bar per step', () => {
    // Prepare
    const timeline: RunTimeline = {
      team: 'genomics',
      runId: 'R1',
      status: 'DONE',
      state: runState({ status: 'DONE' }, { COMPLETED: 1 }),
      createdAt: '2026-12-03T10:00:00.000Z',
      updatedAt: '2026-12-03T10:05:00.000Z',
      files: 1,
      cost: { vcpuSeconds: 30, estimatedUsd: 0.0004 },
      report: { html: 'teams/genomics/runs/R1/report/report.html', json: 'teams/genomics/runs/R1/report/report.json' },
      samples: [
        {
          sampleId: 'S1',
          status: 'COMPLETED',
          version: 1,
          steps: ['qc', 'trim'],
          cost: { vcpuSeconds: 30, estimatedUsd: 0.0004 },
          events: [
            { stage: 'landing', label: 'landed 1 file', at: '2026-12-03T10:00:00.000Z', status: 'done' },
            {
              stage: 'step',
              label: 'qc in eu-west-1, attempt 1',
              step: 'qc',
              attempt: 1,
              at: '2026-12-03T10:01:00.000Z',
              until: '2026-12-03T10:01:10.000Z',
              status: 'done',
              outputs: [{ key: 'teams/genomics/runs/R1/samples/S1/v1/qc/qc.json', name: 'qc.json', size: 2048 }],
            },
            {
              stage: 'step',
              label: 'trim in eu-west-1, attempt 1',
              step: 'trim',
              at: '2026-12-03T10:01:10.000Z',
              until: '2026-12-03T10:01:40.000Z',
              status: 'done',
            },
          ],
        },
      ],
    };
    // Act
    const html = page.renderTimeline(timeline);
    // Assess
    expect(html).toContain('href="/api/files?key=teams%2Fgenomics%2Fruns%2FR1%2Freport%2Freport.html"');
    expect(html).toContain('href="/api/files?key=teams%2Fgenomics%2Fruns%2FR1%2Fsamples%2FS1%2Fv1%2Fqc%2Fqc.json" download="qc.json"');
    expect(text(html)).toContain('qc.json 2.0 KiB');
    // qc ran 10 s of the 40 s span from its start; trim the last 30 s
    expect(html).toContain('data-bar-left="0.00" data-bar-width="25.00"');
    expect(html).toContain('data-bar-left="25.00" data-bar-width="75.00"');
    expect(text(html)).toContain('took 10.0 s');
    expect(text(html)).toContain('took 30.0 s');
    // each step links to its log, with its attempt
    expect(html).toContain(`href="/api/logs/genomics/R1/S1/qc?attempt=1"`);
    // no anti-forgery value (a team's page, or not signed in as the operator): no action buttons
    expect(html).not.toContain('data-action="reprocess"');
  });

  it('offers the operator reprocess for finished samples and cancel for samples on their way, and a team nothing', () => {
    // Prepare: one run, a completed and a running sample
    const timeline = (statuses: RunRow['samples'][number]['status'][]) => ({
      team: 'genomics',
      runId: 'R2',
      status: 'PROCESSING',
      state: runState({ status: 'PROCESSING' }, {}),
      createdAt: '2026-12-03T10:00:00.000Z',
      updatedAt: '2026-12-03T10:05:00.000Z',
      files: 2,
      cost: { vcpuSeconds: 0, estimatedUsd: 0 },
      samples: statuses.map((status, index) => ({
        sampleId: `S${index + 1}`,
        status,
        steps: ['qc', 'trim'],
        cost: { vcpuSeconds: 0, estimatedUsd: 0 },
        events: [],
      })),
    });
    // Act
    const operator = text(loadPage('token-of-the-session').renderTimeline(timeline(['COMPLETED', 'RUNNING'])));
    const finished = text(loadPage('token-of-the-session').renderTimeline(timeline(['COMPLETED', 'REJECTED'])));
    const team = page.renderTimeline(timeline(['COMPLETED', 'RUNNING']));
    // Assess
    expect(operator).toContain('Reprocess S1…');
    expect(operator).not.toContain('Reprocess S2…');
    expect(operator).toContain('Cancel S2…');
    expect(operator).not.toContain('Cancel S1…');
    expect(operator).toContain('Replay run R2…');
    expect(operator).toContain('Cancel run R2…');
    expect(finished).not.toContain('Cancel run R2…');
    expect(team).not.toContain('data-action=');
  });
});
