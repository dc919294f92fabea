import { describe, expect, it } from 'vitest';
import { buildStateMachine } from '../../../workflows/asl/buildStateMachine.ts';
import { definePipeline } from '../../../workflows/pipeline.ts';
import { demoPipeline } from '../../../workflows/pipelines/demo.ts';
import { LocalWorkflowService, type LocalFunction } from '../../../runtime/workflows/LocalWorkflowService.ts';
import { ExecutionAlreadyExistsError, MissingLocalFunctionError, TaskDoesNotExistError } from '../../../runtime/workflows/errors.ts';

const sample = { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 };

/** Small in-test functions standing in for the Lambdas; the submit function answers through the token like the job-state handler. */
function harness(answer: (step: string) => { ok: true } | { ok: false; error: string }) {
  const calls: Array<[string, unknown]> = [];
  const running = new Set<string>();
  let maxConcurrentSteps = 0;
  let service!: LocalWorkflowService;
  const record =
    (name: string): LocalFunction =>
    async (payload) =>
      void calls.push([name, payload]);
  const functions: Record<string, LocalFunction> = {
    SubmitStepFunctionArn: async (payload) => {
      const { taskToken, step } = payload as { taskToken: string; step: string };
      calls.push(['submit', payload]);
      running.add(step);
      maxConcurrentSteps = Math.max(maxConcurrentSteps, running.size);
      // A step ends once the demo's three parallel steps have all been submitted (2 s at most): a fixed
      // length could end one before a busy interpreter submitted the third.
      const submittedAt = Date.now();
      const finish = setInterval(() => {
        if (maxConcurrentSteps < 3 && Date.now() - submittedAt < 2000) return;
        clearInterval(finish);
        running.delete(step);
        const result = answer(step);
        void (result.ok
          ? service.sendTaskSuccess(taskToken, { step, attempt: 1 })
          : service.sendTaskFailure(taskToken, result.error, `${step} broke`));
      }, 10);
      return { jobId: `job-${step}` };
    },
    PublishStepFunctionArn: record('publish'),
    CompleteSampleFunctionArn: record('complete'),
    FailSampleFunctionArn: record('fail'),
  };
  service = new LocalWorkflowService({ stateMachines: { demo: buildStateMachine(demoPipeline) }, functions });
  return { service, calls, maxConcurrent: () => maxConcurrentSteps };
}

describe('LocalWorkflowService (real ASL through aws-local-stepfunctions)', () => {
  it('runs steps in parallel through callback tokens, publishes each, then completes the sample', async () => {
    // Prepare
    const { service, calls, maxConcurrent } = harness(() => ({ ok: true }));
    // Act
    const { executionArn } = await service.startExecution({ stateMachine: 'demo', name: 'exec-1', input: { sample } });
    await service.waitForIdle();
    // Assess
    expect(await service.describeExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED' });
    expect(maxConcurrent()).toBe(3);
    const submits = calls
      .filter(([name]) => name === 'submit')
      .map(([, payload]) => payload as { taskToken: string; executionName: string; sample: unknown });
    expect(submits).toHaveLength(3);
    expect(new Set(submits.map((payload) => payload.taskToken)).size).toBe(3); // a fresh token per task
    expect(submits[0]).toMatchObject({ executionName: 'exec-1', sample });
    const publishes = calls.filter(([name]) => name === 'publish').map(([, payload]) => payload as { step: string; job: { step: string } });
    expect(publishes.map((payload) => [payload.step, payload.job.step]).sort()).toEqual([
      ['profile', 'profile'],
      ['qc', 'qc'],
      ['trim', 'trim'],
    ]);
    expect(calls.at(-1)).toEqual(['complete', { executionName: 'exec-1', sample }]);
    expect(calls.some(([name]) => name === 'fail')).toBe(false);
  });

  it('catches a failed task into Record sample failure with the error, and ends FAILED', async () => {
    // Prepare
    const { service, calls } = harness((step) => (step === 'trim' ? { ok: false, error: 'Landfall.JobFailed' } : { ok: true }));
    // Act
    const { executionArn } = await service.startExecution({ stateMachine: 'demo', name: 'exec-2', input: { sample } });
    await service.waitForIdle();
    // Assess
    expect(await service.describeExecution(executionArn)).toMatchObject({ status: 'FAILED' });
    const fail = calls.find(([name]) => name === 'fail')![1] as { error: { Error: string; Cause: string } };
    expect(fail.error).toMatchObject({ Error: 'Landfall.JobFailed', Cause: 'trim broke' });
    expect(calls.some(([name]) => name === 'complete')).toBe(false);
  });

  it('treats a repeated start with the same name and input as the same execution, and refuses another input', async () => {
    // Prepare
    const { service, calls } = harness(() => ({ ok: true }));
    // Act
    const first = await service.startExecution({ stateMachine: 'demo', name: 'exec-3', input: { sample } });
    const again = await service.startExecution({ stateMachine: 'demo', name: 'exec-3', input: { sample } });
    // Assess
    expect(again).toEqual(first);
    await expect(
      service.startExecution({ stateMachine: 'demo', name: 'exec-3', input: { sample: { ...sample, version: 2 } } }),
    ).rejects.toThrow(ExecutionAlreadyExistsError);
    await service.waitForIdle();
    expect(calls.filter(([name]) => name === 'complete')).toHaveLength(1);
    expect(service.listExecutions()).toHaveLength(1);
  });

  it('answers an unknown or already used token with TaskDoesNotExist', async () => {
    const { service } = harness(() => ({ ok: true }));
    await expect(service.sendTaskSuccess('not-a-token', {})).rejects.toThrow(TaskDoesNotExistError);
  });

  it('fails a callback task that waits past its TimeoutSeconds', async () => {
    // Prepare: a one-step pipeline whose job never reports back
    const slow = definePipeline({
      name: 'slow',
      version: '1',
      description: 'never answers',
      steps: [
        { name: 'wait', description: 'w', vcpus: 1, memoryMiB: 64, timeoutSeconds: 1, attempts: 1, image: 'landfall', command: ['true'] },
      ],
    });
    const definition = buildStateMachine(slow);
    (definition.States['Level 1: wait'] as { Branches: Array<{ States: Record<string, { TimeoutSeconds: number }> }> }).Branches[0]!.States[
      'Run wait'
    ]!.TimeoutSeconds = 1;
    const failures: unknown[] = [];
    const service = new LocalWorkflowService({
      stateMachines: { slow: definition },
      functions: {
        SubmitStepFunctionArn: async () => ({}),
        PublishStepFunctionArn: async () => ({}),
        CompleteSampleFunctionArn: async () => ({}),
        FailSampleFunctionArn: async (payload) => void failures.push(payload),
      },
    });
    // Act
    const { executionArn } = await service.startExecution({ stateMachine: 'slow', name: 'exec-4', input: { sample } });
    await service.waitForIdle();
    // Assess
    expect(await service.describeExecution(executionArn)).toMatchObject({ status: 'FAILED' });
    expect(failures).toMatchObject([{ error: { Error: 'States.Timeout' } }]);
  }, 10_000);

  it.each([
    {
      case: 'a Task no local function serves',
      functions: { SubmitStepFunctionArn: async () => ({}) },
      message: 'Task state "Publish qc" calls ${PublishStepFunctionArn}, which no local function serves',
    },
  ])('refuses to load a state machine with $case, naming the state', ({ functions, message }) => {
    expect(() => new LocalWorkflowService({ stateMachines: { demo: buildStateMachine(demoPipeline) }, functions })).toThrow(
      MissingLocalFunctionError,
    );
    expect(() => new LocalWorkflowService({ stateMachines: { demo: buildStateMachine(demoPipeline) }, functions })).toThrow(message);
  });

  it('refuses a Task without TimeoutSeconds (the interpreter would silently use 60 s)', () => {
    const definition = buildStateMachine(demoPipeline);
    delete (definition.States['Complete sample'] as { TimeoutSeconds?: number }).TimeoutSeconds;
    const functions = {
      SubmitStepFunctionArn: async () => ({}),
      PublishStepFunctionArn: async () => ({}),
      CompleteSampleFunctionArn: async () => ({}),
      FailSampleFunctionArn: async () => ({}),
    };
    expect(() => new LocalWorkflowService({ stateMachines: { demo: definition }, functions })).toThrow(
      'Task state "Complete sample" has no TimeoutSeconds',
    );
  });
});

describe('LocalWorkflowService: a function with a concurrency of its own', () => {
  /** A submission that takes 30 ms of work and answers its token at once; counts how many run at a time. */
  function limitedService(limit: number, giveWay?: () => Promise<void>) {
    const seen = { running: 0, most: 0, submitted: [] as string[] };
    let service!: LocalWorkflowService;
    service = new LocalWorkflowService({
      stateMachines: { demo: buildStateMachine(demoPipeline) },
      functions: {
        SubmitStepFunctionArn: async (payload) => {
          const { taskToken, step, sample: of } = payload as { taskToken: string; step: string; sample: { sampleId: string } };
          seen.most = Math.max(seen.most, ++seen.running);
          await new Promise((resolve) => setTimeout(resolve, 30));
          seen.running--;
          seen.submitted.push(`${of.sampleId}/${step}`);
          setImmediate(() => void service.sendTaskSuccess(taskToken, { step }).catch(() => undefined));
          return {};
        },
        PublishStepFunctionArn: async () => ({}),
        CompleteSampleFunctionArn: async () => ({}),
        FailSampleFunctionArn: async () => ({}),
      },
      functionConcurrency: { SubmitStepFunctionArn: limit },
      ...(giveWay && { giveWay: { SubmitStepFunctionArn: giveWay } }),
    });
    return { service, seen };
  }

  it('runs at most that many calls at once, the rest in order, and every execution still completes', async () => {
    // Prepare: 3 samples × the demo's 3 parallel steps = 9 submissions, 2 at a time
    const { service, seen } = limitedService(2);
    // Act
    const arns = await Promise.all(
      ['S1', 'S2', 'S3'].map(
        async (sampleId) =>
          (await service.startExecution({ stateMachine: 'demo', name: `exec-${sampleId}`, input: { sample: { ...sample, sampleId } } }))
            .executionArn,
      ),
    );
    await service.waitForIdle();
    // Assess
    expect(seen.most).toBe(2);
    expect(seen.submitted).toHaveLength(9);
    // In arrival order: every submission of the first sample before any of the last one's
    expect(seen.submitted.slice(0, 3).every((name) => name.startsWith('S1/'))).toBe(true);
    for (const arn of arns) expect(await service.describeExecution(arn)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('never calls a waiting one once the service stops: it runs again after the next start', async () => {
    // Prepare: one call at a time, the two other steps of the sample waiting
    const { service, seen } = limitedService(1);
    await service.startExecution({ stateMachine: 'demo', name: 'exec-stop', input: { sample } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    // Act
    await service.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Assess: the one running finished; the waiting ones never ran
    expect(seen.submitted).toHaveLength(1);
  });

  it('gives way first when told to: no call runs until what it waits for says so, then every one does', async () => {
    // Prepare: the way clears when the test says
    let clear!: () => void;
    const cleared = new Promise<void>((resolve) => (clear = resolve));
    let asked = 0;
    const { service, seen } = limitedService(2, () => {
      asked++;
      return cleared;
    });
    // Act
    const { executionArn } = await service.startExecution({ stateMachine: 'demo', name: 'exec-give-way', input: { sample } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Assess: all three submissions asked and none ran; once clear, all ran and the execution completed
    expect(asked).toBe(3);
    expect(seen.submitted).toEqual([]);
    clear();
    await service.waitForIdle();
    expect(seen.submitted).toHaveLength(3);
    expect(seen.most).toBe(2);
    expect(await service.describeExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED' });
  });
});
