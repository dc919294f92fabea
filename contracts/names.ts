import { z } from 'zod';

/**
 * Names that cross the deploy boundary: the stacks declare a resource under a name, the functions (or the
 * embedded runtime) address it by the same name without waiting for the resource. The functions need the
 * state machines' ARNs and the Batch queues' names, the state machines need the functions' ARNs; building
 * ARNs from names breaks that cycle. Plain functions, no SST globals, nothing imported but zod.
 */

/** Team ids become access-point and role names in AWS, hence the narrow alphabet. */
export const TeamId = z.string().regex(/^[a-z][a-z0-9-]{1,30}$/, 'team id must match ^[a-z][a-z0-9-]{1,30}$');

/**
 * Every Landfall function by name: a rule or a state machine targets one, the stacks deploy one Lambda per
 * name (stacks/functions.ts), the embedded runtime invokes the handler registered under it (functions/registry.ts).
 */
export const FUNCTION_NAMES = [
  'land',
  'reconcileRuns',
  'uploadBarrier',
  'reprocess',
  'validate',
  'validateFile',
  'startWorkflow',
  'jobStateChange',
  'submitStep',
  'publishStep',
  'completeSample',
  'failSample',
  'finishRunSteps',
  'indexRun',
  'releaseHeldSteps',
  'reportRun',
  'validationJobFinished',
  'publishActivity',
  'scaleRegion',
  'regionWokeUp',
  'warmBusinessHours',
  'notify',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * Logical name of a pipeline's run-level state machine (its run-scope steps, once per run); the per-sample one
 * is the pipeline's own name. `_` cannot occur in a pipeline name, so the two never collide.
 */
export function runStateMachine(pipeline: string): string {
  return `${pipeline}_run`;
}

/** `<app>-<stage>-<pipeline>`: the state machine of one pipeline (or, with {@link runStateMachine}, of its run steps). */
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
 * the queue `functions/workflow/submitStepJob.ts` submits to; `urgent` is for early steps and validation, whose
 * outputs someone waits for. A job's own priority (`schedulingPriorityOverride`) orders jobs within one queue:
 * Batch honours it only on a queue with a fair-share scheduling policy, and refuses a job that names one on a
 * FIFO queue, so every queue has a policy (stacks/batch.ts) and every job its share ({@link JOB_SHARE_IDENTIFIER}).
 */
export const jobQueues = { urgent: { priority: 100 }, normal: { priority: 10 } } as const;

/**
 * The one fair-share identifier every job is submitted with. A queue with a fair-share policy requires one;
 * with a single share, its jobs run highest `schedulingPriorityOverride` first — the order the embedded runtime's
 * executor keeps (priority, then first come) — rather than sharing the queue between teams.
 */
export const JOB_SHARE_IDENTIFIER = 'landfall';

/** `<app>-<stage>-<region>-jobs`: a region's fair-share scheduling policy, which its job queues use. */
export function schedulingPolicyName(app: string, stage: string | undefined, region: string): string {
  return `${stagePrefix(app, stage)}-${region}-jobs`;
}
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

/** `<app>-<stage>-<pipeline>-<step>`: the job definition of one pipeline step, declared per region. */
export function stepJobDefinitionName(app: string, stage: string | undefined, pipeline: string, step: string): string {
  return jobDefinitionName(app, stage, `${pipeline}-${step}`);
}

/** The validation job's definition suffix (`functions/validation/validationJob.ts` submits `<app>-<stage>-validate`). */
export const VALIDATION_JOB_DEFINITION = 'validate';

/**
 * Prefix of every validation job's name (`validate-<sample>-<identity>`): the rule that routes the
 * validation jobs' state changes to `validationJobFinished` matches on it (events/rules.ts).
 */
export const VALIDATION_JOB_PREFIX = 'validate-';

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

/** CloudWatch namespace of Landfall's activity metrics (published in the home region). */
export const ACTIVITY_NAMESPACE = 'Landfall';
/** Submitted + runnable + running jobs of a region: one metric, so one plain alarm (no metric math) per region. */
export const ACTIVE_JOBS_METRIC = 'ActiveJobs';
/** The dimension naming the region an activity datapoint describes. */
export const REGION_DIMENSION = 'Region';

/** `<prefix>-idle-<region>`: a region's inactivity alarm; the prefix is the app in the embedded runtime, `<app>-<stage>` in AWS. */
export function inactivityAlarmName(prefix: string, region: string): string {
  return `${prefix}-idle-${region}`;
}

/**
 * An EventBridge wildcard matching every inactivity alarm name of an app, with or without a stage:
 * `landfall-*idle-*` matches `landfall-idle-eu-west-1` and `landfall-prod-idle-eu-west-1`.
 */
export function inactivityAlarmWildcard(app: string): string {
  return `${app}-*idle-*`;
}

/** Log group Batch jobs log to (the `awslogs` driver); stage-out and `landfall logs` read a job's stream from it. */
export const JOB_LOG_GROUP = '/aws/batch/job';

/**
 * `<app>-<stage>-team-<team>-notify`: the SNS topic a team's people get notification emails from (one email
 * subscription per address of `notify.email.to`); the stack declares it, the notifier publishes to it.
 */
export function notifyTopicName(app: string, stage: string, team: string): string {
  return `${app}-${stage}-team-${team}-notify`;
}
