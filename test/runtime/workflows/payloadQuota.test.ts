/**
 * Step Functions' payload quota (262,144 bytes of UTF-8 JSON) on the local service, through the real ASL: what
 * AWS refuses is refused here, with the error AWS gives (a 1,200-chunk MinKNOW sample started locally and
 * could not have started in AWS).
 */
import { describe, expect, it } from 'vitest';
import { DataLimitExceededError, ValidationError } from '../../../runtime/workflows/errors.ts';
import { LocalWorkflowService, type LocalFunction } from '../../../runtime/workflows/LocalWorkflowService.ts';
import { payloadBytes, STATES_PAYLOAD_MAX_BYTES } from '../../../runtime/workflows/payloadSize.ts';
import { buildStateMachine } from '../../../workflows/asl/buildStateMachine.ts';
import { definePipeline } from '../../../workflows/pipeline.ts';
import type { StateMachineDefinition } from '../../../workflows/asl/types.ts';

const sample = { team: 'genomics', runId: 'R1', sampleId: 'S1', version: 1 };
const pipeline = definePipeline({
  name: 'one',
  version: '1',
  description: 'one step',
  steps: [{ name: 'qc', description: 'qc', vcpus: 1, memoryMiB: 512, timeoutSeconds: 60, image: 'landfall', command: ['true'] }],
});
/** A machine without tasks, so an input at the quota can run to its end (a task would add to it). */
const passThrough: StateMachineDefinition = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } } as never;
const AWS_INPUT_MESSAGE =
  "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have size less than or equal to 262144 bytes in UTF-8 encoding";

/** `{ ...fields, pad: 'x…' }` of exactly `size` bytes as JSON. */
function ofSize(size: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fields, pad: 'x'.repeat(size - payloadBytes({ ...fields, pad: '' })) };
}

/** The one-step pipeline with in-test functions; the job's callback answers `jobOutput`, publish returns `publishResult`. */
function oneStep(options: { jobOutput?: unknown; publishResult?: unknown } = {}) {
  const calls: string[] = [];
  const tokens: string[] = [];
  let service!: LocalWorkflowService;
  const record =
    (name: string, result?: unknown): LocalFunction =>
    async () => {
      calls.push(name);
      return result;
    };
  service = new LocalWorkflowService({
    stateMachines: { one: buildStateMachine(pipeline), passThrough },
    functions: {
      SubmitStepFunctionArn: async (payload) => {
        const { taskToken } = payload as { taskToken: string };
        calls.push('submit');
        tokens.push(taskToken);
        if (options.jobOutput !== undefined) setTimeout(() => void service.sendTaskSuccess(taskToken, options.jobOutput), 10);
        return { jobId: 'job' };
      },
      PublishStepFunctionArn: record('publish', options.publishResult),
      CompleteSampleFunctionArn: record('complete'),
      FailSampleFunctionArn: record('fail'),
    },
  });
  return { service, calls, tokens };
}

describe('LocalWorkflowService payload quota', () => {
  describe('Method: startExecution', () => {
    it('starts an execution whose input is exactly 262,144 bytes, and runs it to its end', async () => {
      // Prepare
      const { service } = oneStep();
      const input = ofSize(STATES_PAYLOAD_MAX_BYTES, { sample });
      // Act
      const { executionArn } = await service.startExecution({ stateMachine: 'passThrough', name: 'at-quota', input });
      await service.waitForIdle();
      // Assess
      expect(payloadBytes(input)).toBe(262_144);
      expect(await service.describeExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED', output: input });
    });

    it.each([
      { case: 'one byte over', input: ofSize(STATES_PAYLOAD_MAX_BYTES + 1, { sample }), underInCharacters: false },
      { case: 'under in characters, over in UTF-8 bytes', input: { sample, pad: 'é'.repeat(131_060) }, underInCharacters: true },
    ])('refuses an input $case with ValidationException, starting nothing', async ({ input, underInCharacters }) => {
      // Prepare
      const { service, calls } = oneStep();
      // Act
      const refused = await service.startExecution({ stateMachine: 'one', name: 'over', input }).then(
        () => undefined,
        (error: unknown) => error,
      );
      // Assess
      const bytes = payloadBytes(input);
      expect(JSON.stringify(input).length <= STATES_PAYLOAD_MAX_BYTES).toBe(underInCharacters);
      expect(refused).toBeInstanceOf(ValidationError);
      expect(refused).toMatchObject({ name: 'ValidationException', member: 'input' });
      expect((refused as Error).message).toBe(`${AWS_INPUT_MESSAGE} (StartExecution one/over: the input is ${bytes} bytes)`);
      expect(service.listExecutions()).toEqual([]);
      expect(calls).toEqual([]);
    });

    it('refuses an oversized input before looking the state machine up, as AWS validates first', async () => {
      const { service } = oneStep();
      await expect(
        service.startExecution({ stateMachine: 'unknown', name: 'x', input: ofSize(STATES_PAYLOAD_MAX_BYTES + 1) }),
      ).rejects.toThrow(ValidationError);
    });
  });

  describe('Method: sendTaskSuccess', () => {
    it('refuses an output over the quota with ValidationException, and the task keeps waiting for a good one', async () => {
      // Prepare
      const { service, calls, tokens } = oneStep();
      const { executionArn } = await service.startExecution({ stateMachine: 'one', name: 'callback', input: { sample } });
      while (tokens.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      // Act
      const refused = service.sendTaskSuccess(tokens[0]!, ofSize(STATES_PAYLOAD_MAX_BYTES + 1));
      await expect(refused).rejects.toMatchObject({ name: 'ValidationException', member: 'output' });
      await service.sendTaskSuccess(tokens[0]!, ofSize(STATES_PAYLOAD_MAX_BYTES - 1_000));
      await service.waitForIdle();
      // Assess
      expect(await service.describeExecution(executionArn)).toMatchObject({ status: 'SUCCEEDED' });
      expect(calls).toEqual(['submit', 'publish', 'complete']);
    });
  });

  describe('Tasks (States.DataLimitExceeded: no retrier or States.ALL catcher takes it)', () => {
    /** Publish's result is `{ Payload, StatusCode }` as lambda:invoke returns it: its Payload sized so the whole is `size`. */
    const publishResultOfSize = (size: number) =>
      ofSize(size - payloadBytes({ Payload: { pad: '' }, StatusCode: 200 }) + payloadBytes({ pad: '' }));

    it.each([
      { case: 'exactly the quota passes', size: STATES_PAYLOAD_MAX_BYTES, status: 'SUCCEEDED', calls: ['submit', 'publish', 'complete'] },
      {
        case: 'one byte over fails the execution, not caught into Record sample failure',
        size: STATES_PAYLOAD_MAX_BYTES + 1,
        status: 'FAILED',
        calls: ['submit', 'publish'],
      },
    ])('a Lambda result of $case', async ({ size, status, calls: expected }) => {
      // Prepare
      const { service, calls } = oneStep({ jobOutput: { step: 'qc' }, publishResult: publishResultOfSize(size) });
      // Act
      const { executionArn } = await service.startExecution({ stateMachine: 'one', name: 'result', input: { sample } });
      await service.waitForIdle();
      // Assess
      const described = await service.describeExecution(executionArn);
      expect(described?.status).toBe(status);
      expect(calls).toEqual(expected);
      if (status === 'FAILED')
        expect(described?.error).toContain(
          "The state/task 'Publish qc' returned a result with a size exceeding the maximum number of bytes service limit. (262145 bytes",
        );
    });

    it('fails a task whose input after Parameters is over the quota without calling its function', async () => {
      // Prepare: the sample and the job's callback output are each under the quota; Publish's Payload carries both
      const { service, calls } = oneStep({ jobOutput: ofSize(140_000, { step: 'qc' }) });
      // Act
      const { executionArn } = await service.startExecution({
        stateMachine: 'one',
        name: 'input',
        input: { sample: ofSize(140_000, sample) },
      });
      await service.waitForIdle();
      // Assess
      const described = await service.describeExecution(executionArn);
      expect(described?.status).toBe('FAILED');
      expect(described?.error).toMatch(/The state\/task 'Publish qc' was scheduled with an input of \d+ bytes after Parameters/);
      expect(calls).toEqual(['submit']);
    });

    it('fails an execution whose output is over the quota (a state grown past it shows there)', async () => {
      // Prepare: a Pass state whose Result alone is over the quota
      const grows = { StartAt: 'Grow', States: { Grow: { Type: 'Pass', Result: ofSize(STATES_PAYLOAD_MAX_BYTES + 1), End: true } } };
      const service = new LocalWorkflowService({ stateMachines: { grows: grows as never }, functions: {} });
      // Act
      const { executionArn } = await service.startExecution({ stateMachine: 'grows', name: 'grows', input: {} });
      await service.waitForIdle();
      // Assess
      expect(await service.describeExecution(executionArn)).toEqual({
        status: 'FAILED',
        output: undefined,
        error: "The execution's output is 262145 bytes, over Step Functions' 262144-byte payload quota",
      });
    });

    it('is an error the interpreter neither retries nor catches', () => {
      const error = new DataLimitExceededError('x');
      expect(error).toMatchObject({ name: 'States.DataLimitExceeded', isRetryable: false, isCatchable: false });
    });
  });
});
