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
export function stateMachineArn(region: string, account: string, name: string, kind: 'stateMachine' | 'execution' = 'stateMachine'): string {
  return `arn:aws:states:${region}:${account}:${kind}:${name}`;
}

/**
 * Job queues per region and their Batch priority (higher runs first when both have work). `normal` is
 * the queue `functions/submitStep.ts` submits to (`<app>-<region>-normal`); `urgent` is for early steps,
 * whose outputs a remote team waits for. Batch ignores `schedulingPriorityOverride` on queues without a
 * fair-share policy, so priority between the two kinds of work has to come from the queue.
 */
export const jobQueues = { urgent: { priority: 100 }, normal: { priority: 10 } } as const;
export type JobQueueKind = keyof typeof jobQueues;

/** `<app>-<region>-<kind>`, as `functions/submitStep.ts` names the queue it submits to. */
export function jobQueueName(app: string, region: string, kind: JobQueueKind): string {
  return `${app}-${region}-${kind}`;
}

/** `<app>-<step>`, as `functions/submitStep.ts` names the job definition it submits with. */
export function jobDefinitionName(app: string, step: string): string {
  return `${app}-${step}`;
}

/** The validation job's definition suffix (`functions/validation/validationJob.ts` submits `<app>-validate`). */
export const VALIDATION_JOB_DEFINITION = 'validate';

/**
 * `<app>-<stage>-<region>-spot|on-demand`: a region's Batch compute environments, as `stacks/batch.ts` names
 * them; the warm-capacity seam (seams/capacity/BatchComputeCapacity.ts) updates their minvCpus by name.
 */
export function computeEnvironmentName(app: string, stage: string, region: string, kind: 'spot' | 'onDemand'): string {
  return `${app}-${stage}-${region}-${kind === 'spot' ? 'spot' : 'on-demand'}`;
}
