import { eventEnvelope } from '../contracts/events/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { startVersionExecution } from './workflow/startVersionExecution.ts';

export const SampleCatalogedEvent = eventEnvelope(LANDFALL_SOURCE, 'Sample Cataloged', landfallEventDetails['Sample Cataloged']);

/**
 * Starts the ONE automatic execution of a cataloged sample version. The execution name is deterministic,
 * so a repeated start is the same execution (StartExecution is idempotent by name and input); the catalog's
 * conditional write decides who records it and emits "Workflow Started".
 */
export async function startSampleWorkflow(event: { detail: { team: string; runId: string; sampleId: string; version: number } }) {
  const svc = await services();
  const ref = { team: event.detail.team, runId: event.detail.runId, sampleId: event.detail.sampleId, version: event.detail.version };
  const version = await svc.catalog.samples.getVersion(ref);
  if (!version) throw new Error(`no catalog entry for ${ref.team}/${ref.runId}/${ref.sampleId} v${ref.version}`);
  if (version.workflowStartedAt) return { outcome: 'already-started', executionName: version.executionName };
  if (version.status !== 'READY') return { outcome: 'not-ready', status: version.status };

  const { started, executionName } = await startVersionExecution(svc, version, { generation: 0, reason: 'automatic' });
  return { outcome: started ? 'started' : 'already-started', executionName };
}

export const handler = lambdaHandler(startSampleWorkflow, SampleCatalogedEvent);
