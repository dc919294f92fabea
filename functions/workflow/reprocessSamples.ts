import { eventEnvelope } from '../../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../../contracts/events/landfall.ts';
import { stepsFrom } from '../../workflows/pipeline.ts';
import { pipelineNamed } from '../../workflows/pipelines/index.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import { ALL_STEPS, startVersionExecution } from './startVersionExecution.ts';

export const ReprocessRequestedEvent = eventEnvelope(LANDFALL_SOURCE, 'Reprocess Requested', landfallEventDetails['Reprocess Requested']);

/**
 * "Reprocess Requested": re-runs the current version of one sample (or of every sample of a run) on its
 * landed data, without re-uploading, as a new linked execution (next generation). With `fromStep`,
 * earlier steps reuse their published outputs; without it every step re-runs. With `urgent`, its jobs run
 * ahead of the backlog (functions/workflow/priority.ts). A sample still running,
 * or never cataloged, is skipped with a reason.
 */
export async function reprocessSamples(
  svc: Services,
  event: {
    detail: { team: string; runId: string; sampleId?: string; fromStep?: string; pipeline?: string; urgent?: boolean };
  },
) {
  const { team, runId, sampleId, fromStep } = event.detail;
  const targets = sampleId ? [sampleId] : (await svc.catalog.samples.listInRun(team, runId)).map((sample) => sample.sampleId);
  const started: string[] = [];
  const skipped: Array<{ sampleId: string; reason: string }> = [];
  for (const id of targets) {
    const sample = await svc.catalog.samples.get({ team, runId, sampleId: id });
    const version = sample?.currentVersion
      ? await svc.catalog.samples.getVersion({ team, runId, sampleId: id, version: sample.currentVersion })
      : undefined;
    if (!version || !['COMPLETED', 'FAILED'].includes(version.status)) {
      skipped.push({
        sampleId: id,
        reason: version ? `v${version.version} is ${version.status}; reprocess completed or failed samples` : 'no cataloged version',
      });
      continue;
    }
    const pipeline = event.detail.pipeline ?? version.pipeline;
    if (fromStep) stepsFrom(pipelineNamed(svc.config, pipeline ?? ''), fromStep); // throws naming the pipeline's steps
    const result = await startVersionExecution(svc, version, {
      generation: (version.generation ?? 0) + 1,
      reason: 'reprocess',
      // Another pipeline's published steps are not this one's: re-run everything then.
      rerunFrom: fromStep && pipeline === version.pipeline ? fromStep : ALL_STEPS,
      pipeline,
      urgent: event.detail.urgent,
    });
    if (result.started) started.push(`${id} (${result.executionName})`);
  }
  if (skipped.length > 0) logger.warn('reprocess skipped samples', { team, runId, skipped });
  return { outcome: started.length > 0 ? 'started' : 'nothing-started', started, skipped };
}
