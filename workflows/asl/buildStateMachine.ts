import { type Pipeline, type StepDefinition, sampleSteps, stepLevels } from '../pipeline.ts';
import type { ParallelState, State, StateMachineDefinition, TaskState } from './types.ts';

/** Function ARNs enter the definition as placeholders: substituted at deploy, resolved to handlers locally. */
export const PLACEHOLDERS = {
  submitStep: '${SubmitStepFunctionArn}',
  publishStep: '${PublishStepFunctionArn}',
  completeSample: '${CompleteSampleFunctionArn}',
  failSample: '${FailSampleFunctionArn}',
} as const;

const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const LAMBDA_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
export const RECORD_FAILURE = 'Record sample failure';
export const SAMPLE_FAILED = 'Sample failed';
export const COMPLETE_SAMPLE = 'Complete sample';

const lambdaRetry: TaskState['Retry'] = [
  {
    ErrorEquals: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
];
const catchAll = (): NonNullable<TaskState['Catch']> => [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: RECORD_FAILURE }];

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
    // job name is deterministic, so a submission that did go through is found, not repeated).
    // Every queue full (a burst beyond placement.maxQueuedJobsPerRegion): wait for room, jittered so the
    // waiting submissions do not come back at once; bounded by the task's own timeout above.
    Retry: [
      ...lambdaRetry!,
      { ErrorEquals: [...TRANSIENT_SUBMIT_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 },
      {
        ErrorEquals: [QUEUES_FULL_ERROR],
        IntervalSeconds: 30,
        MaxAttempts: 2000,
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

/**
 * Compiles a pipeline to JSONPath ASL: steps grouped into dependency levels, each level one `Parallel`
 * state with a run → publish branch per step (so independent steps run side by side and each publishes
 * the moment it succeeds), then `Complete sample`; any failure goes to `Record sample failure`.
 *
 * @example const asl = buildStateMachine(pipelineNamed(config, 'demo')); // deploy with substitutePlaceholders
 */
export function buildStateMachine(pipeline: Pipeline): StateMachineDefinition {
  // Run-scope steps run once per run, in the run's own execution, not in every sample's.
  const levels = stepLevels(pipeline, sampleSteps(pipeline));
  const states: Record<string, State> = {};
  const levelName = (level: StepDefinition[], index: number) => `Level ${index + 1}: ${level.map((step) => step.name).join(', ')}`;
  levels.forEach((level, index) => {
    const next = index + 1 < levels.length ? levelName(levels[index + 1]!, index + 1) : COMPLETE_SAMPLE;
    const parallel: ParallelState = {
      Type: 'Parallel',
      Comment: `run ${level.map((step) => step.name).join(' and ')} side by side; each publishes when it succeeds`,
      Branches: level.map(stepBranch),
      ResultPath: null,
      Catch: catchAll(),
      Next: next,
    };
    states[levelName(level, index)] = parallel;
  });
  states[COMPLETE_SAMPLE] = {
    Type: 'Task',
    Comment: 'every step published: the sample version is COMPLETED',
    Resource: LAMBDA_INVOKE,
    Parameters: { FunctionName: PLACEHOLDERS.completeSample, Payload: { 'executionName.$': '$$.Execution.Name', 'sample.$': '$.sample' } },
    ResultPath: null,
    TimeoutSeconds: 300,
    Retry: lambdaRetry,
    Catch: catchAll(),
    End: true,
  };
  states[RECORD_FAILURE] = {
    Type: 'Task',
    Comment: 'a step failed for good: the sample version is FAILED with the error',
    Resource: LAMBDA_INVOKE,
    Parameters: {
      FunctionName: PLACEHOLDERS.failSample,
      Payload: { 'executionName.$': '$$.Execution.Name', 'sample.$': '$.sample', 'error.$': '$.error' },
    },
    ResultPath: null,
    TimeoutSeconds: 300,
    Retry: lambdaRetry,
    Next: SAMPLE_FAILED,
  };
  states[SAMPLE_FAILED] = {
    Type: 'Fail',
    Error: 'SampleFailed',
    Cause: 'a step of the sample failed; see the catalog and the Sample Failed event',
  };
  return {
    Comment: `Landfall pipeline ${pipeline.name} ${pipeline.version}: ${pipeline.description}`,
    StartAt: levelName(levels[0]!, 0),
    States: states,
  };
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
