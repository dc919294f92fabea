import type { Catalog } from '../catalog/Catalog.ts';
import { samplesCost } from '../catalog/costReport.ts';
import { type RunStatus, SAMPLE_STATUSES, type SampleStatus } from '../catalog/types.ts';
import type { CostTotals } from '../workflow/jobCost.ts';

/** One line of `landfall runs`: where a run is, what its samples are, how long it took and what it cost. */
export interface RunSummary {
  team: string;
  runId: string;
  status: RunStatus;
  /** Samples cataloged in the run (every status). */
  samples: number;
  /** Samples by status; statuses with none are left out. */
  counts: Partial<Record<SampleStatus, number>>;
  /** When the run's first file was cataloged. */
  startedAt: string;
  /** When its last sample finished, once the run is DONE. */
  finishedAt?: string;
  /** finishedAt − startedAt, or how long it has been going while not DONE. */
  durationSeconds: number;
  cost: Pick<CostTotals, 'estimatedUsd' | 'vcpuSeconds' | 'jobs' | 'failedJobs' | 'replacedJobs'>;
}

/** Run statuses a `--status` filter accepts (DESIGN.md "Statuses"). */
export const RUN_STATUSES: readonly RunStatus[] = ['RECEIVING', 'INCOMPLETE', 'COMPLETE', 'PROCESSING', 'DONE'];

/**
 * Every run of the given teams as one summary each, newest first (runs not DONE before DONE ones): counts
 * from the run's sample items, cost from the one cost model (functions/catalog/costReport.ts samplesCost).
 * Used by `landfall runs` and the control API; the dashboard reads the same module.
 */
export async function runSummaries(
  catalog: Catalog,
  teams: readonly string[],
  filter: { status?: RunStatus } = {},
  now: Date = new Date(),
): Promise<RunSummary[]> {
  const summaries: RunSummary[] = [];
  for (const team of teams) {
    for (const run of await catalog.runs.listForTeam(team)) {
      if (filter.status && run.status !== filter.status) continue;
      const samples = await catalog.samples.listInRun(team, run.runId);
      const counts: Partial<Record<SampleStatus, number>> = {};
      for (const status of SAMPLE_STATUSES) {
        const count = samples.filter((sample) => sample.status === status).length;
        if (count > 0) counts[status] = count;
      }
      const finishedAt =
        run.status === 'DONE' && samples.length > 0
          ? samples
              .map((sample) => sample.updatedAt)
              .sort()
              .at(-1)
          : undefined;
      const end = finishedAt ? Date.parse(finishedAt) : now.getTime();
      const cost = await samplesCost(catalog, samples);
      summaries.push({
        team,
        runId: run.runId,
        status: run.status,
        samples: samples.length,
        counts,
        startedAt: run.createdAt,
        ...(finishedAt && { finishedAt }),
        durationSeconds: Math.max(0, Math.round((end - Date.parse(run.createdAt)) / 1000)),
        cost: {
          estimatedUsd: cost.estimatedUsd,
          vcpuSeconds: cost.vcpuSeconds,
          jobs: cost.jobs,
          failedJobs: cost.failedJobs,
          replacedJobs: cost.replacedJobs,
        },
      });
    }
  }
  return summaries.sort((a, b) => Number(a.status === 'DONE') - Number(b.status === 'DONE') || b.startedAt.localeCompare(a.startedAt));
}
