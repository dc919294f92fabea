/**
 * Physical names that two modules must agree on without waiting for each other's resources: the
 * functions need the state machines' ARNs and the Batch queues' names, the state machines need the
 * functions' ARNs. Building ARNs from names breaks that cycle. Plain functions, no SST globals.
 */

/** `<app>-<stage>-<pipeline>`: the state machine of one pipeline. */
export function stateMachineName(app: string, stage: string, pipeline: string): string {
  return `${app}-${stage}-${pipeline}`;
}

/** ARN of a state machine (or, with `execution`, of its executions) built from its name. */
export function stateMachineArn(
  region: string,
  account: string,
  name: string,
  kind: 'stateMachine' | 'execution' = 'stateMachine',
): string {
  return `arn:aws:states:${region}:${account}:${kind}:${name}`;
}

/**
 * The stage a function runs in: `LANDFALL_STAGE`, which `stacks/functions.ts` sets on every Lambda. Unset
 * in the embedded runtime (one stage per machine, and its executor accepts any name): Batch names then
 * leave the stage out. Handlers name queues and definitions through this and the functions below, the
 * stack declares them through the same functions with its stage, so both agree.
 */
export function functionStage(env: Record<string, string | undefined> = process.env): string | undefined {
  return env.LANDFALL_STAGE || undefined;
}

/** `<app>-<stage>` (or `<app>` without a stage): the prefix that lets two stages share an account and region. */
function stagePrefix(app: string, stage: string | undefined): string {
  return stage ? `${app}-${stage}` : app;
}

/**
 * Job queues per region and their Batch priority (higher runs first when both have work). `normal` is
 * the queue `functions/submitStep.ts` submits to; `urgent` is for early steps and validation, whose
 * outputs someone waits for. Batch ignores `schedulingPriorityOverride` on queues without a fair-share
 * policy, so priority between the two kinds of work has to come from the queue.
 */
export const jobQueues = { urgent: { priority: 100 }, normal: { priority: 10 } } as const;
export type JobQueueKind = keyof typeof jobQueues;

/**
 * Scratch classes. Batch on EC2 has no per-job disk size: a job's scratch is its instance's root volume.
 * So each class has its own compute environments (a launch template with that volume size) and its own
 * queues, and a step's `scratch` picks the queue. Standard covers a sample's FASTQs several times over.
 */
export const scratchClasses = { standard: { rootVolumeGiB: 100 }, large: { rootVolumeGiB: 1000 } } as const;
export type ScratchClass = keyof typeof scratchClasses;

const scratchSuffix = (scratch: ScratchClass) => (scratch === 'standard' ? '' : `-${scratch}-scratch`);

/** `<app>-<stage>-<region>-<kind>[-large-scratch]`: the queue `stacks/batch.ts` declares and the handlers submit to. */
export function jobQueueName(
  app: string,
  stage: string | undefined,
  region: string,
  kind: JobQueueKind,
  scratch: ScratchClass = 'standard',
): string {
  return `${stagePrefix(app, stage)}-${region}-${kind}${scratchSuffix(scratch)}`;
}

/** The kind and scratch class of a queue named by {@link jobQueueName} (a moved job keeps both). */
export function queueClassOf(queueName: string): { kind: JobQueueKind; scratch: ScratchClass } {
  const match = /-(urgent|normal)(?:-(large)-scratch)?$/.exec(queueName);
  return { kind: (match?.[1] as JobQueueKind | undefined) ?? 'normal', scratch: (match?.[2] as ScratchClass | undefined) ?? 'standard' };
}

/** `<app>-<stage>-<step>`: the job definition of a step (or of validation), declared per region. */
export function jobDefinitionName(app: string, stage: string | undefined, step: string): string {
  return `${stagePrefix(app, stage)}-${step}`;
}

/** The validation job's definition suffix (`functions/validation/validationJob.ts` submits `<app>-<stage>-validate`). */
export const VALIDATION_JOB_DEFINITION = 'validate';

/**
 * `<app>-<stage>-<region>-spot|on-demand`: a region's Batch compute environments, as `stacks/batch.ts` names
 * them; the warm-capacity seam (seams/capacity/BatchComputeCapacity.ts) updates their minvCpus by name.
 */
export function computeEnvironmentName(
  app: string,
  stage: string,
  region: string,
  kind: 'spot' | 'onDemand',
  scratch: ScratchClass = 'standard',
): string {
  return `${app}-${stage}-${region}-${kind === 'spot' ? 'spot' : 'on-demand'}${scratchSuffix(scratch)}`;
}
