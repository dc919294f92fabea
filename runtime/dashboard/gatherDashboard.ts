import type { LandfallConfig } from '../../config/schema.ts';
import type { Catalog } from '../../functions/catalog/Catalog.ts';
import {
  TERMINAL_SAMPLE_STATUSES,
  type RunRecord,
  type SampleRecord,
  type SampleStatus,
  type VersionRecord,
} from '../../functions/catalog/types.ts';
import type { SkippedShareRecord } from '../../functions/catalog/ShareSkips.ts';
import { quarantinePrefix, runReportPrefix } from '../../contracts/keys.ts';
import { pipelinesOf } from '../../workflows/pipelines/index.ts';
import { samplesCost } from '../../functions/catalog/costReport.ts';
import { WHAT_TO_DO } from '../../functions/validation/quarantine.ts';
import { counted } from '../../contracts/words.ts';
import type { ValidationReason } from '../../validation/types.ts';
import { assertCanRead, visibleTeams, type Identity } from '../identity/identity.ts';

/**
 * What the dashboard shows, gathered from the catalog with key and GSI queries only (never a scan) and
 * scoped by identity with the CLI's rules: a team sees its own team, the operator sees every team.
 * Plain data in, plain JSON out, so the same module can back a page hosted for the cloud deployment.
 */

export interface CostFigures {
  vcpuSeconds: number;
  estimatedUsd: number;
}

export interface SampleRow {
  sampleId: string;
  status: SampleStatus;
  detail?: string;
  version?: number;
  updatedAt: string;
  cost: CostFigures;
}

export interface RunRow {
  runId: string;
  status: RunRecord['status'];
  waitingFor?: string;
  signal?: string;
  /** Landed files that belong to no sample and are no known run file: kept, never processed. */
  unexpectedFiles?: number;
  createdAt: string;
  updatedAt: string;
  counts: Partial<Record<SampleStatus, number>>;
  /** Landing and processing, each in its own words: a run whose files all landed is not "complete" while its samples run. */
  state: RunState;
  samples: SampleRow[];
  cost: CostFigures;
  /** Entries of the run's share folder that did not land (links, FIFOs, hidden files, …). */
  notLanded?: number;
}

/**
 * A run's two independent progressions. Landing: are all the instrument's files here (the run record's
 * status)? Processing: where are its samples (their counts, never the run record's status, so a rejected or
 * failed sample is never hidden behind a "done")?
 */
export interface RunState {
  landing: { state: 'receiving' | 'incomplete' | 'complete'; label: string };
  processing: {
    /** `waiting`: no sample yet; `active`: a sample is still on its way; `done`: all completed; `problems`: done, some not completed. */
    state: 'waiting' | 'active' | 'done' | 'problems';
    label: string;
  };
  /** Samples still on their way (receiving, validating, ready, running). */
  inFlight: number;
}

/** Counters over everything the identity sees, for the top of the page. */
export interface DashboardSummary {
  runs: number;
  runsInFlight: number;
  samples: number;
  counts: Partial<Record<SampleStatus, number>>;
  estimatedUsd: number;
}

export interface TeamView {
  team: string;
  runs: RunRow[];
  cost: CostFigures;
}

export interface RegionView {
  region: string;
  home: boolean;
  vcpuQuota: number;
  /** vCPUs reserved by jobs queued or running there (placement's region load item). */
  reservedVcpus: number;
  /** reservedVcpus / vcpuQuota, 0..1 (may pass 1 while a region drains). */
  utilization: number;
  /** Jobs holding capacity in the region, and how many of them are running a step now. */
  jobs: number;
  running: number;
  /** Jobs reserved but not running yet. */
  queueDepth: number;
  /** Compute scales to zero when no job holds capacity: that is "scaled down", anything else "awake". */
  state: 'awake' | 'scaled down';
}

export interface QuarantineEntry {
  team: string;
  runId: string;
  sampleId: string;
  version: number;
  rejectedAt: string;
  reasons: ValidationReason[];
  reasonCount: number;
  /** Where the rejected files are kept: quarantine bucket `<team>/<run>/<sample>/v<N>/`. */
  location: string;
  whatToDo: string;
}

export interface DashboardOverview {
  identity: { kind: 'operator' } | { kind: 'team'; team: string };
  summary: DashboardSummary;
  teams: TeamView[];
  regions: RegionView[];
  quarantine: QuarantineEntry[];
  /** What the share holds that did not land, and why: the first {@link NOT_LANDED_SHOWN} by path, and how many. */
  notLanded: { count: number; shown: SkippedShareRecord[] };
}

/** How many skipped share entries the page lists (all are counted). */
export const NOT_LANDED_SHOWN = 50;

const ZERO: CostFigures = { vcpuSeconds: 0, estimatedUsd: 0 };

function add(a: CostFigures, b: CostFigures): CostFigures {
  return { vcpuSeconds: round(a.vcpuSeconds + b.vcpuSeconds, 3), estimatedUsd: round(a.estimatedUsd + b.estimatedUsd, 6) };
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** Statuses of a sample still on its way through landing, validation and its steps. */
const IN_FLIGHT: readonly SampleStatus[] = ['RECEIVING', 'VALIDATING', 'READY', 'RUNNING'];
/** The order counts are told in: what is moving first, then how it ended. */
const COUNT_ORDER: readonly SampleStatus[] = ['RECEIVING', 'VALIDATING', 'READY', 'RUNNING', 'COMPLETED', 'REJECTED', 'FAILED'];

/** "2 running, 1 completed, 1 rejected": the counts a person checks against the sample sheet. */
export function describeCounts(counts: Partial<Record<SampleStatus, number>>): string {
  return COUNT_ORDER.filter((status) => counts[status])
    .map((status) => `${counts[status]} ${status.toLowerCase()}`)
    .join(', ');
}

/** The run's landing state (its record) and processing state (its samples' counts), in words. */
export function runState(
  run: Pick<RunRecord, 'status' | 'signal' | 'waitingFor'>,
  counts: Partial<Record<SampleStatus, number>>,
): RunState {
  const landing: RunState['landing'] =
    run.status === 'RECEIVING'
      ? { state: 'receiving', label: 'Landing: receiving files' }
      : run.status === 'INCOMPLETE'
        ? { state: 'incomplete', label: `Landing: incomplete${run.waitingFor ? `, waiting for ${run.waitingFor}` : ''}` }
        : { state: 'complete', label: `Landing: complete${run.signal ? ` (${run.signal})` : ''}` };
  const samples = COUNT_ORDER.reduce((total, status) => total + (counts[status] ?? 0), 0);
  const inFlight = IN_FLIGHT.reduce((total, status) => total + (counts[status] ?? 0), 0);
  const told = describeCounts(counts);
  const processing: RunState['processing'] =
    samples === 0
      ? { state: 'waiting', label: 'Processing: no sample yet' }
      : inFlight > 0
        ? { state: 'active', label: `Processing: ${told} of ${counted(samples, 'sample')}` }
        : (counts.COMPLETED ?? 0) === samples
          ? { state: 'done', label: `Done: ${told}` }
          : { state: 'problems', label: `Done with problems: ${told}` };
  return { landing, processing, inFlight };
}

/**
 * Reads the dashboard's data for one identity. A terminal sample's cost never changes again (its versions
 * and steps are final until its record changes), so it is remembered by the record's `updatedAt`: a refresh
 * queries versions and steps only of samples still in flight.
 */
export class DashboardData {
  readonly #catalog: Catalog;
  readonly #config: LandfallConfig;
  readonly #costs = new Map<string, CostFigures>();

  constructor(catalog: Catalog, config: LandfallConfig) {
    this.#catalog = catalog;
    this.#config = config;
  }

  async overview(identity: Identity): Promise<DashboardOverview> {
    const teams = visibleTeams(identity, this.#config);
    const views: TeamView[] = [];
    const quarantine: QuarantineEntry[] = [];
    const notLanded =
      identity.kind === 'operator'
        ? await this.#catalog.shareSkips.listAll()
        : (await Promise.all(teams.map((team) => this.#catalog.shareSkips.listTeam(team)))).flat();
    for (const team of teams) {
      const [runs, samples] = await Promise.all([this.#catalog.runs.listForTeam(team), this.#catalog.samples.listForTeam(team)]);
      const byRun = new Map<string, SampleRow[]>();
      for (const sample of samples) {
        const cost = await this.#sampleCost(sample);
        const row: SampleRow = { sampleId: sample.sampleId, status: sample.status, updatedAt: sample.updatedAt, cost };
        if (sample.detail !== undefined) row.detail = sample.detail;
        if (sample.currentVersion !== undefined) row.version = sample.currentVersion;
        byRun.set(sample.runId, [...(byRun.get(sample.runId) ?? []), row]);
        if (sample.status === 'REJECTED' && sample.currentVersion !== undefined) {
          const version = await this.#catalog.samples.getVersion({ ...sample, version: sample.currentVersion });
          if (version) quarantine.push(quarantineEntry(version));
        }
      }
      const runRows = runs
        .map((run): RunRow => {
          const rows = (byRun.get(run.runId) ?? []).sort((a, b) => a.sampleId.localeCompare(b.sampleId));
          const counts: Partial<Record<SampleStatus, number>> = {};
          for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
          const out: RunRow = {
            runId: run.runId,
            status: run.status,
            createdAt: run.createdAt,
            updatedAt: run.updatedAt,
            counts,
            state: runState(run, counts),
            samples: rows,
            cost: rows.reduce((total, row) => add(total, row.cost), ZERO),
          };
          if (run.waitingFor !== undefined && stillWaiting(run)) out.waitingFor = run.waitingFor;
          if (run.signal !== undefined) out.signal = run.signal;
          const skipped = notLanded.filter((entry) => entry.team === team && entry.runId === run.runId).length;
          if (skipped > 0) out.notLanded = skipped;
          if (run.unexpectedCount) out.unexpectedFiles = run.unexpectedCount;
          return out;
        })
        // Runs with samples on their way first, then newest activity: last night's run is at the top.
        .sort(
          (a, b) =>
            Number(b.state.inFlight > 0) - Number(a.state.inFlight > 0) ||
            b.updatedAt.localeCompare(a.updatedAt) ||
            a.runId.localeCompare(b.runId),
        );
      views.push({ team, runs: runRows, cost: runRows.reduce((total, run) => add(total, run.cost), ZERO) });
    }
    quarantine.sort((a, b) => b.rejectedAt.localeCompare(a.rejectedAt));
    return {
      identity: identity.kind === 'operator' ? { kind: 'operator' } : { kind: 'team', team: identity.team },
      summary: summarize(views),
      teams: views,
      regions: await this.regions(),
      quarantine,
      notLanded: { count: notLanded.length, shown: notLanded.slice(0, NOT_LANDED_SHOWN) },
    };
  }

  /**
   * Per-region capacity from placement's region load items and every step RUNNING now. Counts only: a
   * team identity learns how busy a region is, never whose jobs fill it.
   */
  async regions(): Promise<RegionView[]> {
    const running = new Map<string, number>();
    for (const team of this.#config.teams.map((candidate) => candidate.id)) {
      for (const sample of await this.#catalog.samples.listForTeam(team, 'RUNNING')) {
        if (sample.currentVersion === undefined) continue;
        for (const step of await this.#catalog.steps.list({ ...sample, version: sample.currentVersion }))
          if (step.status === 'RUNNING') running.set(step.region, (running.get(step.region) ?? 0) + 1);
      }
    }
    return Promise.all(
      this.#config.regions.map(async (region): Promise<RegionView> => {
        const load = await this.#catalog.regionLoads.get(region.name);
        const jobs = Object.values(load.jobs);
        const reservedVcpus = jobs.reduce((total, job) => total + job.vcpus, 0);
        const runningHere = running.get(region.name) ?? 0;
        return {
          region: region.name,
          home: region.name === this.#config.homeRegion,
          vcpuQuota: region.vcpuQuota,
          reservedVcpus,
          utilization: region.vcpuQuota > 0 ? round(reservedVcpus / region.vcpuQuota, 3) : 0,
          jobs: jobs.length,
          running: runningHere,
          queueDepth: Math.max(0, jobs.length - runningHere),
          state: jobs.length > 0 || runningHere > 0 ? 'awake' : 'scaled down',
        };
      }),
    );
  }

  /** One run's timeline, sample by sample: landing → validation → each step (region, attempt, cost) → publish. */
  async runTimeline(identity: Identity, team: string, runId: string): Promise<RunTimeline | undefined> {
    assertCanRead(identity, team);
    if (!visibleTeams(identity, this.#config).includes(team)) return undefined;
    const run = await this.#catalog.runs.get(team, runId);
    if (!run) return undefined;
    const [files, samples] = await Promise.all([this.#catalog.runs.listFiles(team, runId), this.#catalog.samples.listInRun(team, runId)]);
    const landedAt = new Map(files.map((file) => [file.name, file.landedAt]));
    const rows: SampleTimeline[] = [];
    for (const sample of samples) {
      const events: TimelineEvent[] = [];
      const version =
        sample.currentVersion !== undefined
          ? await this.#catalog.samples.getVersion({ ...sample, version: sample.currentVersion })
          : undefined;
      const steps = version ? await this.#catalog.steps.list(version) : [];
      if (version) {
        const times = version.files
          .map((file) => landedAt.get(file.name))
          .filter((time): time is string => time !== undefined)
          .sort();
        events.push({
          stage: 'landing',
          label: `landed ${counted(version.files.length, 'file')}`,
          at: times.at(-1) ?? version.createdAt,
          status: 'done',
        });
        const rejected = version.status === 'REJECTED';
        events.push({
          stage: 'validation',
          label: rejected
            ? `rejected v${version.version}: ${version.reasons?.[0] ? describeReason(version.reasons[0]) : 'see quarantine'}`
            : `validated v${version.version}`,
          at: version.createdAt,
          status: rejected ? 'failed' : 'done',
        });
        for (const step of steps.sort((a, b) => (a.startedAt ?? '').localeCompare(b.startedAt ?? '') || a.step.localeCompare(b.step))) {
          const event: TimelineEvent = {
            stage: 'step',
            label: `${step.step} in ${step.region}${step.attempt ? `, attempt ${step.attempt}` : ''}${(step.placements?.length ?? 0) > 1 ? `, re-placed ${step.placements!.length - 1}×` : ''}`,
            at: step.startedAt ?? version.createdAt,
            status: step.status === 'SUCCEEDED' ? 'done' : step.stopped ? 'stopped' : step.status === 'FAILED' ? 'failed' : 'active',
            step: step.step,
            region: step.region,
          };
          if (step.publishedAt) event.until = step.publishedAt;
          // A failed or stopped step has no publish time: its job's own wall-clock time ends its bar.
          else if (step.status === 'FAILED' && step.startedAt && step.cost)
            event.until = new Date(Date.parse(step.startedAt) + step.cost.seconds * 1000).toISOString();
          if (step.attempt !== undefined) event.attempt = step.attempt;
          if (step.outputs?.length)
            event.outputs = step.outputs.map((output) => ({ key: output.key, name: output.key.split('/').at(-1)!, size: output.size }));
          if (step.cost) event.cost = { vcpuSeconds: step.cost.vcpuSeconds, estimatedUsd: step.cost.estimatedUsd };
          if (step.error) event.error = step.error;
          if (step.logTail?.length) event.logTail = step.logTail;
          events.push(event);
        }
        if (version.completedAt || version.status === 'COMPLETED') {
          events.push({
            stage: 'publish',
            label: `published v${version.version}: ${counted(steps.length, 'step')}`,
            at: version.completedAt ?? sample.updatedAt,
            status: 'done',
          });
        } else if (version.status === 'FAILED') {
          events.push({
            stage: 'publish',
            label: `failed: ${version.error ?? sample.detail ?? 'see the sample'}`,
            at: sample.updatedAt,
            status: 'failed',
          });
        }
      } else {
        events.push({ stage: 'landing', label: sample.detail ?? 'receiving files', at: sample.updatedAt, status: 'active' });
      }
      const row: SampleTimeline = { sampleId: sample.sampleId, status: sample.status, events, cost: await this.#sampleCost(sample) };
      if (version) {
        row.version = version.version;
        // The steps a reprocess may start from: those of the pipeline the version ran (or its team's).
        const pipeline = pipelinesOf(this.#config)[
          version.pipeline ?? this.#config.teams.find((known) => known.id === team)?.pipeline ?? ''
        ];
        if (pipeline) row.steps = pipeline.steps.map((step) => step.name);
      }
      if (sample.detail !== undefined) row.detail = sample.detail;
      rows.push(row);
    }
    const counts: Partial<Record<SampleStatus, number>> = {};
    for (const row of rows) counts[row.status] = (counts[row.status] ?? 0) + 1;
    const out: RunTimeline = {
      team,
      runId,
      status: run.status,
      state: runState(run, counts),
      createdAt: run.createdAt,
      updatedAt: run.updatedAt,
      files: files.length,
      samples: rows,
      cost: rows.reduce((total, row) => add(total, row.cost), ZERO),
    };
    if (run.signal !== undefined) out.signal = run.signal;
    if (run.waitingFor !== undefined && stillWaiting(run)) out.waitingFor = run.waitingFor;
    if (run.unexpectedCount) out.unexpected = { count: run.unexpectedCount, files: run.unexpected ?? [] };
    if (run.reportedAt)
      out.report = { html: `${runReportPrefix(team, runId)}report.html`, json: `${runReportPrefix(team, runId)}report.json` };
    return out;
  }

  async #sampleCost(sample: SampleRecord): Promise<CostFigures> {
    const key = `${sample.team}/${sample.runId}/${sample.sampleId}@${sample.updatedAt}`;
    const known = this.#costs.get(key);
    if (known) return known;
    // The same totals as `landfall costs`: every job of every version, failed and re-placed ones too.
    const totals = await samplesCost(this.#catalog, [sample]);
    const cost = { vcpuSeconds: totals.vcpuSeconds, estimatedUsd: totals.estimatedUsd };
    if (TERMINAL_SAMPLE_STATUSES.includes(sample.status)) this.#costs.set(key, cost);
    return cost;
  }
}

function summarize(teams: TeamView[]): DashboardSummary {
  const runs = teams.flatMap((team) => team.runs);
  const counts: Partial<Record<SampleStatus, number>> = {};
  for (const run of runs)
    for (const [status, count] of Object.entries(run.counts))
      counts[status as SampleStatus] = (counts[status as SampleStatus] ?? 0) + count;
  return {
    runs: runs.length,
    runsInFlight: runs.filter((run) => run.state.inFlight > 0).length,
    samples: runs.reduce((total, run) => total + run.samples.length, 0),
    counts,
    estimatedUsd: round(
      teams.reduce((total, team) => total + team.cost.estimatedUsd, 0),
      6,
    ),
  };
}

export interface TimelineEvent {
  stage: 'landing' | 'validation' | 'step' | 'publish';
  label: string;
  at: string;
  until?: string;
  /** `stopped`: a step ended because its sample was cancelled or failed in another step, not by its own failure. */
  status: 'done' | 'active' | 'failed' | 'stopped';
  step?: string;
  region?: string;
  /** The step's attempt (its log is that attempt's). */
  attempt?: number;
  /** What the step published (results bucket keys), each a download. */
  outputs?: Array<{ key: string; name: string; size: number }>;
  cost?: CostFigures;
  /** A failed step: why, and the last lines its failing container wrote (the tool's own error). */
  error?: string;
  logTail?: string[];
}

export interface SampleTimeline {
  sampleId: string;
  status: SampleStatus;
  /** The current version, whose steps the events show. */
  version?: number;
  /** The steps of its pipeline, in order: where a reprocess may start. */
  steps?: string[];
  detail?: string;
  events: TimelineEvent[];
  cost: CostFigures;
}

export interface RunTimeline {
  team: string;
  runId: string;
  status: RunRecord['status'];
  state: RunState;
  signal?: string;
  waitingFor?: string;
  createdAt: string;
  updatedAt: string;
  files: number;
  /** Landed files that fit no sample and no known run file, with the first few and why. */
  unexpected?: { count: number; files: Array<{ name: string; reason: string }> };
  samples: SampleTimeline[];
  cost: CostFigures;
  /** The run report (results bucket keys), once written. */
  report?: { html: string; json: string };
}

/** A run record keeps its last `waitingFor` after completeness: it is news only while the run still waits. */
function stillWaiting(run: RunRecord): boolean {
  return run.status === 'RECEIVING' || run.status === 'INCOMPLETE';
}

/** "Sample02_S2_L001_R2_001.fastq.gz line 11: expected '+' …", the words a person acts on. */
export function describeReason(reason: ValidationReason): string {
  const where = [
    reason.line !== undefined ? `line ${reason.line}` : undefined,
    reason.record !== undefined ? `record ${reason.record}` : undefined,
  ]
    .filter(Boolean)
    .join(', ');
  return `${reason.file}${where ? ` ${where}` : ''}: ${reason.message}${reason.code ? ` [${reason.code}]` : ''}`;
}

function quarantineEntry(version: VersionRecord): QuarantineEntry {
  return {
    team: version.team,
    runId: version.runId,
    sampleId: version.sampleId,
    version: version.version,
    rejectedAt: version.updatedAt,
    reasons: version.reasons ?? [],
    reasonCount: version.reasonCount ?? version.reasons?.length ?? 0,
    location: `quarantine bucket ${quarantinePrefix(version)}`,
    whatToDo: WHAT_TO_DO,
  };
}
