/**
 * A step's submission that loses a race for capacity (PlacementContentionError) is submitted again by the
 * workflow's Retry, through the real ASL on the local Step Functions interpreter, instead of failing the sample.
 */
import { describe, expect, it } from 'vitest';
import { PlacementContentionError } from '../../../functions/placement/errors.ts';
import { LocalWorkflowService, type LocalFunction } from '../../../runtime/workflows/LocalWorkflowService.ts';
import { buildStateMachine } from '../../../workflows/asl/buildStateMachine.ts';
import { definePipeline } from '../../../workflows/pipeline.ts';

describe('Run <step> retries a transient submission error', () => {
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
});
