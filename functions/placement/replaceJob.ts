import { bucketNames } from '../../config/defineConfig.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import type { JobRecord } from '../catalog/types.ts';
import type { Services } from '../shared/services.ts';
import { placeAndReserve } from './placeAndReserve.ts';
import { NoRegionError, RegionsFullError } from './errors.ts';
import { queueDrain, regionHealth } from './regionHealth.ts';
import { placementRecord, placementSetup } from './stepPlacement.ts';
import { crossRegionBytes, inputBytesOf, storeStepManifest } from '../workflow/stepJob.ts';
import type { PlacementJob } from './types.ts';
import { JOB_MANIFEST_ENV, manifestEnvironment, parseJobManifest, parseManifestRef } from '../../contracts/jobPayload.ts';
import { functionStage, jobQueueName, queueClassOf } from '../../contracts/names.ts';
import { placementWorkPrefix } from '../../contracts/workArea.ts';

/**
 * Name of the k-th placement of a job: `<job>-p<k>` (the first placement keeps the plain name). Job names
 * end in a hex hash (functions/workflow/executionName.ts), never in `-p<k>`, so the suffix is unambiguous;
 * a name too long for the suffix gives up the end of its readable head, never its hash.
 */
export function replacementJobName(jobName: string, placementNumber: number): string {
  const base = jobName.replace(/-p\d+$/, '');
  const suffix = `-p${placementNumber}`;
  if (base.length + suffix.length <= 128) return `${base}${suffix}`;
  const hash = base.slice(base.lastIndexOf('-'));
  return `${base.slice(0, 128 - suffix.length - hash.length)}${hash}${suffix}`;
}

/** Why a job just submitted is stopped: it was moved to another region while being submitted, and the move's job stands. */
export const MOVED_WHILE_SUBMITTED = 'moved to another region while it was being submitted';

/** The placement number a job name carries: k of `<job>-p<k>`, 1 for a first placement. */
function placementNumberOf(jobName: string): number {
  return Number(/-p(\d+)$/.exec(jobName)?.[1] ?? 1);
}

/**
 * Records an infrastructure failure of a job's region and, when the region is now unhealthy, re-places
 * every job still holding capacity there (queued or retrying) — see {@link replaceJob}.
 * @returns the names of the jobs moved.
 */
export async function onInfrastructureFailure(svc: Services, region: string, at = Date.now()): Promise<string[]> {
  const failures = await svc.catalog.regionLoads.recordInfraFailure(region, at);
  const setup = placementSetup(svc.config);
  const judged = regionHealth(failures, at, setup.health);
  if (judged.healthy) return [];
  const load = await svc.catalog.regionLoads.get(region);
  const moved: string[] = [];
  for (const jobName of Object.keys(load.jobs)) {
    if (await replaceJob(svc, jobName, `region ${region} unhealthy: ${judged.reason}`)) moved.push(jobName);
  }
  return moved;
}

/**
 * The sweep's check that no job waits where it cannot start: in a region unhealthy by infrastructure
 * failures, every waiting job is moved (one placed there in the moment the region failed, after the move
 * of its jobs had listed them, would otherwise wait for the region to come back); in a region whose
 * submitted jobs wait past `placement.queueStallSeconds` with room free, each of those is moved. Placement
 * already gives such regions no new work. Running jobs are left alone: they are making progress.
 * @returns the names of the jobs moved.
 */
export async function moveStalledJobs(svc: Services, at = Date.now()): Promise<string[]> {
  const moved: string[] = [];
  const setup = placementSetup(svc.config);
  const stallSeconds = svc.config.placement.queueStallSeconds;
  const loads = await Promise.all(svc.config.regions.map((region) => svc.catalog.regionLoads.get(region.name)));
  const healths = loads.map((load) => regionHealth(load.infraFailures, at, setup.health));
  for (const [i, region] of svc.config.regions.entries()) {
    const load = loads[i]!;
    const health = healths[i]!;
    // With no healthy region to go to, moving would only claim each job and give it back, every sweep.
    const elsewhere = healths.some((other, j) => j !== i && other.healthy);
    const drain = queueDrain(Object.values(load.jobs), region.vcpuQuota, at, stallSeconds);
    if ((health.healthy || !elsewhere) && drain.draining) continue;
    for (const [jobName, job] of Object.entries(load.jobs)) {
      if (job.runningSince !== undefined) continue;
      const why =
        !health.healthy && elsewhere
          ? `region ${region.name} unhealthy: ${health.reason}`
          : job.submittedAt !== undefined && at - job.submittedAt > stallSeconds * 1000
            ? `region ${region.name} ${drain.reason}`
            : undefined;
      if (why && (await replaceJob(svc, jobName, why))) moved.push(jobName);
    }
  }
  return moved;
}

/**
 * Moves one job out of its region: claims the move on the job record (once, whatever the duplicate
 * events), places the job again with its old region excluded, terminates the old job, releases its
 * capacity, writes its manifest for the new work area and submits it under `<job>-p<k>` with the same task token. The
 * workflow never notices; the step's lineage lists both placements.
 * @returns false when the job is not Landfall's, already finished, was moved already, or has nowhere else to go.
 */
export async function replaceJob(svc: Services, jobName: string, why: string): Promise<boolean> {
  const job = await svc.catalog.jobs.get(jobName);
  if (!job?.spec || job.replacedBy) return false;
  const ref = { team: job.team, runId: job.runId, sampleId: job.sampleId, version: job.version };
  const step = await svc.catalog.steps.get(ref, job.step);
  if (step?.publishedAt || step?.status === 'FAILED' || (step && step.jobName !== jobName)) return false;
  // The first placement is number 1, so a move is at least the second, and after the job's own number (older
  // records may list no placements: counting them alone named a second move like the first).
  const number = Math.max(placementNumberOf(jobName) + 1, (step?.placements?.length ?? 1) + 1);
  const newName = replacementJobName(jobName, number);
  // The claim returns the job as it is now: a submission that recorded its Batch id since the read above is
  // stopped below; one still to record it finds the job moved and stops its own (Jobs.setJobId).
  const claimed = await svc.catalog.jobs.markReplaced(jobName, newName);
  if (!claimed) return false;

  const old = JSON.parse(job.spec) as JobSpec;
  const held = (await svc.catalog.regionLoads.get(job.region)).jobs[jobName];

  // The job's manifest (kept at home) names its inputs where they are; only its work area moves.
  const oldRef = parseManifestRef(
    Object.assign({}, ...(old.containers ?? []).map((container) => container.environment ?? {})) as Record<string, string>,
  );
  const oldManifest = parseJobManifest(
    (await svc.storage.getBytes(oldRef.bucket, oldRef.key)).toString('utf8'),
    `s3://${oldRef.bucket}/${oldRef.key}`,
  );
  const inputBytes = inputBytesOf(oldManifest);
  const placementJob: PlacementJob = {
    jobName: newName,
    vcpus: old.vcpus,
    memoryMiB: old.memoryMiB,
    expectedSeconds: held?.expectedSeconds ?? old.timeoutSeconds / 10,
    inputBytes,
    dataRegions: held?.dataRegions ?? [svc.config.homeRegion],
    priority: old.priority ?? 0,
  };
  // Placed before the old job is stopped: with nowhere else to go (every other region unhealthy, full or too
  // small) it stays where it is, unclaimed, for a later failure or sweep to move — never stopped and lost.
  let decision: Awaited<ReturnType<typeof placeAndReserve>>;
  try {
    decision = await placeAndReserve(svc.catalog.regionLoads, placementSetup(svc.config), placementJob, { exclude: [job.region] });
  } catch (error) {
    await svc.catalog.jobs.unmarkReplaced(jobName, newName);
    if (error instanceof NoRegionError || error instanceof RegionsFullError) return false;
    throw error;
  }
  if (claimed.jobId) await svc.jobs.terminate(claimed.jobId, `moved to another region: ${why}`);
  await svc.catalog.regionLoads.release(job.region, jobName);
  const placement = placementRecord(decision, { replaces: jobName, why });
  const workBucket = bucketNames(svc.config).workArea(decision.region);
  // A separate work area per placement: attempt numbers restart with the new job.
  const workPrefix = placementWorkPrefix(job.workPrefix, number);
  const manifest = { ...oldManifest, workBucket, workPrefix };
  const manifestRef = await storeStepManifest(svc, manifest, newName);
  const stagedBytes = crossRegionBytes(manifest, decision.region, svc.config.homeRegion);
  const spec: JobSpec = {
    ...old,
    jobName: newName,
    region: decision.region,
    jobQueue: jobQueueName(
      svc.config.app,
      functionStage(),
      decision.region,
      queueClassOf(old.jobQueue).kind,
      queueClassOf(old.jobQueue).scratch,
    ),
    containers: (old.containers ?? []).map((container) =>
      container.environment && JOB_MANIFEST_ENV in container.environment
        ? { ...container, environment: { ...container.environment, ...manifestEnvironment(manifestRef) } }
        : container,
    ),
  };
  const record: JobRecord = {
    ...job,
    jobName: newName,
    region: decision.region,
    workBucket,
    workPrefix,
    submittedAt: new Date().toISOString(),
    spec: JSON.stringify(spec),
    placement,
    stagedBytes,
  };
  delete record.jobId;
  delete record.replacedBy;
  delete record.releasedAt;
  if (claimed.deferredSpec && !claimed.releasedAt) {
    // Still held behind the run's early steps: it stays held, now bound for the new region.
    await svc.catalog.jobs.defer({ ...record, deferredSpec: JSON.stringify(spec) });
    await svc.catalog.steps.appendPlacement(ref, job.step, { jobName: newName, region: decision.region, placement });
    return true;
  }
  delete record.deferredSpec;
  await svc.catalog.jobs.record(record);
  await svc.catalog.steps.appendPlacement(ref, job.step, { jobName: newName, region: decision.region, placement });
  const { jobId } = await svc.jobs.submit(spec);
  if (!(await svc.catalog.jobs.setJobId(newName, jobId))) {
    await svc.jobs.terminate(jobId, MOVED_WHILE_SUBMITTED);
    return true;
  }
  await svc.catalog.regionLoads.markSubmitted(decision.region, newName, Date.now());
  return true;
}
