import { eventEnvelope } from '../../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../../contracts/events/landfall.ts';
import { checkReprocess, type ReprocessPlan } from '../operate/checkReprocess.ts';
import { RequestError } from '../operate/errors.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import { ALL_STEPS, startVersionExecution } from './startVersionExecution.ts';

export const ReprocessRequestedEvent = eventEnvelope(LANDFALL_SOURCE, 'Reprocess Requested', landfallEventDetails['Reprocess Requested']);

/**
 * "Reprocess Requested": re-runs the current version of one sample (or of every sample of a run) on its
 * landed data, without re-uploading, as a new linked execution (next generation). With `fromStep`,
 * earlier steps reuse their published outputs; without it every step re-runs. With `urgent`, its jobs run
 * ahead of the backlog (functions/workflow/priority.ts). Checked first by functions/operate/checkReprocess.ts:
 * a sample still running, rejected or never cataloged is skipped with a reason; an invalid request is refused.
 */
export async function reprocessSamples(
  svc: Services,
  event: {
    detail: { team: string; runId: string; sampleId?: string; fromStep?: string; pipeline?: string; urgent?: boolean };
  },
) {
  const { team, runId, fromStep } = event.detail;
  // The same check the CLI and the control API made before accepting the request: the catalog may have moved
  // since. A request that no longer applies is answered here (logged), never retried into a dead letter.
  let plan: ReprocessPlan;
  try {
    plan = await checkReprocess(svc, event.detail);
  } catch (error) {
    if (!(error instanceof RequestError)) throw error;
    logger.warn('reprocess refused', { team, runId, sampleId: event.detail.sampleId, reason: error.message });
    return { outcome: 'refused' as const, reason: error.message, started: [], skipped: [] };
  }
  const started: string[] = [];
  for (const target of plan.targets) {
    const version = await svc.catalog.samples.getVersion({ team, runId, sampleId: target.sampleId, version: target.version });
    if (!version) continue;
    const result = await startVersionExecution(svc, version, {
      generation: (version.generation ?? 0) + 1,
      reason: 'reprocess',
      // Another pipeline's published steps are not this one's: re-run everything then.
      rerunFrom: fromStep && target.pipeline === version.pipeline ? fromStep : ALL_STEPS,
      pipeline: target.pipeline,
      urgent: event.detail.urgent,
    });
    if (result.started) started.push(`${target.sampleId} (${result.executionName})`);
  }
  if (plan.skipped.length > 0) logger.warn('reprocess skipped samples', { team, runId, skipped: plan.skipped });
  return { outcome: started.length > 0 ? 'started' : 'nothing-started', started, skipped: plan.skipped };
}
