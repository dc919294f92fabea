import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  buildStateMachine,
  COMPLETE_SAMPLE,
  PLACEHOLDERS,
  RECORD_FAILURE,
  substitutePlaceholders,
  QUEUE_ALLOWANCE_SECONDS,
  QUEUES_FULL_ERROR,
} from '../../../workflows/asl/buildStateMachine.ts';
import { listStateNames, listTaskStates } from '../../../workflows/asl/listTaskStates.ts';
import type { ParallelState, StateMachineDefinition, TaskState } from '../../../workflows/asl/types.ts';
import { definePipeline, PipelineError } from '../../../workflows/pipeline.ts';
import { demoPipeline } from '../../../workflows/pipelines/demo.ts';

const validate = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => { isValid: boolean; errors: unknown[] };

const step = (name: string, needs: string[] = []) => ({
  name,
  description: name,
  needs,
  vcpus: 1,
  memoryMiB: 256,
  timeoutSeconds: 60,
  attempts: 2,
  image: 'landfall',
  command: ['landfall-step', name],
});
const diamond = definePipeline({
  name: 'diamond',
  version: '1',
  description: 'a → (b, c) → d',
  steps: [step('a'), step('b', ['a']), step('c', ['a']), step('d', ['b', 'c'])],
});

/** Every transition target of a (branch of a) definition. */
function targets(definition: { States: Record<string, unknown> }): string[] {
  return Object.values(definition.States).flatMap((state) => {
    const s = state as { Next?: string; Catch?: Array<{ Next: string }> };
    return [...(s.Next ? [s.Next] : []), ...(s.Catch ?? []).map((c) => c.Next)];
  });
}

describe('buildStateMachine', () => {
  it.each([
    { case: 'demo pipeline', pipeline: demoPipeline },
    { case: 'diamond DAG', pipeline: diamond },
  ])('emits valid JSONPath ASL for the $case', ({ pipeline }) => {
    // Act
    const definition = buildStateMachine(pipeline);
    // Assess
    // asl-validator annotates what it is given (QueryLanguage defaults): validate a copy
    expect(validate(structuredClone(definition))).toMatchObject({ isValid: true, errors: [] });
    expect(JSON.stringify(definition)).not.toMatch(/JSONata|Assign|QueryLanguage/);
  });

  it('runs independent steps as branches of one Parallel state, each run → publish, then completes the sample', () => {
    // Act
    const definition = buildStateMachine(demoPipeline);
    // Assess
    const start = definition.States[definition.StartAt] as ParallelState;
    expect(definition.StartAt).toBe('Level 1: qc, trim, profile');
    expect(start.Type).toBe('Parallel');
    expect(start.Next).toBe(COMPLETE_SAMPLE);
    expect(start.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: RECORD_FAILURE }]);
    expect(start.Branches.map((branch) => [branch.StartAt, (branch.States[branch.StartAt] as TaskState).Next])).toEqual([
      ['Run qc', 'Publish qc'],
      ['Run trim', 'Publish trim'],
      ['Run profile', 'Publish profile'],
    ]);
    expect(definition.States[RECORD_FAILURE]).toMatchObject({ Type: 'Task', Next: 'Sample failed' });
    expect(definition.States['Sample failed']).toMatchObject({ Type: 'Fail', Error: 'SampleFailed' });
  });

  it('completes the sample at once for a pipeline of run-scope steps only (a Nextflow recipe), a valid machine', () => {
    // Prepare
    const runOnly = definePipeline({
      name: 'run-only',
      version: '1',
      description: 'one run-scope step',
      steps: [{ ...step('report'), scope: 'run' as const }],
    });
    // Act
    const definition = buildStateMachine(runOnly);
    // Assess
    expect(definition.StartAt).toBe(COMPLETE_SAMPLE);
    expect(listTaskStates(definition).map((task) => task.name)).toEqual([COMPLETE_SAMPLE, RECORD_FAILURE]);
    // asl-validator annotates what it is given (QueryLanguage defaults): validate a copy
    expect(validate(structuredClone(definition))).toMatchObject({ isValid: true, errors: [] });
  });

  it('orders dependency levels: a, then b and c in parallel, then d', () => {
    const definition = buildStateMachine(diamond);
    const levels = Object.entries(definition.States).filter(([, state]) => state.Type === 'Parallel');
    expect(levels.map(([name, state]) => [name, (state as ParallelState).Next])).toEqual([
      ['Level 1: a', 'Level 2: b, c'],
      ['Level 2: b, c', 'Level 3: d'],
      ['Level 3: d', COMPLETE_SAMPLE],
    ]);
  });

  it("lets a step's job wait a night's backlog in the queue on top of its attempts (Batch bounds each attempt's run)", () => {
    const definition = buildStateMachine(demoPipeline);
    const runs = listTaskStates(definition).filter((task) => task.name.startsWith('Run '));
    expect(runs.map((task) => task.name.replace('Run ', '')).sort()).toEqual(demoPipeline.steps.map((step) => step.name).sort());
    for (const task of runs) {
      const step = demoPipeline.steps.find((candidate) => `Run ${candidate.name}` === task.name)!;
      expect(task.state.TimeoutSeconds, task.name).toBe(step.timeoutSeconds * step.attempts + QUEUE_ALLOWANCE_SECONDS);
    }
    expect(QUEUE_ALLOWANCE_SECONDS).toBeGreaterThanOrEqual(12 * 3600);
  });

  it('makes a submission that finds every queue full wait for room, jittered, instead of failing the step', () => {
    const definition = buildStateMachine(demoPipeline);
    const runs = listTaskStates(definition).filter((task) => task.name.startsWith('Run '));
    expect(runs.length).toBe(demoPipeline.steps.length);
    for (const task of runs) {
      const retry = task.state.Retry?.find((rule) => rule.ErrorEquals.includes(QUEUES_FULL_ERROR));
      expect(retry, task.name).toMatchObject({ JitterStrategy: 'FULL', MaxDelaySeconds: 300 });
      // Retrying at the capped delay covers the whole queue allowance: the task's timeout ends the wait, not the retrier.
      expect(retry!.MaxAttempts! * retry!.MaxDelaySeconds!, task.name).toBeGreaterThan(QUEUE_ALLOWANCE_SECONDS);
    }
  });

  it('gives every transition an existing target, every state a unique name and every Task a TimeoutSeconds', () => {
    // Prepare
    const definition = buildStateMachine(diamond);
    const branches = Object.values(definition.States).flatMap((state) => (state.Type === 'Parallel' ? state.Branches : []));
    // Assess
    for (const scope of [definition, ...branches] as Array<{ States: Record<string, unknown> }>) {
      for (const target of targets(scope)) expect(Object.keys(scope.States)).toContain(target);
    }
    const names = listStateNames(definition);
    expect(new Set(names).size).toBe(names.length);
    for (const task of listTaskStates(definition)) expect(task.state.TimeoutSeconds, task.name).toBeGreaterThan(0);
    expect((listTaskStates(definition).find((t) => t.name === 'Run a')!.state as TaskState).TimeoutSeconds).toBe(
      60 * 2 + QUEUE_ALLOWANCE_SECONDS,
    );
  });

  it('submits with a callback token and publishes from the job result', () => {
    const tasks = Object.fromEntries(listTaskStates(buildStateMachine(demoPipeline)).map((task) => [task.name, task.state]));
    expect(tasks['Run qc']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: {
        FunctionName: PLACEHOLDERS.submitStep,
        Payload: { 'taskToken.$': '$$.Task.Token', step: 'qc', 'sample.$': '$.sample' },
      },
      ResultPath: '$.jobs.qc',
    });
    expect(tasks['Publish qc']).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: PLACEHOLDERS.publishStep, Payload: { 'job.$': '$.jobs.qc' } },
      ResultPath: null,
    });
  });
});

describe('substitutePlaceholders', () => {
  it('replaces every function placeholder', () => {
    const values = {
      SubmitStepFunctionArn: 'arn:s',
      PublishStepFunctionArn: 'arn:p',
      CompleteSampleFunctionArn: 'arn:c',
      FailSampleFunctionArn: 'arn:f',
    };
    const deployed: StateMachineDefinition = substitutePlaceholders(buildStateMachine(demoPipeline), values);
    expect(
      listTaskStates(deployed)
        .map((task) => task.functionName)
        .sort(),
    ).toEqual(['arn:c', 'arn:f', 'arn:p', 'arn:p', 'arn:p', 'arn:s', 'arn:s', 'arn:s']);
  });

  it('refuses to leave one unresolved, naming it', () => {
    expect(() => substitutePlaceholders(buildStateMachine(demoPipeline), { SubmitStepFunctionArn: 'arn:s' })).toThrow(
      'unresolved placeholders in the state machine: ${PublishStepFunctionArn}, ${CompleteSampleFunctionArn}, ${FailSampleFunctionArn}',
    );
  });
});

describe('definePipeline', () => {
  it.each([
    { case: 'a cycle', steps: [step('a', ['b']), step('b', ['a'])], message: 'pipeline p: steps a, b depend on each other in a cycle' },
    { case: 'an unknown need', steps: [step('a', ['z'])], message: 'pipeline p: step a needs z, which is not a step (steps: a)' },
    { case: 'a duplicate step', steps: [step('a'), step('a')], message: 'pipeline p: step a is defined twice' },
    { case: 'a bad step name', steps: [step('Bad Name')], message: 'step names are lower-case words' },
  ])('rejects $case', ({ steps, message }) => {
    expect(() => definePipeline({ name: 'p', version: '1', description: 'p', steps })).toThrow(PipelineError);
    expect(() => definePipeline({ name: 'p', version: '1', description: 'p', steps })).toThrow(message);
  });
});
