/**
 * Stopping the runtime while a callback task's function is still submitting its job must not leave an
 * unhandled rejection behind (Node ends the process on one: `landfall up` exited 1 on Ctrl-C).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LocalWorkflowService, type LocalFunction } from '../../../runtime/workflows/LocalWorkflowService.ts';
import { buildStateMachine } from '../../../workflows/asl/buildStateMachine.ts';
import { demoPipeline } from '../../../workflows/pipelines/demo.ts';

describe('LocalWorkflowService.stop while a task is being submitted', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  afterEach(() => void process.off('unhandledRejection', onUnhandled));

  it('rejects the waiting task without an unhandled rejection or a recorded failure, and the execution ends', async () => {
    // Prepare: the submit function is slow (as a real job submission can be) and never answers by token
    process.on('unhandledRejection', onUnhandled);
    let submitting = 0;
    const slow: LocalFunction = async () => {
      submitting++;
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { jobId: 'job' };
    };
    const noop: LocalFunction = async () => ({});
    const failures: unknown[] = [];
    const recordFailure: LocalFunction = async (payload) => void failures.push(payload);
    const service = new LocalWorkflowService({
      stateMachines: { demo: buildStateMachine(demoPipeline) },
      functions: {
        SubmitStepFunctionArn: slow,
        PublishStepFunctionArn: noop,
        CompleteSampleFunctionArn: noop,
        FailSampleFunctionArn: recordFailure,
      },
    });
    const { executionArn } = await service.startExecution({
      stateMachine: 'demo',
      name: 'exec-stop',
      input: { sample: { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 } },
    });
    while (submitting === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Act: stop while every submit is still in flight
    await service.stop();
    await new Promise((resolve) => setTimeout(resolve, 500)); // the submits finish after the stop
    // Assess
    expect(unhandled).toEqual([]);
    // the stop is not the sample's failure: "Record sample failure" never ran (the next start resumes it)
    expect(failures).toEqual([]);
    expect((await service.describeExecution(executionArn))?.status).not.toBe('RUNNING');
  });
});
