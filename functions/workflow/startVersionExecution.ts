import { tooLongInline } from '../catalog/FileSets.ts';
import type { VersionRecord, VersionRef } from '../catalog/types.ts';
import { emitOnce } from '../shared/emit.ts';
import { faultPoint } from '../shared/faults.ts';
import type { Services } from '../shared/services.ts';
import { executionNameOf } from './executionName.ts';
import type { SamplePayload } from './payloads.ts';

/** The execution input every pipeline state machine receives. */
export interface WorkflowInput {
  sample: SamplePayload;
}

export interface StartOptions {
  /** 0 for the one automatic execution; recovery and reprocessing start generation + 1. */
  generation: number;
  reason: 'automatic' | 'recovery' | 'reprocess';
  /** Reprocessing: steps from this one on re-run; earlier steps reuse their published outputs. */
  rerunFrom?: string;
  /** Reprocessing with another pipeline than the version's. */
  pipeline?: string;
  /** Every step of this execution runs at urgent priority (functions/workflow/priority.ts). */
  urgent?: boolean;
}

/** A version's files as a step's submission takes them (`$.sample.inputs`). */
export function sampleInputsOf(files: VersionRecord['files']): SamplePayload['inputs'] {
  return files.map(({ name, bucket, key, size, md5, read, role, lane, part }) => ({
    name,
    bucket,
    key,
    size,
    md5,
    read,
    ...(role ? { role } : {}),
    lane,
    ...(part ? { part } : {}),
  }));
}

/**
 * Starts an execution of a sample version under a deterministic name (`…-v<N>-g<generation>`), so a
 * repeated start is the same execution; the catalog's conditional write on the generation decides who
 * records it and emits "Workflow Started". Used by the automatic start, the recovery sweep and reprocess.
 */
export async function startVersionExecution(
  svc: Services,
  version: VersionRecord,
  options: StartOptions,
): Promise<{ started: boolean; executionName: string }> {
  const ref = { team: version.team, runId: version.runId, sampleId: version.sampleId, version: version.version };
  const team = svc.config.teams.find((candidate) => candidate.id === ref.team);
  if (!team) throw new Error(`team ${ref.team} is not in the config`);
  const pipeline = options.pipeline ?? version.pipeline ?? team.pipeline;
  const executionName = executionNameOf(ref, options.generation);
  const inputs = sampleInputsOf(version.files);
  const input: WorkflowInput = {
    sample: {
      ...ref,
      pipeline,
      generation: options.generation,
      rerunFrom: options.rerunFrom,
      ...(options.urgent && { urgent: true }),
      ...(tooLongInline(inputs) ? { inputs: [], inputsInCatalog: true } : { inputs }),
      ...(version.params && { params: version.params }),
    },
  };
  const started = await svc.workflows.startExecution({
    stateMachine: pipeline,
    name: executionName,
    input: JSON.parse(JSON.stringify(input)) as Record<string, unknown>,
  });
  await faultPoint('start.afterStartExecution');
  const first = await svc.catalog.executions.markStarted(ref, {
    ...ref,
    executionName,
    executionArn: started.executionArn,
    pipeline,
    generation: options.generation,
    startedAt: started.startDate.toISOString(),
    reason: options.reason,
    rerunFrom: options.rerunFrom,
  });
  if (!first) return { started: false, executionName };
  const label =
    options.reason === 'automatic'
      ? pipeline
      : `${pipeline} (${options.reason}${options.rerunFrom ? ` from ${options.rerunFrom}` : ''}, generation ${options.generation})`;
  await svc.catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: ref.version, detail: `v${ref.version} running ${label}` });
  await announceWorkflowStarted(svc, {
    ...ref,
    executionName,
    executionArn: started.executionArn,
    pipeline,
    generation: options.generation,
  });
  return { started: true, executionName };
}

/**
 * Emits "Workflow Started" for a recorded execution, once (a no-op when it was emitted). Also called by
 * the recovery sweep for the execution it is about to replace: the process that recorded it may have died
 * before publishing the fact, and a repeated start of the same generation never emits (its catalog write
 * is not the first).
 */
export async function announceWorkflowStarted(
  svc: Services,
  execution: {
    team: string;
    runId: string;
    sampleId: string;
    version: number;
    executionName: string;
    executionArn: string;
    pipeline: string;
    generation: number;
  },
): Promise<boolean> {
  const { generation, ...detail } = execution;
  return emitOnce(svc, 'Workflow Started', {
    ...detail,
    dedupeKey: `started:${detail.team}/${detail.runId}/${detail.sampleId}/v${detail.version}/g${generation}`,
  });
}

/** `rerunFrom` value that re-runs every step (reprocessing without --from-step, or with another pipeline). */
export const ALL_STEPS = '*';

/** Suffix that makes a fact of a linked execution distinct from the automatic one's. */
export function generationSuffix(generation: number | undefined): string {
  return generation ? `/g${generation}` : '';
}

/**
 * Starts the ONE automatic execution of a cataloged sample version. The execution name is deterministic,
 * so a repeated start is the same execution (StartExecution is idempotent by name and input); the catalog's
 * conditional write decides who records it and emits "Workflow Started".
 */
export async function startAutomaticExecution(svc: Services, ref: VersionRef) {
  const version = await svc.catalog.samples.getVersion(ref);
  if (!version) throw new Error(`no catalog entry for ${ref.team}/${ref.runId}/${ref.sampleId} v${ref.version}`);
  if (version.workflowStartedAt) return { outcome: 'already-started', executionName: version.executionName };
  if (version.status !== 'READY') return { outcome: 'not-ready', status: version.status };

  const { started, executionName } = await startVersionExecution(svc, version, { generation: 0, reason: 'automatic' });
  return { outcome: started ? 'started' : 'already-started', executionName };
}
