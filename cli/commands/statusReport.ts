import type { Catalog } from '../../functions/catalog/Catalog.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import { type RunRecord, SAMPLE_STATUSES, type SampleRecord, type SampleStatus } from '../../functions/catalog/types.ts';
import type { SkippedShareRecord } from '../../functions/catalog/ShareSkips.ts';

/** A run not yet DONE: still receiving, waiting for a signal, incomplete, or processing. */
export interface RunInFlight {
  team: string;
  runId: string;
  status: RunRecord['status'];
  /** Only while the run is landing (RECEIVING, INCOMPLETE): what completeness waits for. Stale after, so left out. */
  waitingFor?: string;
  /** Missing files, while the run is landing (0 once it is COMPLETE). */
  missing: number;
  signal?: string;
  /** Samples by status (once landed, what the run is doing). */
  samples: Partial<Record<SampleStatus, number>>;
  updatedAt: string;
}

/** Run statuses in which the run is still landing: what it waits for is current only then. */
const LANDING: readonly RunRecord['status'][] = ['RECEIVING', 'INCOMPLETE'];

/** A run (in flight or done) with landed files that belong to no sample and are no known run file. */
export interface RunUnexpectedFiles {
  team: string;
  runId: string;
  /** Exact count. */
  count: number;
  /** The first few, with why (the run record keeps a bounded list). */
  files: Array<{ name: string; reason: string }>;
}

export interface RegionLoad {
  region: string;
  home: boolean;
  vcpuQuota: number;
  /** Step jobs of running samples that are running in this region now. */
  runningJobs: number;
}

export interface LastError {
  sample: string;
  status: 'FAILED' | 'REJECTED';
  detail?: string;
  at: string;
}

/**
 * The catalog side of `landfall status`, from key and GSI queries only: runs in flight per team, runs with
 * unexpected files (kept, never processed), load per region (steps RUNNING of RUNNING samples), and the
 * most recent failures and rejections.
 */
export async function gatherStatus(catalog: Catalog, config: LandfallConfig, teams: string[], lastErrors = 5) {
  const runsInFlight: RunInFlight[] = [];
  const unexpectedFiles: RunUnexpectedFiles[] = [];
  const running = new Map<string, number>();
  const errors: LastError[] = [];
  for (const team of teams) {
    for (const run of await catalog.runs.listForTeam(team)) {
      if (run.unexpectedCount) unexpectedFiles.push({ team, runId: run.runId, count: run.unexpectedCount, files: run.unexpected ?? [] });
      if (run.status === 'DONE') continue;
      const landing = LANDING.includes(run.status);
      const inRun = await catalog.samples.listInRun(team, run.runId);
      const samples: Partial<Record<SampleStatus, number>> = {};
      for (const status of SAMPLE_STATUSES) {
        const count = inRun.filter((sample) => sample.status === status).length;
        if (count > 0) samples[status] = count;
      }
      runsInFlight.push({
        team,
        runId: run.runId,
        status: run.status,
        // The run item keeps what it last waited for; once COMPLETE that is history, not news.
        ...(landing && run.waitingFor !== undefined && { waitingFor: run.waitingFor }),
        missing: landing ? (run.missingCount ?? run.missing?.length ?? 0) : 0,
        signal: run.signal,
        samples,
        updatedAt: run.updatedAt,
      });
    }
    for (const sample of await catalog.samples.listForTeam(team, 'RUNNING')) {
      if (!sample.currentVersion) continue;
      for (const step of await catalog.steps.list({ ...sample, version: sample.currentVersion })) {
        if (step.status === 'RUNNING') running.set(step.region, (running.get(step.region) ?? 0) + 1);
      }
    }
    for (const status of ['FAILED', 'REJECTED'] as const) {
      errors.push(
        ...(await catalog.samples.listForTeam(team, status)).map((sample: SampleRecord) => ({
          sample: `${sample.team}/${sample.runId}/${sample.sampleId}`,
          status,
          detail: sample.detail,
          at: sample.updatedAt,
        })),
      );
    }
  }
  const regions: RegionLoad[] = config.regions.map((region) => ({
    region: region.name,
    home: region.name === config.homeRegion,
    vcpuQuota: region.vcpuQuota,
    runningJobs: running.get(region.name) ?? 0,
  }));
  errors.sort((a, b) => b.at.localeCompare(a.at));
  return { runsInFlight, unexpectedFiles, regions, lastErrors: errors.slice(0, lastErrors) };
}

/**
 * What the share holds that did not land (links, FIFOs, hidden files, unconfigured team folders, …), by path:
 * every entry for the operator, a team's own folder for a team.
 */
export async function gatherSkippedOnShare(
  catalog: Catalog,
  scope: { operator: true } | { teams: string[] },
): Promise<{ count: number; entries: SkippedShareRecord[] }> {
  const entries =
    'operator' in scope
      ? await catalog.shareSkips.listAll()
      : (await Promise.all(scope.teams.map((team) => catalog.shareSkips.listTeam(team)))).flat();
  return { count: entries.length, entries };
}
