import { runStateMachine } from '../../contracts/names.ts';
import { type Pipeline, PipelineError, runSteps, type StepDefinition, sampleSteps, stepLevels } from '../pipeline.ts';
import { EVENTS_PER_TASK_ATTEMPT, HISTORY_EVENT_BUDGET, HISTORY_EVENT_LIMIT, worstCaseHistoryEvents } from './historyBudget.ts';
import { listTaskStates } from './listTaskStates.ts';
import type { ParallelState, State, StateMachineDefinition, TaskState } from './types.ts';

/** Function ARNs enter the definition as placeholders: substituted at deploy, resolved to handlers locally. */
export const PLACEHOLDERS = {
  submitStep: '${SubmitStepFunctionArn}',
  publishStep: '${PublishStepFunctionArn}',
  completeSample: '${CompleteSampleFunctionArn}',
  failSample: '${FailSampleFunctionArn}',
  finishRunSteps: '${FinishRunStepsFunctionArn}',
} as const;

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const RECORD_FAILURE = 'Record sample failure';
export const SAMPLE_FAILED = 'Sample failed';
export const COMPLETE_SAMPLE = 'Complete sample';
export const FINISH_RUN_STEPS = 'Finish run steps';
export const RECORD_RUN_STEPS_FAILURE = 'Record run steps failure';
export const RUN_STEPS_FAILED = 'Run steps failed';

/**
 * Every Lambda task: the Lambda service's transient errors (the set Step Functions' best practices name), and
 * `Lambda.Unknown` — how a function killed at its timeout or memory limit surfaces. Every handler is idempotent
 * (a repeated submission finds its job by name, a repeated publish finds its outputs published), so a killed
 * invocation runs again, twice at most, rather than failing a sample none of whose steps failed.
 */
const lambdaRetry: TaskState['Retry'] = [
  {
    ErrorEquals: [
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
      'Lambda.ClientExecutionTimeoutException',
    ],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
  { ErrorEquals: ['Lambda.Unknown'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 2 },
];
const catchAll = (next: string = RECORD_FAILURE): NonNullable<TaskState['Catch']> => [
  { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: next },
];

export const runStateName = (step: string) => `Run ${step}`;
export const publishStateName = (step: string) => `Publish ${step}`;

/** Errors of a step's submission that pass: placement contention and throttled AWS services. */
export const TRANSIENT_SUBMIT_ERRORS = [
  'PlacementContentionError',
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'TooManyRequestsException',
] as const;

/** Thrown by submitStep when every region's queue holds its bound of waiting jobs (functions/placement/errors.ts). */
export const QUEUES_FULL_ERROR = 'RegionsFullError';

/** How long a step's job may wait in Batch queues before its task gives up: a night's backlog. */
export const QUEUE_ALLOWANCE_SECONDS = 24 * 3600;

/**
 * Fewest "every queue full" retries a step may be left with by the history budget; a pipeline with so many
 * steps that each would get fewer is refused (its executions could not wait out a burst).
 */
export const MIN_QUEUES_FULL_ATTEMPTS = 20;

/** `Run <step>`: submits the step's Batch job and waits for the job-state handler to complete the token. */
function runStepState(step: StepDefinition, next: string): TaskState {
  return {
    Type: 'Task',
    Comment: `${step.description} (Batch job; waits for its Batch Job State Change)`,
    Resource: LAMBDA_CALLBACK,
    Parameters: {
      FunctionName: PLACEHOLDERS.submitStep,
      Payload: { 'taskToken.$': '$$.Task.Token', 'executionName.$': '$$.Execution.Name', step: step.name, 'sample.$': '$.sample' },
    },
    ResultPath: `$.jobs.${step.name}`,
    // Batch enforces each attempt's run time itself; this bound must also cover the queue, which for a big
    // run on a small quota (or behind early steps) takes hours, not minutes. Always explicit (no default).
    TimeoutSeconds: step.timeoutSeconds * step.attempts + QUEUE_ALLOWANCE_SECONDS,
    // Submitting can lose a race for capacity under load, or meet a throttled service: submit again (the
    // job name is deterministic, so a job Batch already accepted is kept or found by name, not submitted twice:
    // submitStepJob).
    // Every queue full (a burst beyond placement.maxQueuedJobsPerRegion): wait for room, jittered so the
    // waiting submissions do not come back at once. Its attempts are set by boundQueueWaits: every retry
    // writes history events, and an execution fails at Step Functions' history limit.
    Retry: [
      ...lambdaRetry!,
      { ErrorEquals: [...TRANSIENT_SUBMIT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
      {
        ErrorEquals: [QUEUES_FULL_ERROR],
        IntervalSeconds: 30,
        MaxAttempts: 0,
        BackoffRate: 1.5,
        MaxDelaySeconds: 300,
        JitterStrategy: 'FULL',
      },
    ],
    Next: next,
  };
}

/** `Publish <step>`: copies the successful attempt's verified outputs to the team's prefix, now. */
function publishStepState(step: StepDefinition): TaskState {
  return {
    Type: 'Task',
    Comment: `publish ${step.name} outputs and rewrite manifest.json`,
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: PLACEHOLDERS.publishStep,
      Payload: { 'executionName.$': '$$.Execution.Name', step: step.name, 'sample.$': '$.sample', 'job.$': `$.jobs.${step.name}` },
    },
    ResultPath: null,
    TimeoutSeconds: 900,
    // A failed or mismatched copy left nothing visible and is transient: publish again.
    Retry: [...lambdaRetry!, { ErrorEquals: ['VerificationError', 'CopyFailedError'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2 }],
    End: true,
  };
}

/** One step as a branch: run, then publish. */
function stepBranch(step: StepDefinition) {
  return {
    StartAt: runStateName(step.name),
    States: {
      [runStateName(step.name)]: runStepState(step, publishStateName(step.name)),
      [publishStateName(step.name)]: publishStepState(step),
    } as Record<string, State>,
  };
}

/** What ends a step machine: the task that concludes it, and the task + Fail state a failure goes to. */
interface MachineEnds {
  complete: { name: string; comment: string; functionName: string };
  failure: { name: string; comment: string; functionName: string; failState: string; error: string; cause: string };
}

/** Levels of steps (each a `Parallel` of run → publish branches), then the concluding task; a failure goes to `ends.failure`. */
function stepMachine(comment: string, levels: StepDefinition[][], ends: MachineEnds): StateMachineDefinition {
  const states: Record<string, State> = {};
  const levelName = (level: StepDefinition[], index: number) => `Level ${index + 1}: ${level.map((step) => step.name).join(', ')}`;
  levels.forEach((level, index) => {
    const next = index + 1 < levels.length ? levelName(levels[index + 1]!, index + 1) : ends.complete.name;
    const parallel: ParallelState = {
      Type: 'Parallel',
      Comment: `run ${level.map((step) => step.name).join(' and ')} side by side; each publishes when it succeeds`,
      Branches: level.map(stepBranch),
      ResultPath: null,
      Catch: catchAll(ends.failure.name),
      Next: next,
    };
    states[levelName(level, index)] = parallel;
  });
  states[ends.complete.name] = {
    Type: 'Task',
    Comment: ends.complete.comment,
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: ends.complete.functionName, Payload: { 'executionName.$': '$$.Execution.Name', 'sample.$': '$.sample' } },
    ResultPath: null,
    TimeoutSeconds: 300,
    Retry: lambdaRetry,
    Catch: catchAll(ends.failure.name),
    End: true,
  };
  states[ends.failure.name] = {
    Type: 'Task',
    Comment: ends.failure.comment,
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: ends.failure.functionName,
      Payload: { 'executionName.$': '$$.Execution.Name', 'sample.$': '$.sample', 'error.$': '$.error' },
    },
    ResultPath: null,
    TimeoutSeconds: 300,
    Retry: lambdaRetry,
    Next: ends.failure.failState,
  };
  states[ends.failure.failState] = { Type: 'Fail', Error: ends.failure.error, Cause: ends.failure.cause };
  // A pipeline of run-scope steps only (a Nextflow recipe) has no sample step: the sample completes at once,
  // and the run's execution runs the steps once every sample of the run has.
  const startAt = levels.length > 0 ? levelName(levels[0]!, 0) : ends.complete.name;
  return boundQueueWaits({ Comment: comment, StartAt: startAt, States: states });
}

/**
 * Gives every step's "every queue full" retrier the same share of the history budget: the worst case of the
 * machine without those retries, subtracted from HISTORY_EVENT_BUDGET, split over the steps (all of them can
 * wait in one execution, level after level), so the worst-case history stays under Step Functions' limit.
 *
 * @throws PipelineError when the steps are so many that each would get fewer than MIN_QUEUES_FULL_ATTEMPTS
 */
function boundQueueWaits(definition: StateMachineDefinition): StateMachineDefinition {
  const retriers = listTaskStates(definition).flatMap(
    (task) => task.state.Retry?.filter((retrier) => retrier.ErrorEquals.includes(QUEUES_FULL_ERROR)) ?? [],
  );
  for (const retrier of retriers) retrier.MaxAttempts = 0;
  const without = worstCaseHistoryEvents(definition);
  const attempts = Math.floor((HISTORY_EVENT_BUDGET - without) / (EVENTS_PER_TASK_ATTEMPT * retriers.length));
  if (attempts < MIN_QUEUES_FULL_ATTEMPTS) {
    throw new PipelineError(
      `${definition.Comment}: ${retriers.length} steps in one execution leave each only ${Math.max(attempts, 0)} retries when every queue is full ` +
        `(at most ${HISTORY_EVENT_LIMIT} history events per execution, ${without} used without them); split the pipeline or run fewer steps per sample`,
    );
  }
  for (const retrier of retriers) retrier.MaxAttempts = attempts;
  return definition;
}

/**
 * Compiles a pipeline's sample-scope steps to JSONPath ASL: steps grouped into dependency levels, each level
 * one `Parallel` state with a run → publish branch per step (so independent steps run side by side and each
 * publishes the moment it succeeds), then `Complete sample`; any failure goes to `Record sample failure`.
 *
 * @example const asl = buildStateMachine(pipelineNamed(config, 'demo')); // deploy with substitutePlaceholders
 */
export function buildStateMachine(pipeline: Pipeline): StateMachineDefinition {
  // Run-scope steps run once per run, in the run's own execution (buildRunStateMachine), not in every sample's.
  return stepMachine(
    `Landfall pipeline ${pipeline.name} ${pipeline.version}: ${pipeline.description}`,
    stepLevels(pipeline, sampleSteps(pipeline)),
    {
      complete: {
        name: COMPLETE_SAMPLE,
        comment: 'every step published: the sample version is COMPLETED',
        functionName: PLACEHOLDERS.completeSample,
      },
      failure: {
        name: RECORD_FAILURE,
        comment: 'a step failed for good: the sample version is FAILED with the error',
        functionName: PLACEHOLDERS.failSample,
        failState: SAMPLE_FAILED,
        error: 'SampleFailed',
        cause: 'a step of the sample failed; see the catalog and the Sample Failed event',
      },
    },
  );
}

/**
 * The run-level state machine of a pipeline with run-scope steps: the same run → publish branches over the
 * run steps' levels, started once per run (and set of covered samples), then `Finish run steps`, which lets the
 * run be DONE; a failure goes to `Record run steps failure` (the run is DONE with its run steps FAILED).
 *
 * @throws PipelineError when the pipeline has no run-scope step
 */
export function buildRunStateMachine(pipeline: Pipeline): StateMachineDefinition {
  const steps = runSteps(pipeline);
  if (steps.length === 0) throw new PipelineError(`pipeline ${pipeline.name} has no run-scope step: it needs no run state machine`);
  return stepMachine(
    `Landfall pipeline ${pipeline.name} ${pipeline.version}: its run-scope steps, once per run`,
    stepLevels(pipeline, steps),
    {
      complete: {
        name: FINISH_RUN_STEPS,
        comment: 'every run step published: the run may be DONE',
        functionName: PLACEHOLDERS.finishRunSteps,
      },
      failure: {
        name: RECORD_RUN_STEPS_FAILURE,
        comment: 'a run step failed for good: recorded on the run, which is DONE with it FAILED',
        functionName: PLACEHOLDERS.finishRunSteps,
        failState: RUN_STEPS_FAILED,
        error: 'RunStepsFailed',
        cause: 'a run-scope step failed; see the run index and the catalog',
      },
    },
  );
}

/** Every state machine a config's pipelines need, by logical name: one per pipeline, and one more for its run steps. */
export function stateMachinesOf(pipelines: Iterable<Pipeline>): Record<string, StateMachineDefinition> {
  const machines: Record<string, StateMachineDefinition> = {};
  for (const pipeline of pipelines) {
    machines[pipeline.name] = buildStateMachine(pipeline);
    if (runSteps(pipeline).length > 0) machines[runStateMachine(pipeline.name)] = buildRunStateMachine(pipeline);
  }
  return machines;
}

/**
 * Replaces every `${Name}` placeholder in a definition; throws naming any that stays unresolved, so a
 * deployed state machine never carries one.
 */
export function substitutePlaceholders(definition: StateMachineDefinition, values: Record<string, string>): StateMachineDefinition {
  const text = JSON.stringify(definition).replace(/\$\{([A-Za-z0-9]+)\}/g, (match, name: string) => values[name] ?? match);
  const unresolved = [...new Set(text.match(/\$\{[A-Za-z0-9]+\}/g) ?? [])];
  if (unresolved.length > 0) throw new Error(`unresolved placeholders in the state machine: ${unresolved.join(', ')}`);
  return JSON.parse(text) as StateMachineDefinition;
}
