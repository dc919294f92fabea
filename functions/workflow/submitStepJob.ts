import { bucketNames } from '../../config/defineConfig.ts';
import { stepsFrom } from '../../workflows/pipeline.ts';
import { pipelineNamed } from '../../workflows/pipelines/index.ts';
import type { Services } from '../shared/services.ts';
import { jobNameOf } from './executionName.ts';
import { ALL_STEPS, sampleInputsOf } from './startVersionExecution.ts';
import type { SamplePayload, SubmitStepPayload, JobResult } from './payloads.ts';
import type { z } from 'zod';
import { firstPendingEarlyStep, releaseDeferredJobs } from './earlySteps.ts';
import { describePriority, isUrgentClass, isUrgentSample, stepPriority } from './priority.ts';
import { placeAndReserve } from '../placement/placeAndReserve.ts';
import { MOVED_WHILE_SUBMITTED } from '../placement/replaceJob.ts';
import { RegionsFullError } from '../placement/errors.ts';
import { placementJobFor, placementRecord, placementSetup } from '../placement/stepPlacement.ts';
import { buildStepManifest, crossRegionBytes, stepJobSpec, storeStepManifest } from './stepJob.ts';
import { wakeRegion } from '../alarms/wakeRegion.ts';
import { noteSubmission } from '../alarms/regionActivity.ts';
import { stepWorkPrefix } from '../../contracts/workArea.ts';
import { markStopped, versionEndedReason } from './stopVersionJobs.ts';
import { replayedJobStateChange } from '../../contracts/events/batch.ts';

export { STEP_RETRY_RULES } from './stepJob.ts';

/** The sample with its inputs: from the execution input, or (too many for it) the version's files in the catalog. */
async function withInputs(svc: Services, sample: z.infer<typeof SamplePayload>): Promise<z.infer<typeof SamplePayload>> {
  if (!sample.inputsInCatalog) return sample;
  const version = await svc.catalog.samples.getVersion(sample);
  if (!version) throw new Error(`catalog has no version ${sample.version} of ${sample.team}/${sample.runId}/${sample.sampleId}`);
  return { ...sample, inputs: sampleInputsOf(version.files) };
}

/**
 * `Run <step>` (lambda:invoke.waitForTaskToken): stores the job's manifest (functions/workflow/stepJob.ts),
 * records the task token with the job BEFORE submitting (SubmitJob has no idempotency token; the job name is
 * deterministic), then submits the step's Batch job: stage-in, the step's tool, stage-out. Nothing is copied
 * here: the job reads its inputs from wherever they are.
 * The workflow waits until the "Batch Job State Change" handler completes the token. One code path for
 * every region: the job's state change is forwarded to the home bus.
 */
export async function submitStepJob(svc: Services, payload: z.infer<typeof SubmitStepPayload>) {
  const { step, executionName, taskToken } = payload;
  const sample = await withInputs(svc, payload.sample);
  const pipeline = pipelineNamed(svc.config, sample.pipeline);
  const stepDef = pipeline.steps.find((candidate) => candidate.name === step);
  if (!stepDef) throw new Error(`pipeline ${sample.pipeline} has no step ${step}`);
  const jobName = jobNameOf(executionName, step);
  // A sample says where it is; a run's run steps (a pseudo-sample) have no sample record to say it on.
  const noteProgress = async (detail: string) => {
    if (stepDef.scope === 'sample') await svc.catalog.samples.setStatus(sample, 'RUNNING', { currentVersion: sample.version, detail });
  };
  const ref = { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, version: sample.version };
  const workPrefix = stepWorkPrefix(executionName, step);

  // Recovery and reprocessing never re-run a published step, unless reprocessing asks for it.
  const existing = await svc.catalog.steps.get(ref, step);
  const rerun = sample.rerunFrom === ALL_STEPS || (sample.rerunFrom !== undefined && stepsFrom(pipeline, sample.rerunFrom).has(step));
  if (existing?.publishedAt && !rerun) {
    const workBucket = bucketNames(svc.config).workArea(existing.region);
    const reused: JobResult = {
      jobId: existing.jobId ?? 'reused',
      jobName: existing.jobName,
      region: existing.region,
      attempt: existing.attempt ?? 1,
      workBucket,
      workPrefix: existing.workPrefix ?? workPrefix,
    };
    await svc.workflows.sendTaskSuccess(taskToken, reused);
    return { outcome: 'reused', jobName: existing.jobName, region: existing.region };
  }
  // An early step run again (reprocessing) is pending again: the gate reads this version's steps from now on.
  if (existing?.publishedAt && stepDef.early) await svc.catalog.samples.clearEarlyStepsDone(ref);

  // Placement reserves capacity in the chosen region atomically; a retried submission keeps its reservation.
  // Urgent samples, then early steps, then longest job first (functions/workflow/priority.ts).
  const urgent = isUrgentSample(svc.config.placement.urgent, sample);
  const priority = stepPriority(pipeline, step, { urgent });
  const decision = await placeAndReserve(
    svc.catalog.regionLoads,
    placementSetup(svc.config),
    await placementJobFor(svc, sample, stepDef, jobName, priority),
  ).catch(async (error: unknown) => {
    // Every queue is full: the workflow submits again later (its Retry); meanwhile the sample says why it waits.
    if (error instanceof RegionsFullError)
      await noteProgress(`${step} waits for room in a queue (every region holds its bound of waiting jobs)`);
    throw error;
  });
  const region = decision.region;
  // The lineage says why the job runs when it does, as well as where.
  const placement = placementRecord({ ...decision, reasons: [...decision.reasons, describePriority(priority)] });
  const workBucket = bucketNames(svc.config).workArea(region);
  const manifest = await buildStepManifest(svc, { pipeline, step: stepDef, sample, workBucket, workPrefix });
  const manifestRef = await storeStepManifest(svc, manifest, jobName);
  const spec = stepJobSpec(svc, {
    pipeline,
    step: stepDef,
    sample,
    manifest,
    manifestRef,
    jobName,
    region,
    queueKind: isUrgentClass(priority) ? 'urgent' : 'normal',
    priority,
  });
  // What the job will read across regions (its transfer cost): counted, not copied.
  const stagedBytes = crossRegionBytes(manifest, region, svc.config.homeRegion);
  // What the job-state handler needs to complete the waiting task, and a move needs to resubmit the job.
  const job = { ...ref, jobName, step, taskToken, executionName, region, workBucket, workPrefix, spec: JSON.stringify(spec), placement };
  const recorded = await svc.catalog.jobs.record({ ...job, submittedAt: new Date().toISOString(), stagedBytes });
  if (recorded.movedTo !== undefined) return handOverToMovedJob(svc, { jobName, region, taskToken, movedTo: recorded.movedTo });
  const { previous } = recorded;
  // A record already there is an earlier attempt of this very submission (the workflow's Retry after a throttled
  // write or a Lambda timeout: the job name is the execution's and the step's). Batch's SubmitJob would start a
  // second job of the same name, so the job it already holds is kept: its recorded id, or, when the attempt died
  // between SubmitJob and recording the id, the job of that name in the queue. A held job not yet released was
  // never submitted.
  const submittedBefore =
    previous && (!previous.deferredSpec || previous.releasedAt)
      ? (previous.jobId ?? (await svc.jobs.findByName(jobName, spec.jobQueue, region)))
      : undefined;
  const placements = decision.reused ? (existing?.placements ?? []) : [...(existing?.placements ?? []), placement];
  // Unless re-run on purpose, a publication is kept: an ended execution's job may have published the step since it
  // was read above. The job still runs (its reservation and record are made); its publish then reuses that one.
  await svc.catalog.steps.put(
    { ...ref, step, status: 'RUNNING', jobName, region, startedAt: new Date().toISOString(), workPrefix, placements },
    { unlessPublished: !rerun },
  );

  // Later steps wait until every early step of the run has published, so remote teams get those first.
  if (
    submittedBefore === undefined &&
    stepDef.scope === 'sample' &&
    !stepDef.early &&
    (await firstPendingEarlyStep(svc, sample.team, sample.runId, { lookFirstAt: ref })) !== undefined
  ) {
    // The whole record again (it replaces the one above), with what the job will stage across regions: its cost
    // counts that transfer once it runs, held or not.
    const deferredJob = { ...job, submittedAt: new Date().toISOString(), stagedBytes, deferredSpec: job.spec };
    await svc.catalog.jobs.defer(deferredJob);
    const ended = stepDef.scope === 'sample' ? await versionEndedReason(svc, ref) : undefined;
    if (ended) {
      // Held after a cancel or a failed sibling listed the run's held jobs: claimed here, so it is never submitted.
      await svc.catalog.jobs.claimDeferred(jobName);
      await markStopped(svc, ref, step, ended);
      return { outcome: 'stopped', jobName, region };
    }
    await noteProgress(`${step} waits for the run's early steps`);
    // An early step may have published meanwhile.
    await releaseDeferredJobs(svc, sample.team, sample.runId, { lookFirstAt: ref, justDeferred: true, held: deferredJob });
    return { outcome: 'deferred', jobName, region };
  }
  // Said once the step is known not to wait: a deferred step's sample was written twice, "running" then "waits".
  await noteProgress(`running ${step} in ${region}`);
  // Work placed in a scaled-down region wakes it first: the job's RUNNING records the wake's latency only once
  // the wake is recorded, and a job can run within milliseconds (a spare task runner on the embedded runtime).
  const submittedAt = Date.now();
  await wakeRegion(svc, region, { jobName, vcpus: spec.vcpus, scratch: stepDef.scratch }, submittedAt);
  const [{ jobId }] = await Promise.all([
    submittedBefore ? { jobId: submittedBefore } : svc.jobs.submit(spec),
    noteSubmission(svc, region),
  ]);
  if (!(await svc.catalog.jobs.setJobId(jobName, jobId))) {
    // Moved while being submitted (its region failed): the move's job stands, this one would run unseen.
    await svc.jobs.terminate(jobId, MOVED_WHILE_SUBMITTED);
    return { outcome: 'moved', jobName, region };
  }
  await svc.catalog.regionLoads.markSubmitted(region, jobName, Date.now());
  // Its state change may have come while the earlier attempt's task token was on the record.
  if (submittedBefore) await tellAgainIfEnded(svc, jobId, region);
  const ended = stepDef.scope === 'sample' ? await versionEndedReason(svc, ref) : undefined;
  if (ended) {
    // The version ended while this job was being submitted: whatever it computed, no task is left to publish.
    await markStopped(svc, ref, step, ended);
    await svc.jobs.terminate(jobId, ended);
    return { outcome: 'stopped', jobId, jobName, region };
  }
  return { outcome: 'submitted', jobId, jobName, region };
}

/**
 * A retried submission whose job was moved meanwhile (its region lost, functions/placement/replaceJob.ts): the
 * move's job runs the step, so nothing is submitted under the old name. The reservation this attempt made is
 * given back, and the task token the workflow now waits on goes to the job that replaced it (following moves
 * of moves); if that job already ended, its state change is told again so the token is completed.
 */
async function handOverToMovedJob(
  svc: Services,
  { jobName, region, taskToken, movedTo }: { jobName: string; region: string; taskToken: string; movedTo: string },
) {
  await svc.catalog.regionLoads.release(region, jobName);
  for (let current = movedTo; ; ) {
    if (await svc.catalog.jobs.setTaskToken(current, taskToken)) {
      const job = await svc.catalog.jobs.get(current);
      if (job?.jobId) await tellAgainIfEnded(svc, job.jobId, job.region);
      return { outcome: 'moved' as const, jobName: current, region: job?.region ?? region };
    }
    const next = (await svc.catalog.jobs.get(current))?.replacedBy;
    if (!next) throw new Error(`job ${current}, which replaced ${jobName}, has no record to hand the task to`);
    current = next;
  }
}

/**
 * A kept job whose task token just changed: if it already ended, its state change is told again so the new token
 * is completed (the handler tolerates a state change twice).
 */
async function tellAgainIfEnded(svc: Services, jobId: string, region: string): Promise<void> {
  const description = await svc.jobs.describe(jobId, region);
  if (description?.status === 'SUCCEEDED' || description?.status === 'FAILED')
    await svc.events.publish([replayedJobStateChange(description)]);
}
