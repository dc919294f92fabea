import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { bucketNames } from '../../config/defineConfig.ts';
import type { RunFactEvent } from '../../contracts/events/landfall.ts';
import { emitOnce } from '../shared/emit.ts';
import type { Services } from '../shared/services.ts';
import { runIndexKey } from '../../contracts/keys.ts';
import { startRunStepsIfReady } from '../workflow/runSteps.ts';
import { writeRunIndex } from './runIndex.ts';

/**
 * A step published or a sample reached an end: rewrites the run's index.json from the catalog (and starts
 * the run's run-scope steps once they are ready), and once every sample of the run is terminal and its run
 * steps have finished, marks the run DONE and emits "Run Completed" once per set of terminal sample versions
 * and run-step version (a repeated event, or a reprocess that ends the same way, emits nothing new).
 */
export async function updateRunIndex(svc: Services, event: z.infer<typeof RunFactEvent>) {
  return indexAndConcludeRun(svc, event.detail.team, event.detail.runId);
}

/** {@link updateRunIndex} for a run named directly (the run steps' finish calls it too). */
export async function indexAndConcludeRun(svc: Services, team: string, runId: string) {
  const results = bucketNames(svc.config).results;
  await svc.catalog.runs.bumpIndexRevision(team, runId);
  let index = await writeRunIndex(svc, team, runId, results);
  const runSteps = await startRunStepsIfReady(svc, team, runId);
  if (runSteps.kind === 'running' && index.runSteps?.version !== runSteps.version.version) {
    // Just started: the index names the new run steps from now on.
    await svc.catalog.runs.bumpIndexRevision(team, runId);
    index = await writeRunIndex(svc, team, runId, results);
  }
  if (!index.complete) return { outcome: 'indexed', revision: index.revision };
  if (runSteps.kind === 'running' || runSteps.kind === 'waiting')
    return { outcome: 'waiting-for-run-steps', revision: index.revision, ...(runSteps.kind === 'waiting' && { reason: runSteps.reason }) };
  if (index.status !== 'DONE') {
    await svc.catalog.runs.update(team, runId, { status: 'DONE' });
    await svc.catalog.runs.bumpIndexRevision(team, runId);
    index = await writeRunIndex(svc, team, runId, results);
  }
  const samples = index.samples.map(({ sampleId, version, status }) => ({ sampleId, ...(version ? { version } : {}), status }));
  const ranSteps = index.runSteps && { version: index.runSteps.version, status: index.runSteps.status };
  const digest = createHash('sha256')
    .update(JSON.stringify(ranSteps ? [samples, ranSteps] : samples))
    .digest('hex')
    .slice(0, 16);
  const indexKey = runIndexKey(team, runId);
  const emitted = await emitOnce(svc, 'Run Completed', {
    team,
    runId,
    samples,
    keys: [
      indexKey,
      ...index.samples.flatMap((sample) => (sample.manifestKey ? [sample.manifestKey] : [])),
      ...(index.runSteps ? [index.runSteps.manifestKey] : []),
    ],
    indexKey,
    dedupeKey: `run-completed:${team}/${runId}:${digest}`,
  });
  return { outcome: emitted ? 'run-completed' : 'already-completed', revision: index.revision };
}
