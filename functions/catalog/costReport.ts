import type { Catalog } from './Catalog.ts';
import type { SampleRef } from './types.ts';
import { addCostTotals, NO_COST, sumCosts, type CostTotals } from '../workflow/jobCost.ts';

export interface RunCost extends CostTotals {
  team: string;
  runId: string;
  createdAt: string;
  samples: number;
}

export interface TeamCost extends CostTotals {
  team: string;
  runs: number;
}

/**
 * THE cost model (issue 19: `landfall costs`, `landfall runs` and the dashboard give the same figures): what the
 * given samples' jobs cost, from the per-job cost items — every job that ran, over all its attempts, failed
 * (`failedJobs`) and re-placed (`replacedJobs`, moved to another region: paid for, not failed) jobs included,
 * plus cross-region staging transfer.
 */
export async function samplesCost(catalog: Catalog, samples: readonly SampleRef[]): Promise<CostTotals> {
  const items = (await Promise.all(samples.map((sample) => catalog.costs.listForSample(sample)))).flat();
  return sumCosts(items.map((item) => ({ ...item.cost, status: item.status })));
}

/**
 * Cost per run and per team by {@link samplesCost}, gathered by key queries: a team's runs (GSI1), each run's samples, each sample's costs.
 */
export async function costReport(
  catalog: Catalog,
  teams: string[],
  filter: { runId?: string; since?: Date } = {},
): Promise<{ runs: RunCost[]; teams: TeamCost[]; total: CostTotals }> {
  const runs: RunCost[] = [];
  const perTeam: TeamCost[] = [];
  for (const team of teams) {
    let teamTotal: CostTotals = NO_COST;
    let teamRuns = 0;
    for (const run of await catalog.runs.listForTeam(team)) {
      if (filter.runId && run.runId !== filter.runId) continue;
      if (filter.since && Date.parse(run.createdAt) < filter.since.getTime()) continue;
      const samples = await catalog.samples.listInRun(team, run.runId);
      const totals = await samplesCost(catalog, samples);
      runs.push({ team, runId: run.runId, createdAt: run.createdAt, samples: samples.length, ...totals });
      teamTotal = addCostTotals(teamTotal, totals);
      teamRuns++;
    }
    perTeam.push({ team, runs: teamRuns, ...teamTotal });
  }
  return { runs, teams: perTeam, total: perTeam.reduce<CostTotals>((total, team) => addCostTotals(total, team), NO_COST) };
}
