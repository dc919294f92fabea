import { getPipeline } from '../../workflows/pipelines/index.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import type { Services } from '../shared/services.ts';

/**
 * Early steps of a run not yet published: of every sample that is ready or running, each early step of
 * its pipeline without published outputs (a failed one no longer blocks anything).
 */
export async function pendingEarlySteps(svc: Pick<Services, 'catalog'>, team: string, runId: string): Promise<string[]> {
  const pending: string[] = [];
  for (const sample of await svc.catalog.listRunSamples(team, runId)) {
    if (!['READY', 'RUNNING'].includes(sample.status) || !sample.currentVersion) continue;
    const version = await svc.catalog.getVersion({ team, runId, sampleId: sample.sampleId, version: sample.currentVersion });
    if (!version?.pipeline) continue;
    const early = getPipeline(version.pipeline).steps.filter((step) => step.early);
    if (early.length === 0) continue;
    const steps = await svc.catalog.listSteps(version);
    for (const step of early) {
      const record = steps.find((candidate) => candidate.step === step.name);
      if (!record?.publishedAt && record?.status !== 'FAILED') pending.push(`${sample.sampleId}/${step.name}`);
    }
  }
  return pending;
}

/**
 * Submits the run's deferred later-step jobs once no early step of the run is pending. Called after an
 * early step publishes or a sample fails, right after a deferral (closing the race with a publish that
 * happened meanwhile), and by the sweep. A conditional claim makes each submission happen once.
 */
export async function releaseDeferredJobs(svc: Pick<Services, 'catalog' | 'jobs'>, team: string, runId: string): Promise<number> {
  const deferred = await svc.catalog.listDeferredJobs(team, runId);
  if (deferred.length === 0 || (await pendingEarlySteps(svc, team, runId)).length > 0) return 0;
  let released = 0;
  for (const job of deferred) {
    if (!job.deferredSpec || !(await svc.catalog.claimDeferredJob(job.jobName))) continue;
    const { jobId } = await svc.jobs.submit(JSON.parse(job.deferredSpec) as JobSpec);
    await svc.catalog.setJobId(job.jobName, jobId);
    await svc.catalog.regionLoads.markSubmitted(job.region, job.jobName, Date.now());
    released++;
  }
  return released;
}
