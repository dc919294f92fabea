import type { Services } from '../shared/services.ts';
import type { SampleStatus, VersionRef } from '../catalog/types.ts';
import { indexAndConcludeRun } from '../publishing/updateRunIndex.ts';
import { stopVersionJobs } from '../workflow/stopVersionJobs.ts';
import { logger } from '../shared/powertools.ts';
import { RequestError } from './errors.ts';
import { requireRun, requireSample, requireTeam } from './lookup.ts';

/** What `landfall cancel` and the dashboard's cancel action ask for: one sample, or every sample of a run. */
export interface CancelRequest {
  team: string;
  runId: string;
  sampleId?: string;
  /** Who asked, for the sample's detail ("cancelled by the operator"). @default 'a person' */
  by?: string;
}

/**
 * Versions in these statuses are on their way through the pipeline and can be cancelled. A VALIDATING version
 * is not: validation's conclusion would overwrite the status and start the workflow; it is cancellable once READY.
 */
export const CANCELLABLE_STATUSES: readonly SampleStatus[] = ['READY', 'RUNNING'];

export interface CancelResult {
  cancelled: Array<{ sampleId: string; version: number; stoppedExecution: boolean; terminatedJobs: string[]; heldJobs: string[] }>;
  skipped: Array<{ sampleId: string; reason: string }>;
}

/**
 * Cancels the current version of one sample (or of every sample of a run): the version and the sample become
 * CANCELLED first, so whatever is still in flight sees it (publishing skips a CANCELLED version, a finishing
 * execution leaves it alone: Samples.finishVersion); then its execution is stopped (StopExecution), its step
 * jobs running in Batch are terminated, and its jobs held behind the run's early steps are claimed so they are
 * never submitted; the run is indexed again (DONE when every other sample is finished). Nothing further is
 * published for it. `landfall reprocess` restarts a CANCELLED sample.
 * Finished samples are skipped with a reason; the request is refused when nothing can be cancelled.
 *
 * @throws RequestError 'unknown' (listing the known names) or 'refused'
 */
export async function cancelSamples(svc: Services, request: CancelRequest): Promise<CancelResult> {
  const { team, runId, sampleId } = request;
  requireTeam(svc.config, team);
  const samples = sampleId
    ? [await requireSample(svc.catalog, { team, runId, sampleId })]
    : await svc.catalog.samples.listInRun(team, runId);
  if (samples.length === 0) {
    await requireRun(svc.catalog, team, runId);
    throw new RequestError('refused', `run ${team}/${runId} has no cataloged samples to cancel`);
  }
  const result: CancelResult = { cancelled: [], skipped: [] };
  const reason = `cancelled by ${request.by ?? 'a person'} (landfall cancel)`;
  const toStop: Array<{ ref: VersionRef; executionArn?: string }> = [];
  for (const sample of samples) {
    const version = sample.currentVersion
      ? await svc.catalog.samples.getVersion({ team, runId, sampleId: sample.sampleId, version: sample.currentVersion })
      : undefined;
    if (!version || !CANCELLABLE_STATUSES.includes(version.status)) {
      result.skipped.push({
        sampleId: sample.sampleId,
        reason: version
          ? `v${version.version} is ${version.status}: only a sample on its way (${CANCELLABLE_STATUSES.join(', ')}) can be cancelled`
          : `no cataloged version yet (${sample.status})`,
      });
      continue;
    }
    const ref = { team, runId, sampleId: sample.sampleId, version: version.version };
    await svc.catalog.samples.updateVersion(ref, { status: 'CANCELLED', error: reason });
    await svc.catalog.samples.setStatus(ref, 'CANCELLED', { currentVersion: version.version, detail: `v${version.version} ${reason}` });
    toStop.push({ ref, ...(version.executionArn ? { executionArn: version.executionArn } : {}) });
  }
  // Listed only now that the versions say CANCELLED: a step held after this listing finds its version
  // cancelled when it asks (submitStepJob), one held before it is claimed below.
  const deferred = toStop.length > 0 ? await svc.catalog.jobs.listDeferred(team, runId) : [];
  for (const { ref, executionArn } of toStop) {
    let stoppedExecution = false;
    if (executionArn) {
      await svc.workflows.stopExecution(executionArn, reason);
      stoppedExecution = true;
    }
    const { terminatedJobs, heldJobs } = await stopVersionJobs(svc, ref, reason, deferred);
    result.cancelled.push({ sampleId: ref.sampleId, version: ref.version, stoppedExecution, terminatedJobs, heldJobs });
  }
  if (result.cancelled.length > 0)
    // The run's index shows the cancelled samples, and a run whose other samples are finished is DONE now.
    await indexAndConcludeRun(svc, team, runId).catch((error: unknown) =>
      logger.warn('could not index the run after a cancel; the sweep re-drives it', { team, runId, error: String(error) }),
    );
  if (result.cancelled.length === 0)
    throw new RequestError(
      'refused',
      sampleId
        ? `cannot cancel ${team}/${runId}/${sampleId}: ${result.skipped[0]!.reason}`
        : `no sample of ${team}/${runId} is on its way: ${result.skipped.map((skip) => `${skip.sampleId}: ${skip.reason}`).join('; ')}`,
    );
  return result;
}
