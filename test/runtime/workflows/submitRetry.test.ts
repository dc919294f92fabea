/**
 * A step's submission that loses a race for capacity (PlacementContentionError) is submitted again by the
 * workflow's Retry, through the real ASL on the local Step Functions interpreter, instead of failing the sample.
 */
import { describe, expect, it } from 'vitest';
import { PlacementContentionError } from '../../../functions/placement/errors.ts';
import { LocalWorkflowService, type LocalFunction } from '../../../runtime/workflows/LocalWorkflowService.ts';
import { buildStateMachine } from '../../../workflows/asl/buildStateMachine.ts';
import { definePipeline } from '../../../workflows/pipeline.ts';

describe('Lambda tasks retry transient errors', () => {
  it('submits again after a PlacementContentionError and completes the sample', async () => {
    // Prepare: a one-step pipeline whose first submission loses the capacity race
    const pipeline = definePipeline({
      name: 'one',
      version: '1',
      description: 'one step',
      steps: [{ name: 'qc', description: 'qc', vcpus: 1, memoryMiB: 512, timeoutSeconds: 60, image: 'landfall', command: ['true'] }],
    });
    let service!: LocalWorkflowService;
    const submissions: string[] = [];
    const calls: string[] = [];
    const submit: LocalFunction = async (payload) => {
      const { taskToken, step } = payload as { taskToken: string; step: string };
      submissions.push(step);
      if (submissions.length === 1) throw new PlacementContentionError(`exec-qc`, 25);
      setTimeout(() => void service.sendTaskSuccess(taskToken, { step, attempt: 1 }), 10);
      return { jobId: 'job' };
    };
    const record =
      (name: string): LocalFunction =>
      async () =>
        void calls.push(name);
    service = new LocalWorkflowService({
      stateMachines: { one: buildStateMachine(pipeline) },
      functions: {
        SubmitStepFunctionArn: submit,
        PublishStepFunctionArn: record('publish'),
        CompleteSampleFunctionArn: record('complete'),
        FailSampleFunctionArn: record('fail'),
      },
    });
    // Act
    const { executionArn } = await service.startExecution({
      stateMachine: 'one',
      name: 'exec',
      input: { sample: { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 } },
    });
    await service.waitForIdle();
    // Assess
    expect(submissions).toEqual(['qc', 'qc']);
    expect(calls).toEqual(['publish', 'complete']);
    expect((await service.describeExecution(executionArn))?.status).toBe('SUCCEEDED');
  }, 30_000);
  it('runs a task again whose function was killed at its timeout (Lambda.Unknown) or whose invoke timed out, instead of failing the sample', async () => {
    // Prepare: the submission's first invocation is killed at its timeout (after it may have submitted: the
    // handler finds its job by name), and the publish's first invoke times out on the Lambda service side.
    // Errors named as Step Functions reports them for a Lambda task.
    const pipeline = definePipeline({
      name: 'one',
      version: '1',
      description: 'one step',
      steps: [{ name: 'qc', description: 'qc', vcpus: 1, memoryMiB: 512, timeoutSeconds: 60, image: 'landfall', command: ['true'] }],
    });
    const named = (name: string, message: string) => Object.assign(new Error(message), { name });
    let service!: LocalWorkflowService;
    const calls: string[] = [];
    const submit: LocalFunction = async (payload) => {
      const { taskToken, step } = payload as { taskToken: string; step: string };
      calls.push('submit');
      if (calls.filter((call) => call === 'submit').length === 1) throw named('Lambda.Unknown', 'Task timed out after 120.00 seconds');
      setTimeout(() => void service.sendTaskSuccess(taskToken, { step, attempt: 1 }), 10);
      return { jobId: 'job' };
    };
    const publish: LocalFunction = async () => {
      calls.push('publish');
      if (calls.filter((call) => call === 'publish').length === 1)
        throw named('Lambda.ClientExecutionTimeoutException', 'invoke timed out');
    };
    const record =
      (name: string): LocalFunction =>
      async () =>
        void calls.push(name);
    service = new LocalWorkflowService({
      stateMachines: { one: buildStateMachine(pipeline) },
      functions: {
        SubmitStepFunctionArn: submit,
        PublishStepFunctionArn: publish,
        CompleteSampleFunctionArn: record('complete'),
        FailSampleFunctionArn: record('fail'),
      },
    });
    // Act
    const { executionArn } = await service.startExecution({
      stateMachine: 'one',
      name: 'exec-killed',
      input: { sample: { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 } },
    });
    await service.waitForIdle();
    // Assess
    expect(calls).toEqual(['submit', 'submit', 'publish', 'publish', 'complete']);
    expect((await service.describeExecution(executionArn))?.status).toBe('SUCCEEDED');
  }, 60_000);
});
