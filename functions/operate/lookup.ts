import type { LandfallConfig } from '../../config/schema.ts';
import type { Catalog } from '../catalog/Catalog.ts';
import type { RunRecord, SampleRecord } from '../catalog/types.ts';
import { knownNames, RequestError } from './errors.ts';

/**
 * The one rule for a name a person typed (every read and act command, the control API): an unknown team,
 * run or sample is a {@link RequestError} 'unknown' that lists the known names, never an empty answer.
 */
export function requireTeam(config: Pick<LandfallConfig, 'teams'>, team: string): void {
  if (!config.teams.some((known) => known.id === team))
    throw new RequestError('unknown', `no team ${team}; known teams: ${knownNames(config.teams.map((known) => known.id))}`);
}

/** The run, or a {@link RequestError} naming the team's runs. */
export async function requireRun(catalog: Catalog, team: string, runId: string): Promise<RunRecord> {
  const run = await catalog.runs.get(team, runId);
  if (run) return run;
  const runs = await catalog.runs.listForTeam(team);
  throw new RequestError('unknown', `no run ${runId} for team ${team}; known runs: ${knownNames(runs.map((known) => known.runId))}`);
}

/** The sample, or a {@link RequestError} naming the run's samples (or the team's runs when the run is unknown too). */
export async function requireSample(catalog: Catalog, ref: { team: string; runId: string; sampleId: string }): Promise<SampleRecord> {
  const sample = await catalog.samples.get(ref);
  if (sample) return sample;
  const samples = await catalog.samples.listInRun(ref.team, ref.runId);
  if (samples.length === 0) await requireRun(catalog, ref.team, ref.runId);
  throw new RequestError(
    'unknown',
    `no sample ${ref.sampleId} in run ${ref.team}/${ref.runId}; known samples: ${knownNames(samples.map((known) => known.sampleId))}`,
  );
}
