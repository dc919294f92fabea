import { createHash, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { bucketNames } from '../../config/defineConfig.ts';
import type { ChangedSample } from '../catalog/RunIndexState.ts';
import type { RunRecord } from '../catalog/types.ts';
import { emitOnce } from '../shared/emit.ts';
import { listedKeys, RUN_SAMPLES_LISTED } from '../shared/eventLists.ts';
import { faultPoint } from '../shared/faults.ts';
import { INSTANCE_ID } from '../shared/instance.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import type { LandfallEventDetail, RunFactEvent } from '../../contracts/events/landfall.ts';
import { runIndexKey } from '../../contracts/keys.ts';
import { latestRunSteps, startRunStepsIfReady } from '../workflow/runSteps.ts';
import { isRunTerminal, type RunIndex, type RunIndexSample, renderRunIndex } from './runIndex.ts';

/** How long a writer's lease on a run lasts without renewal (a writer that died frees the run after it). */
export const RUN_INDEX_LEASE_MS = 60_000;
/** How long one writer keeps rendering while changes keep coming; what is left is the next writer's or the sweep's. */
export const RUN_INDEX_WRITER_BUDGET_MS = 30_000;
/** Changed samples rendered per round. */
const BATCH = 500;

/** What {@link updateRunIndex} did. */
export type RunIndexUpdate =
  /** This caller wrote index.json up to the run's latest change. */
  | { outcome: 'written'; index: RunIndex }
  /** Another writer holds the run: it renders this change before it lets go. */
  | { outcome: 'coalesced' }
  /** Changes kept coming past this writer's budget: the run stays marked for the next writer or the sweep. */
  | { outcome: 'unfinished'; index?: RunIndex };

/**
 * Records that the run's index.json is stale — for `changedSampleId`'s part, when given — and, unless another
 * writer holds the run, renders and writes it: ONE writer per run at a time (a lease in the catalog), every
 * change coalesced into the next round of the writer that holds it, and each round reading only the samples
 * that changed (the rest comes from the index.json written before). Concluding the run (its run steps, DONE,
 * "Run Completed") is {@link indexAndConcludeRun}'s, after a write.
 *
 * Replaces a writer per event that re-read the whole run until its revision stood still: with hundreds of
 * events on a big run those writers invalidated each other (a livelock that kept writing index.json minutes
 * after the last sample ended).
 *
 * @example
 * await updateRunIndex(svc, 'genomics', '251201_LH00417_0001_A22', 'Sample07');
 */
export async function updateRunIndex(
  svc: Pick<Services, 'catalog' | 'storage' | 'config' | 'events'>,
  team: string,
  runId: string,
  changedSampleId?: string,
): Promise<RunIndexUpdate> {
  const state = svc.catalog.runIndex;
  const owner = `${INSTANCE_ID}/${randomUUID()}`;
  const taken = await state.markChangedAndAcquire(team, runId, changedSampleId, owner, RUN_INDEX_LEASE_MS);
  if (!taken.acquired) return { outcome: 'coalesced' };
  const results = bucketNames(svc.config).results;
  const deadline = Date.now() + RUN_INDEX_WRITER_BUDGET_MS;
  try {
    let previous = await readIndex(svc, results, team, runId);
    // The run as the lease's write left it serves the first round; later rounds read it again.
    let fromLease = taken.run;
    for (;;) {
      const run = fromLease ?? (await svc.catalog.runs.get(team, runId));
      fromLease = undefined;
      if (!run) throw new Error(`no catalog entry for run ${team}/${runId}`);
      const revision = run.indexRevision ?? 0;
      const changed = await state.changedSamples(team, runId, BATCH);
      const index = await render(svc, run, previous, changed);
      await faultPoint('runIndex.betweenReadAndWrite');
      await svc.storage.put(results, runIndexKey(team, runId), `${JSON.stringify(index, null, 2)}\n`, { contentType: 'application/json' });
      await state.clearChanged(team, runId, changed);
      previous = index;
      // A full batch may have left more marks than one round takes: render them before letting go.
      if (changed.length < BATCH && (await state.release(team, runId, owner, revision))) {
        return { outcome: 'written', index };
      }
      if (Date.now() > deadline) {
        await state.abandon(team, runId, owner);
        return { outcome: 'unfinished', index };
      }
      await state.acquire(team, runId, owner, RUN_INDEX_LEASE_MS); // renew: this writer goes on
    }
  } catch (error) {
    await state.abandon(team, runId, owner).catch(() => undefined);
    throw error;
  }
}

/** What {@link indexAndConcludeRun} did. */
export type RunConclusion =
  | { outcome: 'coalesced' | 'unfinished' }
  | { outcome: 'indexed' | 'run-completed' | 'already-completed'; revision: number }
  | { outcome: 'waiting-for-run-steps'; revision: number; reason?: string };

/**
 * A step published or a sample reached an end (rule `index-run`), or the run steps finished: {@link updateRunIndex},
 * then — by the caller that wrote, so once per coalesced round — the run's conclusion: its run-scope steps are
 * started once they are ready (functions/workflow/runSteps.ts), and once every sample is terminal and the run
 * steps (if any) have finished, the run becomes DONE and "Run Completed" is emitted, once per set of terminal
 * sample versions and run-step version (a repeated event, or a reprocess that ends the same way, emits nothing new).
 */
export async function indexAndConcludeRun(svc: Services, team: string, runId: string, changedSampleId?: string): Promise<RunConclusion> {
  const update = await updateRunIndex(svc, team, runId, changedSampleId);
  if (update.outcome !== 'written') return { outcome: update.outcome };
  let index = update.index;
  const runSteps = await startRunStepsIfReady(svc, team, runId, { shown: index });
  if (runSteps.kind === 'running' && index.runSteps?.version !== runSteps.version.version) {
    // Just started: the index names the new run steps from now on.
    const again = await updateRunIndex(svc, team, runId);
    if (again.outcome !== 'written') return { outcome: again.outcome }; // the writer holding the run concludes it
    index = again.index;
  }
  if (!index.complete) return { outcome: 'indexed', revision: index.revision };
  if (runSteps.kind === 'running' || runSteps.kind === 'waiting')
    return { outcome: 'waiting-for-run-steps', revision: index.revision, ...(runSteps.kind === 'waiting' && { reason: runSteps.reason }) };
  if (index.status !== 'DONE') {
    await svc.catalog.runs.update(team, runId, { status: 'DONE' });
    const again = await updateRunIndex(svc, team, runId);
    if (again.outcome !== 'written') return { outcome: again.outcome };
    index = again.index;
    if (!index.complete) return { outcome: 'indexed', revision: index.revision };
  }
  const emitted = await announceRunCompleted(svc, index);
  return { outcome: emitted ? 'run-completed' : 'already-completed', revision: index.revision };
}

/** Rule `index-run`: {@link indexAndConcludeRun} for the fact's run and sample. */
export async function indexRunFact(svc: Services, event: z.infer<typeof RunFactEvent>): Promise<RunConclusion> {
  const { team, runId } = event.detail;
  const sampleId = typeof event.detail.sampleId === 'string' ? event.detail.sampleId : undefined;
  return indexAndConcludeRun(svc, team, runId, sampleId);
}

/**
 * Emits "Run Completed" for a complete index, once per set of terminal sample versions (a repeated call, or a
 * reprocess that ends the same way, emits nothing new). The sweep calls it again for a DONE run whose report
 * is missing.
 */
export async function announceRunCompleted(svc: Pick<Services, 'catalog' | 'events' | 'config'>, index: RunIndex): Promise<boolean> {
  const samples = runCompletedSamples(index);
  const ranSteps = index.runSteps && { version: index.runSteps.version, status: index.runSteps.status };
  const digest = createHash('sha256')
    .update(JSON.stringify(ranSteps ? [samples, ranSteps] : samples))
    .digest('hex')
    .slice(0, 16);
  const indexKey = runIndexKey(index.team, index.runId);
  return emitOnce(svc as Services, 'Run Completed', {
    team: index.team,
    runId: index.runId,
    // Named whole up to RUN_SAMPLES_LISTED; a larger run names the first and counts them all (its digest covers all).
    samples: samples.slice(0, RUN_SAMPLES_LISTED),
    ...(samples.length > RUN_SAMPLES_LISTED ? { sampleCount: samples.length } : {}),
    // A run of hundreds of samples names its index first, then as many manifests as fit the event's list.
    ...listedKeys([
      indexKey,
      ...index.samples.flatMap((sample) => (sample.manifestKey ? [sample.manifestKey] : [])),
      ...(index.runSteps ? [index.runSteps.manifestKey] : []),
    ]),
    indexKey,
    dedupeKey: `run-completed:${index.team}/${index.runId}:${digest}`,
  });
}

/** The samples a "Run Completed" names: each one's id, current version and end state. */
export function runCompletedSamples(index: RunIndex): Array<{ sampleId: string; version?: number; status: RunIndexSample['status'] }> {
  return index.samples.map(({ sampleId, version, status }) => ({ sampleId, ...(version ? { version } : {}), status }));
}

/**
 * Every sample a "Run Completed" is about: the event's own list when it names them all, else index.json's (it
 * names the first {@link RUN_SAMPLES_LISTED} and counts them in `sampleCount`). An index that is gone or names
 * fewer than counted leaves the event's list, with a warning: what is named is still reported.
 */
export async function samplesOfRunCompleted(
  svc: Pick<Services, 'storage' | 'config'>,
  run: Pick<LandfallEventDetail<'Run Completed'>, 'team' | 'runId' | 'samples' | 'sampleCount'>,
): Promise<LandfallEventDetail<'Run Completed'>['samples']> {
  if (run.sampleCount === undefined || run.sampleCount <= run.samples.length) return run.samples;
  const index = await readIndex(svc, bucketNames(svc.config).results, run.team, run.runId);
  const all = index ? runCompletedSamples(index) : [];
  if (all.length >= run.sampleCount) return all;
  logger.warn('index.json names fewer samples than "Run Completed" counts: reporting those the event names', {
    team: run.team,
    runId: run.runId,
    sampleCount: run.sampleCount,
    inIndex: all.length,
  });
  return run.samples;
}

/** The run's index.json as last written, or undefined (none yet, or unreadable: the writer renders every sample). */
export async function readIndex(
  svc: Pick<Services, 'storage'>,
  results: string,
  team: string,
  runId: string,
): Promise<RunIndex | undefined> {
  const key = runIndexKey(team, runId);
  if (!(await svc.storage.head(results, key))) return undefined;
  try {
    const parsed = JSON.parse((await svc.storage.getBytes(results, key)).toString('utf8')) as RunIndex;
    return Array.isArray(parsed.samples) && parsed.team === team && parsed.runId === runId ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The run's index with the changed samples read again from the catalog and every other sample as `previous`
 * showed it (all of them read when there is no previous index), and the run's latest run steps.
 */
async function render(
  svc: Pick<Services, 'catalog'>,
  run: RunRecord,
  previous: RunIndex | undefined,
  changed: readonly ChangedSample[],
): Promise<RunIndex> {
  const { team, runId } = run;
  const sampleIds = previous
    ? [...new Set(changed.map((change) => change.sampleId))]
    : (await svc.catalog.samples.listInRun(team, runId)).map((sample) => sample.sampleId);
  const snapshots = [];
  for (const sampleId of sampleIds) {
    const sample = await svc.catalog.samples.get({ team, runId, sampleId });
    if (!sample) continue;
    if (!sample.currentVersion) {
      snapshots.push({ sample, steps: [] });
      continue;
    }
    // The version and its steps share a key prefix: one query, not two, for every changed sample of every write.
    const { version, steps } = await svc.catalog.steps.versionWithSteps({ team, runId, sampleId, version: sample.currentVersion });
    snapshots.push({ sample, version, steps });
  }
  const latest = await latestRunSteps(svc, team, runId);
  const runSteps = latest && { version: latest, steps: await svc.catalog.steps.list(latest) };
  // The ids live beside the run item (functions/catalog/Runs.ts): one small query, not one per sample.
  const expected = { ...run, expectedSamples: await svc.catalog.runs.expectedSamples(team, runId, run) };
  const fresh = renderRunIndex({ run: expected, samples: snapshots, ...(runSteps && { runSteps }) });
  const merged = new Map((previous?.samples ?? []).map((sample) => [sample.sampleId, sample]));
  for (const sample of fresh.samples) merged.set(sample.sampleId, sample);
  const samples = [...merged.values()].sort((a, b) => a.sampleId.localeCompare(b.sampleId));
  const complete = isRunTerminal(expected, samples);
  const counts: RunIndex['counts'] = {};
  for (const sample of samples) counts[sample.status] = (counts[sample.status] ?? 0) + 1;
  return { ...fresh, complete, samples, counts, revision: run.indexRevision ?? 0 };
}
