import type { JobRecord, StepRecord, VersionRef } from '../catalog/types.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/**
 * Stops what a version still has in Batch once its execution is over (cancelled, or failed in another step):
 * its step jobs held behind the run's early steps are claimed, so they are never submitted, and its running
 * step jobs are terminated — best effort per job, one Batch refusal must not leave the others running — and
 * the steps of both marked FAILED with `reason`. Their workflow tasks are gone, so whatever they computed would never
 * be published. `deferred` is the run's held jobs when the caller has listed them already.
 */
export async function stopVersionJobs(
  svc: Services,
  ref: VersionRef,
  reason: string,
  deferred?: JobRecord[],
): Promise<{ terminatedJobs: string[]; heldJobs: string[] }> {
  const heldJobs: string[] = [];
  for (const job of (deferred ?? (await svc.catalog.jobs.listDeferred(ref.team, ref.runId))).filter(
    (held) => held.sampleId === ref.sampleId && held.version === ref.version,
  ))
    if (await svc.catalog.jobs.claimDeferred(job.jobName)) heldJobs.push(job.jobName);
  const terminatedJobs: string[] = [];
  for (const step of await svc.catalog.steps.list(ref)) {
    if (step.status !== 'RUNNING') continue;
    // Marked first: the job's FAILED state change then finds it stopped, not failed (completeJobTask).
    await markStepStopped(svc, step, reason);
    // A held step has no job to stop (claimed above, it is never submitted); it says why it never ran.
    const jobId = heldJobs.includes(step.jobName) ? undefined : (step.jobId ?? (await svc.catalog.jobs.get(step.jobName))?.jobId);
    if (jobId)
      await svc.jobs.terminate(jobId, reason).then(
        () => terminatedJobs.push(step.jobName),
        (error: unknown) =>
          logger.warn('could not terminate a step job of a finished execution', { jobName: step.jobName, error: String(error) }),
      );
  }
  return { terminatedJobs, heldJobs };
}

/**
 * A step stopped with its sample: FAILED with the reason, marked stopped (not a failure of its own). A step its
 * job published meanwhile (it finished as its sibling failed) keeps its publication.
 */
export async function markStepStopped(svc: Pick<Services, 'catalog'>, step: StepRecord, reason: string): Promise<void> {
  await svc.catalog.steps.put({ ...step, status: 'FAILED', error: reason, stopped: true }, { unlessPublished: true });
}

/** {@link markStepStopped} for a version's step by name, when it has a record. */
export async function markStopped(svc: Pick<Services, 'catalog'>, ref: VersionRef, step: string, reason: string): Promise<void> {
  const record = await svc.catalog.steps.get(ref, step);
  if (record) await markStepStopped(svc, record, reason);
}

/** Version statuses that end its execution: nothing it still submits may run. */
const ENDED_VERSION_STATUSES = ['CANCELLED', 'FAILED'];

/**
 * Why the version's execution is over (cancelled, or failed in another step), if it is: what a submission asks
 * once its job exists. A cancel or a failing sibling that came while the job was being submitted found no job
 * id to terminate (or no RUNNING step at all) in {@link stopVersionJobs}; asked after the job id is recorded,
 * one of the two always sees the other. A run's steps (no sample version) never end this way.
 */
export async function versionEndedReason(svc: Pick<Services, 'catalog'>, ref: VersionRef): Promise<string | undefined> {
  const version = await svc.catalog.samples.getVersion(ref);
  if (!version || !ENDED_VERSION_STATUSES.includes(version.status)) return undefined;
  return version.status === 'CANCELLED'
    ? (version.error ?? 'cancelled')
    : `stopped: the sample failed${version.error ? ` (${version.error})` : ''}`;
}
