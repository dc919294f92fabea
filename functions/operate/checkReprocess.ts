import type { Services } from '../shared/services.ts';
import type { SampleStatus } from '../catalog/types.ts';
import { stepsFrom } from '../../workflows/pipeline.ts';
import { pipelinesOf } from '../../workflows/pipelines/index.ts';
import { knownNames, RequestError } from './errors.ts';
import { requireRun, requireSample, requireTeam } from './lookup.ts';

/** What `landfall reprocess` and the dashboard's reprocess action ask for. */
export interface ReprocessRequest {
  team: string;
  runId: string;
  /** One sample; without it every sample of the run. */
  sampleId?: string;
  fromStep?: string;
  pipeline?: string;
  urgent?: boolean;
}

/** Versions in these statuses can be reprocessed: finished, one way or the other (or stopped by a person). */
export const REPROCESSABLE_STATUSES: readonly SampleStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** The samples a valid request re-runs, and the run's samples it leaves alone with why. */
export interface ReprocessPlan {
  targets: Array<{ sampleId: string; version: number; pipeline: string }>;
  skipped: Array<{ sampleId: string; reason: string }>;
}

/**
 * Checks a reprocess request against the config and the catalog BEFORE it is accepted, so a wrong request is
 * answered at once (CLI exit 1, dashboard message) instead of reaching a dead letter: the team, run and sample
 * exist; the pipeline exists; `fromStep` is a step of the pipeline each sample would run; the sample's version
 * finished ({@link REPROCESSABLE_STATUSES}). For a whole run, samples that cannot be reprocessed are skipped
 * with a reason, and the request is refused only when none can. The "Reprocess Requested" handler runs the same
 * check again (the catalog may have changed in between).
 *
 * @throws RequestError 'unknown' (listing the known names) or 'refused' (saying why)
 */
export async function checkReprocess(svc: Pick<Services, 'catalog' | 'config'>, request: ReprocessRequest): Promise<ReprocessPlan> {
  const { team, runId, sampleId } = request;
  requireTeam(svc.config, team);
  const pipelines = pipelinesOf(svc.config);
  if (request.pipeline !== undefined && !pipelines[request.pipeline])
    throw new RequestError('unknown', `no pipeline ${request.pipeline}; known pipelines: ${knownNames(Object.keys(pipelines))}`);
  const samples = sampleId
    ? [await requireSample(svc.catalog, { team, runId, sampleId })]
    : await svc.catalog.samples.listInRun(team, runId);
  if (samples.length === 0) {
    await requireRun(svc.catalog, team, runId);
    throw new RequestError('refused', `run ${team}/${runId} has no cataloged samples to reprocess`);
  }
  const plan: ReprocessPlan = { targets: [], skipped: [] };
  for (const sample of samples) {
    const version = sample.currentVersion
      ? await svc.catalog.samples.getVersion({ team, runId, sampleId: sample.sampleId, version: sample.currentVersion })
      : undefined;
    if (!version || !REPROCESSABLE_STATUSES.includes(version.status)) {
      plan.skipped.push({
        sampleId: sample.sampleId,
        reason: version
          ? `v${version.version} is ${version.status}; only ${REPROCESSABLE_STATUSES.join(', ')} samples can be reprocessed${
              version.status === 'REJECTED' ? ' (a rejected sample is fixed by landing corrected files, which makes a new version)' : ''
            }`
          : `no cataloged version (${sample.status})`,
      });
      continue;
    }
    const pipelineName = request.pipeline ?? version.pipeline ?? svc.config.teams.find((known) => known.id === team)?.pipeline;
    const pipeline = pipelineName ? pipelines[pipelineName] : undefined;
    if (!pipeline) {
      plan.skipped.push({
        sampleId: sample.sampleId,
        reason: `v${version.version} names no known pipeline (${pipelineName ?? 'none'}); pass --pipeline`,
      });
      continue;
    }
    if (request.fromStep !== undefined && !pipeline.steps.some((step) => step.name === request.fromStep))
      throw new RequestError(
        'unknown',
        `pipeline ${pipeline.name} has no step ${request.fromStep}; its steps: ${pipeline.steps.map((step) => step.name).join(', ')}`,
      );
    if (request.fromStep !== undefined) stepsFrom(pipeline, request.fromStep);
    plan.targets.push({ sampleId: sample.sampleId, version: version.version, pipeline: pipeline.name });
  }
  if (plan.targets.length === 0)
    throw new RequestError(
      'refused',
      sampleId
        ? `cannot reprocess ${team}/${runId}/${sampleId}: ${plan.skipped[0]!.reason}`
        : `no sample of ${team}/${runId} can be reprocessed: ${plan.skipped.map((skip) => `${skip.sampleId}: ${skip.reason}`).join('; ')}`,
    );
  return plan;
}
