import { bucketNames } from '../../config/defineConfig.ts';
import { runReportPrefix } from '../../contracts/keys.ts';
import type { RunRecord } from '../catalog/types.ts';
import { isRunTerminal } from '../publishing/runIndex.ts';
import { announceRunCompleted, indexAndConcludeRun, readIndex, runCompletedSamples } from '../publishing/updateRunIndex.ts';
import { writeRunReport } from '../reporting/writeRunReport.ts';
import { INSTANCE_ID } from '../shared/instance.ts';
import type { Services } from '../shared/services.ts';
import { latestRunSteps, runStepsManifestBehind, teamHasRunSteps } from '../workflow/runSteps.ts';
import { rewriteManifest } from '../publishing/manifest.ts';

/** What {@link redriveRunCompletion} did for a run. */
export type RunCompletionRedrive = 'indexed' | 'completed' | 'reported';

/**
 * The sweep's re-drive of a run's end, for when the facts that should have driven it were lost, or their
 * writer died or ran out of time (issue 22, finding 4: no "Run Completed", no report, and nothing re-drove them):
 * - index changes no writer rendered (the run's revision ahead of what index.json shows, no live lease): the
 *   marked samples are rendered;
 * - a run not DONE whose samples are all terminal (settled): every sample is rendered again, so the run becomes
 *   DONE and "Run Completed" is emitted (once per set of terminal versions, as always);
 * - a DONE run without its report (settled): "Run Completed" is announced again (a fact already published is
 *   not) and the report written;
 * - run steps of a run not DONE that ended with their manifest.json behind (settled): it is written first.
 * "Settled" means untouched for two sweep intervals (always, at start), so work whose own events are still on
 * their way is left to them. At start, an index lease held by another process (killed while writing) is let go
 * first. Returns what it did, or undefined.
 */
export async function redriveRunCompletion(
  svc: Services,
  run: RunRecord,
  options: { startup: boolean; now?: number },
): Promise<RunCompletionRedrive | undefined> {
  if (run.status === 'RECEIVING' || run.status === 'INCOMPLETE') return undefined;
  const now = options.now ?? Date.now();
  const settled = (at: string | undefined) =>
    options.startup || Date.parse(at ?? '') < now - 2 * svc.config.completeness.sweepSeconds * 1000;
  const { team, runId } = run;
  // At start the writer holding a lease of another process is dead (one embedded runtime at a time): its lease is
  // let go now, not after RUN_INDEX_LEASE_MS, so a run that process was indexing is concluded by this sweep.
  const deadWriter = options.startup && run.indexLeaseOwner !== undefined && !run.indexLeaseOwner.startsWith(`${INSTANCE_ID}/`);
  if (deadWriter) await svc.catalog.runIndex.abandon(team, runId, run.indexLeaseOwner!);
  const leaseFree = deadWriter || !run.indexLeaseOwner || (run.indexLeaseUntil ?? 0) < now;
  // Run steps whose end was recorded by a process that died before rewriting their manifest (it said RUNNING):
  // written now, before the run is concluded below. Only for a run not DONE whose pipeline has run steps.
  if (run.status !== 'DONE' && teamHasRunSteps(svc.config, team)) {
    const latest = await latestRunSteps(svc, team, runId);
    if (latest && settled(latest.updatedAt) && (await runStepsManifestBehind(svc, latest))) await rewriteManifest(svc, latest);
  }
  if (leaseFree && (run.indexRevision ?? 0) > (run.indexWrittenRevision ?? 0)) {
    return concluded(await indexAndConcludeRun(svc, team, runId));
  }
  if (run.status !== 'DONE') {
    if (!leaseFree) return undefined;
    const samples = await svc.catalog.samples.listInRun(team, runId);
    const expected = { ...run, expectedSamples: await svc.catalog.runs.expectedSamples(team, runId, run) };
    if (!isRunTerminal(expected, samples) || !samples.every((sample) => settled(sample.updatedAt))) return undefined;
    // Run steps still running conclude the run when they finish (and the sweep's recoverRunSteps re-drives dead ones).
    if ((await latestRunSteps(svc, team, runId))?.status === 'RUNNING') return undefined;
    for (const sample of samples) await svc.catalog.runIndex.markChanged(team, runId, sample.sampleId);
    return concluded(await indexAndConcludeRun(svc, team, runId));
  }
  if (run.reportedAt || !settled(run.updatedAt)) return undefined;
  const results = bucketNames(svc.config).results;
  if (await svc.storage.head(results, `${runReportPrefix(team, runId)}report.json`)) {
    await svc.catalog.runs.update(team, runId, { reportedAt: new Date(now).toISOString() }); // written before reportedAt was recorded
    return undefined;
  }
  const index = await readIndex(svc, results, team, runId);
  if (!index?.complete) return undefined;
  await announceRunCompleted(svc, index);
  await writeRunReport(svc, { team, runId, samples: runCompletedSamples(index) });
  return 'reported';
}

/** What a conclusion the sweep drove amounts to. */
function concluded(conclusion: Awaited<ReturnType<typeof indexAndConcludeRun>>): RunCompletionRedrive {
  return conclusion.outcome === 'run-completed' || conclusion.outcome === 'already-completed' ? 'completed' : 'indexed';
}
