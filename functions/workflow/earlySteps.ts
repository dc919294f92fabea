import { pipelineNamed, pipelinesOf } from '../../workflows/pipelines/index.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import { MOVED_WHILE_SUBMITTED } from '../placement/replaceJob.ts';
import type { z } from 'zod';
import type { RunFactEvent } from '../../contracts/events/landfall.ts';
import type { Services } from '../shared/services.ts';
import type { JobRecord, VersionRef } from '../catalog/types.ts';
import { markStopped, versionEndedReason } from './stopVersionJobs.ts';

/**
 * The first early step of the run not yet published, if any: of every sample that is ready or running,
 * each early step of its pipeline without published outputs (a failed one no longer blocks anything).
 * Stops at the first: callers only ask "is one pending?", and a full scan per submission made a run's
 * submissions quadratic in its sample count.
 */
export async function firstPendingEarlyStep(
  svc: Pick<Services, 'catalog' | 'config'>,
  team: string,
  runId: string,
  options: { lookFirstAt?: VersionRef } = {},
): Promise<string | undefined> {
  // The asking sample's own early steps are the likeliest pending ones (its steps start together): one
  // look there usually answers without listing the run.
  if (options.lookFirstAt) {
    const pending = await pendingOf(svc, options.lookFirstAt);
    if (pending) return pending;
  }
  // Newest samples first: early steps start in sample order (early steps first, then first come), so the last
  // samples are the likeliest still pending; in name order each look read every finished sample before them.
  for (const sample of (await svc.catalog.samples.listInRun(team, runId)).reverse()) {
    if (!['READY', 'RUNNING'].includes(sample.status) || !sample.currentVersion) continue;
    if (options.lookFirstAt?.sampleId === sample.sampleId && options.lookFirstAt.version === sample.currentVersion) continue;
    // Its early steps all published (marked when the last of them did): nothing to read. Once a run's early
    // steps are done, each later step's submission read every sample's steps to learn nothing was pending.
    if (sample.earlyStepsDoneVersion === sample.currentVersion) continue;
    const pending = await pendingOf(svc, { team, runId, sampleId: sample.sampleId, version: sample.currentVersion });
    if (pending) return pending;
  }
  return undefined;
}

/**
 * The first early step of one sample version without published outputs (a failed one blocks nothing). The
 * version and its steps come in one query: this runs for every ready sample at each later step's submission.
 */
async function pendingOf(svc: Pick<Services, 'catalog' | 'config'>, ref: VersionRef): Promise<string | undefined> {
  const { version, steps } = await svc.catalog.steps.versionWithSteps(ref);
  if (!version?.pipeline) return undefined;
  const early = pipelineNamed(svc.config, version.pipeline).steps.filter((step) => step.early);
  if (early.length === 0) return undefined;
  for (const step of early) {
    const record = steps.find((candidate) => candidate.step === step.name);
    if (!record?.publishedAt && record?.status !== 'FAILED') return `${version.sampleId}/${step.name}`;
  }
  return undefined;
}

/**
 * Marks the sample version's early steps done when `published`, an early step, was the last of them to
 * publish (`steps` as they were before it; a failed one blocks nothing either): the gate above then skips the
 * sample. Two early steps publishing at once may each see the other unpublished and mark nothing: the gate
 * then reads the sample's steps, as it would without the mark.
 */
export async function markEarlyStepsIfDone(
  svc: Pick<Services, 'catalog' | 'config'>,
  ref: VersionRef,
  pipelineName: string,
  published: string,
  steps: readonly { step: string; publishedAt?: string; status?: string }[],
): Promise<void> {
  // A pipeline no longer in the config (an execution older than a deploy) marks nothing: the gate reads instead.
  const early = (pipelinesOf(svc.config)[pipelineName]?.steps ?? []).filter((step) => step.early);
  if (!early.some((step) => step.name === published)) return;
  const done = (name: string) => {
    const record = steps.find((candidate) => candidate.step === name);
    return name === published || Boolean(record?.publishedAt) || record?.status === 'FAILED';
  };
  if (early.every((step) => done(step.name))) await svc.catalog.samples.markEarlyStepsDone(ref);
}

/**
 * Submits the run's deferred later-step jobs once no early step of the run is pending. Called for every
 * step published and sample ended (rule `release-held-steps`, {@link releaseHeldSteps}), right after a
 * deferral (closing the race with a publish that happened meanwhile), and by the sweep. A conditional claim
 * makes each submission happen once.
 */
export async function releaseDeferredJobs(
  svc: Pick<Services, 'catalog' | 'jobs' | 'config'>,
  team: string,
  runId: string,
  options: { lookFirstAt?: VersionRef; justDeferred?: boolean; held?: JobRecord; now?: number } = {},
): Promise<number> {
  // Whether anything is held first (one key of the index): a run holding none — most runs, most of the time —
  // needs no look at its samples' early steps, which costs reads per sample. The held jobs themselves are read
  // only when they can go. A caller that has just held a job knows the answer.
  if (!options.justDeferred && !(await svc.catalog.jobs.anyDeferred(team, runId))) return 0;
  if ((await firstPendingEarlyStep(svc, team, runId, options)) !== undefined) return 0;
  const deferred = await svc.catalog.jobs.listDeferred(team, runId);
  // The held jobs are listed from an index, which DynamoDB updates a moment after the write: the job its caller
  // has just held may not be in it yet, and no later fact may come to release it.
  if (options.held && !deferred.some((job) => job.jobName === options.held!.jobName)) deferred.push(options.held);
  const jobs = svc.catalog.jobs;
  const at = options.now ?? Date.now();
  let released = 0;
  for (const job of deferred) {
    if (!job.deferredSpec || job.jobId !== undefined || job.replacedBy !== undefined) continue;
    const spec = JSON.parse(job.deferredSpec) as JobSpec;
    if (job.releasedAt !== undefined) {
      // Claimed by a release that has not recorded a job: one still at it, or one that died before or after
      // submitting it. Past STALE_RELEASE_MS (longer than any function runs) Batch is asked first: it may hold it.
      if (at - Date.parse(job.releasedAt) < STALE_RELEASE_MS) continue;
      const submitted = await svc.jobs.findByName(job.jobName, spec.jobQueue, spec.region);
      if (submitted !== undefined) {
        if (await recordSubmitted(svc, job, submitted)) released++;
        continue;
      }
      if (!(await jobs.reclaimStale(job.jobName, job.releasedAt))) continue;
    } else if (!(await jobs.claimForRelease(job.jobName))) continue;
    // Its sample ended (cancelled, failed in another step) after it was held: a stopper listing the index a
    // moment after the hold may not have seen it. Claimed, it is never submitted.
    const ended = await versionEndedReason(svc, job);
    if (ended) {
      await jobs.dropHeld(job.jobName);
      await markStopped(svc, job, job.step, ended);
      continue;
    }
    let jobId: string;
    try {
      ({ jobId } = await svc.jobs.submit(spec));
    } catch (error) {
      // Held again, not lost: a claimed job missing from the held list would leave its sample waiting for its deadline.
      await jobs.unclaimDeferred(job);
      throw error;
    }
    if (await recordSubmitted(svc, job, jobId)) released++;
  }
  return released;
}

/**
 * How long a release may hold its claim on a job without recording one before another release takes it over:
 * longer than any function runs (stacks/functionSizing.ts), so the claimant is gone.
 */
export const STALE_RELEASE_MS = 20 * 60_000;

/**
 * A released job's Batch job, recorded: it leaves the held list and counts in its region's load. False when it
 * must not run after all — moved while being released (the move runs it under its new name), or its sample
 * ended meanwhile (a stopper that came while it was submitted found no job to stop: stopped here instead).
 */
async function recordSubmitted(svc: Pick<Services, 'catalog' | 'jobs'>, job: JobRecord, jobId: string): Promise<boolean> {
  if (!(await svc.catalog.jobs.recordReleased(job.jobName, jobId))) {
    await svc.catalog.jobs.dropHeld(job.jobName);
    await svc.jobs.terminate(jobId, MOVED_WHILE_SUBMITTED);
    return false;
  }
  const ended = await versionEndedReason(svc, job);
  if (ended) {
    await svc.jobs.terminate(jobId, ended);
    await markStopped(svc, job, job.step, ended);
    return false;
  }
  await svc.catalog.regionLoads.markSubmitted(job.region, job.jobName, Date.now());
  // It said it waited for the run's early steps: it says where it runs now.
  await svc.catalog.samples.noteProgress(job, job.version, `running ${job.step} in ${job.region}`);
  return true;
}

/**
 * A step published or a sample ended (rule `release-held-steps`): {@link releaseDeferredJobs} for its run. Its
 * own function, driven by the fact, so this run-wide work never runs inside — or times out — the Publish or
 * failure task of the step that triggered it: a sample's outcome depends only on its own data and steps.
 */
export async function releaseHeldSteps(svc: Services, event: z.infer<typeof RunFactEvent>) {
  const released = await releaseDeferredJobs(svc, event.detail.team, event.detail.runId);
  return { outcome: released > 0 ? 'released' : 'nothing-held', released };
}
