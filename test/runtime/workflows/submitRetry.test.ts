/**
 * Lambda tasks whose invocation fails transiently are run again by the workflow's Retry, through the real ASL on
 * the local Step Functions interpreter, instead of failing the sample: a submission that loses a race for capacity
 * (PlacementContentionError), a function killed at its timeout (Lambda.Unknown), an invoke that timed out.
 */
import { describe, expect, it } from 'vitest';
import { PlacementContentionError } from '../../../functions/placement/errors.ts';
import { LocalWorkflowService, type LocalFunction } from '../../../runtime/workflows/LocalWorkflowService.ts';
import { buildStateMachine } from '../../../workflows/asl/buildStateMachine.ts';
import { definePipeline } from '../../../workflows/pipeline.ts';

const ONE_STEP = definePipeline({
  name: 'one',
  version: '1',
  description: 'one step',
  steps: [{ name: 'qc', description: 'qc', vcpus: 1, memoryMiB: 512, timeoutSeconds: 60, image: 'landfall', command: ['true'] }],
});

/** An error named as Step Functions reports it for a Lambda task. */
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

/**
 * Runs one execution of the one-step pipeline to its end. `failFirst` names the error each function's first
 * invocation throws (its later ones succeed: the submission completes its task, the others return). Returns the
 * functions called, in order, and how the execution ended.
 */
async function runOneStep(failFirst: { submit?: () => Error; publish?: () => Error }): Promise<{ calls: string[]; status?: string }> {
  let service!: LocalWorkflowService;
  const calls: string[] = [];
  const firstOf = (name: string) => calls.filter((call) => call === name).length === 1;
  const submit: LocalFunction = async (payload) => {
    const { taskToken, step } = payload as { taskToken: string; step: string };
    calls.push(`submit ${step}`);
    if (failFirst.submit && firstOf(`submit ${step}`)) throw failFirst.submit();
    setTimeout(() => void service.sendTaskSuccess(taskToken, { step, attempt: 1 }), 10);
    return { jobId: 'job' };
  };
  const record =
    (name: string, fail?: () => Error): LocalFunction =>
    async () => {
      calls.push(name);
      if (fail && firstOf(name)) throw fail();
    };
  service = new LocalWorkflowService({
    stateMachines: { one: buildStateMachine(ONE_STEP) },
    functions: {
      SubmitStepFunctionArn: submit,
      PublishStepFunctionArn: record('publish', failFirst.publish),
      CompleteSampleFunctionArn: record('complete'),
      FailSampleFunctionArn: record('fail'),
    },
  });
  const { executionArn } = await service.startExecution({
    stateMachine: 'one',
    name: 'exec',
    input: { sample: { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 } },
  });
  await service.waitForIdle();
  return { calls, status: (await service.describeExecution(executionArn))?.status };
}

describe('Lambda tasks retry transient errors', () => {
  it('submits again after a PlacementContentionError and completes the sample', async () => {
    // Act: the first submission loses the capacity race
    const { calls, status } = await runOneStep({ submit: () => new PlacementContentionError('exec-qc', 25) });
    // Assess
    expect(calls).toEqual(['submit qc', 'submit qc', 'publish', 'complete']);
    expect(status).toBe('SUCCEEDED');
  }, 30_000);

  it('runs a task again whose function was killed at its timeout (Lambda.Unknown) or whose invoke timed out, instead of failing the sample', async () => {
    // Act: the submission's first invocation is killed at its timeout (after it may have submitted: the handler
    // finds its job by name), and the publish's first invoke times out on the Lambda service side
    const { calls, status } = await runOneStep({
      submit: () => named('Lambda.Unknown', 'Task timed out after 120.00 seconds'),
      publish: () => named('Lambda.ClientExecutionTimeoutException', 'invoke timed out'),
    });
    // Assess
    expect(calls).toEqual(['submit qc', 'submit qc', 'publish', 'publish', 'complete']);
    expect(status).toBe('SUCCEEDED');
  }, 60_000);
});
