import { eventEnvelope } from '../events/schemas/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../events/schemas/landfall.ts';
import { emitOnce } from './shared/emit.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { executionNameOf } from './workflow/executionName.ts';

export const SampleCatalogedEvent = eventEnvelope(LANDFALL_SOURCE, 'Sample Cataloged', landfallEventDetails['Sample Cataloged']);

/** The execution input every pipeline state machine receives. */
export interface WorkflowInput {
  sample: {
    team: string;
    runId: string;
    sampleId: string;
    version: number;
    pipeline: string;
    inputs: Array<{ name: string; bucket: string; key: string; size: number; md5: string; read: string; lane: number }>;
  };
}

/**
 * Starts the ONE automatic execution of a cataloged sample version. The execution name is deterministic,
 * so a repeated start is the same execution (StartExecution is idempotent by name and input); the catalog's
 * conditional write decides who records it and emits "Workflow Started".
 */
export async function startSampleWorkflow(event: { detail: { team: string; runId: string; sampleId: string; version: number } }) {
  const svc = await services();
  const ref = { team: event.detail.team, runId: event.detail.runId, sampleId: event.detail.sampleId, version: event.detail.version };
  const version = await svc.catalog.getVersion(ref);
  if (!version) throw new Error(`no catalog entry for ${ref.team}/${ref.runId}/${ref.sampleId} v${ref.version}`);
  if (version.workflowStartedAt) return { outcome: 'already-started', executionName: version.executionName };
  if (version.status !== 'READY') return { outcome: 'not-ready', status: version.status };

  const team = svc.config.teams.find((candidate) => candidate.id === ref.team);
  if (!team) throw new Error(`team ${ref.team} is not in the config`);
  const executionName = executionNameOf(ref);
  const input: WorkflowInput = {
    sample: {
      ...ref,
      pipeline: team.pipeline,
      inputs: version.files.map(({ name, bucket, key, size, md5, read, lane }) => ({ name, bucket, key, size, md5, read, lane })),
    },
  };
  const started = await svc.workflows.startExecution({ stateMachine: team.pipeline, name: executionName, input: input as unknown as Record<string, unknown> });
  const first = await svc.catalog.markWorkflowStarted(ref, {
    ...ref,
    executionName,
    executionArn: started.executionArn,
    pipeline: team.pipeline,
    generation: 0,
    startedAt: started.startDate.toISOString(),
  });
  if (!first) return { outcome: 'already-started', executionName };
  await svc.catalog.setSampleStatus(ref, 'RUNNING', { currentVersion: ref.version, detail: `v${ref.version} running ${team.pipeline}` });
  await emitOnce(svc, 'Workflow Started', {
    ...ref,
    executionName,
    executionArn: started.executionArn,
    pipeline: team.pipeline,
    dedupeKey: `started:${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}/g0`,
  });
  return { outcome: 'started', executionName };
}

export const handler = lambdaHandler(startSampleWorkflow, SampleCatalogedEvent);
