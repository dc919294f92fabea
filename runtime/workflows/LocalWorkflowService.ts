import '../polyfills.ts';
import { createHash, randomBytes } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { listStateNames, listTaskStates } from '../../workflows/asl/listTaskStates.ts';
import type { StateMachineDefinition } from '../../workflows/asl/types.ts';
import type { ExecutionStatus, StartedExecution, StartExecutionInput, WorkflowService } from '../../seams/workflows/WorkflowService.ts';
import {
  DataLimitExceededError,
  ExecutionAlreadyExistsError,
  MissingLocalFunctionError,
  TaskDoesNotExistError,
  TaskFailedError,
  ValidationError,
} from './errors.ts';
import { PAYLOAD_CONSTRAINT, payloadBytes, STATES_PAYLOAD_MAX_BYTES } from './payloadSize.ts';
import { Places } from '../bus/Places.ts';

export type LocalFunction = (payload: unknown) => Promise<unknown>;

export interface LocalWorkflowServiceOptions {
  stateMachines: Record<string, StateMachineDefinition>;
  /** Placeholder name (without `${}`) → the in-process function that stands for that Lambda. */
  functions: Record<string, LocalFunction>;
  /**
   * Calls of these functions (by placeholder) running at once; the others wait in order. In AWS each task's Lambda
   * runs beside everything else; here all share one thread, and a step submission whose job cannot start at once
   * (its region full, or held) must not hold back the samples still being concluded and started. @default {}
   */
  functionConcurrency?: Partial<Record<string, number>>;
  /**
   * Before a call of these functions (by placeholder) takes its place, it awaits this: a function whose work can
   * wait gives way to more urgent work on the same thread (the runtime: step submissions to samples being
   * concluded and started). Only with a `functionConcurrency`. @default {}
   */
  giveWay?: Partial<Record<string, () => Promise<void>>>;
  region?: string;
}

interface Execution {
  arn: string;
  name: string;
  stateMachine: string;
  /** SHA-256 of the input: a repeated StartExecution is recognised without keeping every input of the day. */
  inputDigest: string;
  startDate: Date;
  status: ExecutionStatus;
  output?: unknown;
  error?: string;
  abort: () => void;
  done: Promise<void>;
}

interface WaitingTask {
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
}

/** What `$$.Task.Token` resolves to before the override swaps in a fresh token per task. */
const TOKEN_PLACEHOLDER = 'landfall-local-task-token';
const PLACEHOLDER_PATTERN = /^\$\{([A-Za-z0-9]+)\}$/;

/**
 * The embedded runtime's Step Functions: the SAME ASL the stacks deploy, run by aws-local-stepfunctions.
 * Every Task is overridden by state name with an in-process function — asserted at construction, since a
 * Task without an override would silently call real Lambda. `.waitForTaskToken` is done here: the override
 * issues a fresh token, invokes the function with it, and waits for sendTaskSuccess/Failure, exactly the
 * calls the job-state handler makes against Step Functions in AWS.
 *
 * Payloads are held to Step Functions' quota (payloadSize.ts) where this service sees them: StartExecution's
 * input and SendTaskSuccess's output (ValidationException), each task's input after Parameters and its result,
 * and the execution's output (States.DataLimitExceeded, which no catcher takes). A state's output after
 * ResultPath is not checked: the interpreter gives no hook there (AWS fails such a state; here only the
 * execution's output shows it).
 */
export class LocalWorkflowService implements WorkflowService {
  readonly #machines = new Map<string, { machine: StateMachine; overrides: Record<string, (input: unknown) => Promise<unknown>> }>();
  readonly #executions = new Map<string, Execution>();
  readonly #waiting = new Map<string, WaitingTask>();
  readonly #places: Record<string, Places> = {};
  readonly #region: string;
  #stopped = false;

  constructor(options: LocalWorkflowServiceOptions) {
    this.#region = options.region ?? 'local';
    for (const [name, definition] of Object.entries(options.stateMachines)) {
      const names = listStateNames(definition);
      const duplicate = names.find((stateName, index) => names.indexOf(stateName) !== index);
      if (duplicate) throw new MissingLocalFunctionError(name, duplicate, 'is not unique: local overrides are keyed by state name');
      const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
      for (const task of listTaskStates(definition)) {
        if (!task.state.TimeoutSeconds)
          throw new MissingLocalFunctionError(
            name,
            task.name,
            'has no TimeoutSeconds (the local interpreter would default to 60 s; AWS has none)',
          );
        const placeholder = PLACEHOLDER_PATTERN.exec(task.functionName ?? '')?.[1];
        const fn = placeholder ? this.#limited(placeholder, task.name, options) : undefined;
        if (!fn)
          throw new MissingLocalFunctionError(
            name,
            task.name,
            `calls ${task.functionName ?? task.resource}, which no local function serves`,
          );
        if (task.resource.endsWith('.waitForTaskToken'))
          overrides[task.name] = (input) =>
            this.#unlessStopped(task.name) ?? withinQuota(task.name, input, () => this.#callback(fn, input));
        else if (task.resource === 'arn:aws:states:::lambda:invoke')
          overrides[task.name] = (input) =>
            this.#unlessStopped(task.name) ??
            withinQuota(task.name, input, async () => ({ Payload: await fn(payloadOf(input)), StatusCode: 200 }));
        else
          throw new MissingLocalFunctionError(name, task.name, `uses resource ${task.resource}, which the embedded runtime does not run`);
      }
      this.#machines.set(name, { machine: new StateMachine(definition as never, { validationOptions: { checkArn: false } }), overrides });
    }
  }

  /**
   * Starts an execution, or answers the running one of the same name and input.
   *
   * @throws ValidationError (ValidationException) for an input over 262,144 bytes, before anything else, as AWS
   * @throws ExecutionAlreadyExistsError for the name of an execution with another input
   */
  async startExecution({ stateMachine, name, input }: StartExecutionInput): Promise<StartedExecution> {
    if (this.#stopped) throw new Error('the local workflow service is stopped');
    // The API model's constraint: checked before the state machine or the name is looked at.
    const body = JSON.stringify(input);
    const inputBytes = Buffer.byteLength(body, 'utf8');
    if (inputBytes > STATES_PAYLOAD_MAX_BYTES)
      throw new ValidationError('input', PAYLOAD_CONSTRAINT, `StartExecution ${stateMachine}/${name}: the input is ${inputBytes} bytes`);
    const machine = this.#machines.get(stateMachine);
    if (!machine) throw new Error(`no state machine ${stateMachine} (known: ${[...this.#machines.keys()].join(', ')})`);
    const inputDigest = createHash('sha256').update(body).digest('hex');
    const arn = `arn:aws:states:${this.#region}:000000000000:execution:${stateMachine}:${name}`;
    const existing = this.#executions.get(arn);
    if (existing) {
      // StartExecution is idempotent for the same name and input; a different input is refused.
      if (existing.inputDigest !== inputDigest) throw new ExecutionAlreadyExistsError(name);
      return { executionArn: arn, startDate: existing.startDate };
    }
    const startDate = new Date();
    const run = machine.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: machine.overrides as never },
      context: {
        Execution: { Id: arn, Name: name, RoleArn: 'arn:aws:iam::000000000000:role/local' },
        StateMachine: { Id: `arn:aws:states:${this.#region}:000000000000:stateMachine:${stateMachine}`, Name: stateMachine },
        Task: { Token: TOKEN_PLACEHOLDER },
      } as never,
    });
    const execution: Execution = {
      arn,
      name,
      stateMachine,
      inputDigest,
      startDate,
      status: 'RUNNING',
      abort: run.abort,
      done: Promise.resolve(),
    };
    execution.done = run.result
      .then(
        (output) => {
          // The last point where the interpreter shows state data: a state that grew past the quota through
          // its ResultPath failed in AWS where it grew; here the execution fails with the same error at its end.
          const outputBytes = payloadBytes(output);
          if (outputBytes > STATES_PAYLOAD_MAX_BYTES) {
            execution.status = 'FAILED';
            execution.error = new DataLimitExceededError(
              `The execution's output is ${outputBytes} bytes, over Step Functions' ${STATES_PAYLOAD_MAX_BYTES}-byte payload quota`,
            ).message;
            return;
          }
          execution.status = 'SUCCEEDED';
          execution.output = output;
        },
        (error: Error) => {
          execution.status =
            error.name === 'ExecutionAbortedError' ? 'ABORTED' : error.name === 'ExecutionTimeoutError' ? 'TIMED_OUT' : 'FAILED';
          execution.error = error.message;
        },
      )
      // A finished execution keeps what DescribeExecution answers; the interpreter's state goes with `abort`.
      .finally(() => (execution.abort = () => undefined));
    this.#executions.set(arn, execution);
    return { executionArn: arn, startDate };
  }

  /**
   * Completes a waiting task with `output`.
   *
   * @throws ValidationError (ValidationException) for an output over 262,144 bytes; the task keeps waiting, as in AWS
   * @throws TaskDoesNotExistError for a token no task waits on
   */
  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    const outputBytes = payloadBytes(output);
    if (outputBytes > STATES_PAYLOAD_MAX_BYTES)
      throw new ValidationError('output', PAYLOAD_CONSTRAINT, `SendTaskSuccess: the output is ${outputBytes} bytes`);
    const task = this.#waiting.get(taskToken);
    if (!task) throw new TaskDoesNotExistError(taskToken);
    this.#waiting.delete(taskToken);
    task.resolve(output);
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    const task = this.#waiting.get(taskToken);
    if (!task) throw new TaskDoesNotExistError(taskToken);
    this.#waiting.delete(taskToken);
    task.reject(new TaskFailedError(error, cause));
  }

  /** Aborts a running execution (status ABORTED, as StopExecution); its task waiting for a callback is let go. */
  async stopExecution(executionArn: string, cause: string): Promise<void> {
    const execution = this.#executions.get(executionArn);
    if (execution?.status !== 'RUNNING') return;
    execution.abort();
    await execution.done;
    execution.error ??= cause;
  }

  async describeExecution(executionArn: string) {
    const execution = this.#executions.get(executionArn);
    return execution ? { status: execution.status, output: execution.output, error: execution.error } : undefined;
  }

  listExecutions(): Array<{ executionArn: string; name: string; stateMachine: string; status: ExecutionStatus; startDate: Date }> {
    return [...this.#executions.values()].map(({ arn, name, stateMachine, status, startDate }) => ({
      executionArn: arn,
      name,
      stateMachine,
      status,
      startDate,
    }));
  }

  /** Resolves when no execution is running. */
  async waitForIdle(): Promise<void> {
    for (;;) {
      const running = [...this.#executions.values()].filter((execution) => execution.status === 'RUNNING');
      if (running.length === 0) return;
      await Promise.all(running.map((execution) => execution.done));
    }
  }

  /**
   * Aborts running executions and releases waiting tasks so nothing hangs, then waits for them at most
   * `timeoutMs` (abort alone does not cancel a task function already running: one busy under load must not
   * hold the runtime's shutdown; the next start's recovery resumes its sample). @default timeoutMs 2000
   */
  async stop(timeoutMs = 2000): Promise<void> {
    this.#stopped = true;
    for (const [token, task] of this.#waiting) {
      this.#waiting.delete(token);
      task.reject(new TaskFailedError('States.Runtime', 'the embedded runtime stopped'));
    }
    for (const execution of this.#executions.values()) if (execution.status === 'RUNNING') execution.abort();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#executions.values()].map((execution) => execution.done)),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** The function of `placeholder`, through its line when it has a concurrency of its own (checked for a stop once its turn comes). */
  #limited(placeholder: string, state: string, options: LocalWorkflowServiceOptions): LocalFunction | undefined {
    const fn = options.functions[placeholder];
    const limit = options.functionConcurrency?.[placeholder];
    if (!fn || !limit) return fn;
    const places = (this.#places[placeholder] ??= new Places(limit));
    const call: LocalFunction = (payload) => places.run(() => this.#unlessStopped(state) ?? fn(payload));
    const giveWay = options.giveWay?.[placeholder];
    if (!giveWay) return call;
    return async (payload) => {
      await giveWay();
      return call(payload);
    };
  }

  /**
   * Once the runtime is stopping, no task runs its function: a task failed by the stop would otherwise
   * reach the workflow's Catch and record the sample as FAILED, when it only has to be resumed by the next
   * start's recovery. Returns a rejection for the interpreter, or undefined to go on.
   */
  #unlessStopped(state: string): Promise<never> | undefined {
    return this.#stopped
      ? Promise.reject(new TaskFailedError('States.Runtime', `the embedded runtime is stopping; ${state} runs again after the next start`))
      : undefined;
  }

  async #callback(fn: LocalFunction, input: unknown): Promise<unknown> {
    const token = randomBytes(24).toString('base64url');
    const promise = new Promise<unknown>((resolve, reject) => this.#waiting.set(token, { resolve, reject }));
    // stop() may reject the task while `fn` (submitting the job) is still running, before anything awaits
    // `promise`: mark it handled so that is not an unhandled rejection (which ends the process). The
    // interpreter still receives the rejection when it awaits the returned promise.
    promise.catch(() => undefined);
    try {
      await fn(replaceToken(payloadOf(input), token));
    } catch (error) {
      this.#waiting.delete(token);
      throw error;
    }
    return promise;
  }
}

/**
 * Runs a task as Step Functions schedules it: its input (after Parameters) and its result within the payload
 * quota, else the task fails with States.DataLimitExceeded (the result's message is the one AWS gives).
 */
async function withinQuota(state: string, input: unknown, run: () => Promise<unknown>): Promise<unknown> {
  const inputBytes = payloadBytes(input);
  if (inputBytes > STATES_PAYLOAD_MAX_BYTES)
    throw new DataLimitExceededError(
      `The state/task '${state}' was scheduled with an input of ${inputBytes} bytes after Parameters, over Step Functions' ` +
        `${STATES_PAYLOAD_MAX_BYTES}-byte payload quota; its function was not called`,
    );
  const result = await run();
  const resultBytes = payloadBytes(result);
  if (resultBytes > STATES_PAYLOAD_MAX_BYTES)
    throw new DataLimitExceededError(
      `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit. ` +
        `(${resultBytes} bytes, over ${STATES_PAYLOAD_MAX_BYTES})`,
    );
  return result;
}

/** Lambda tasks carry their event as `Parameters.Payload`; the function receives only that. */
function payloadOf(input: unknown): unknown {
  return input && typeof input === 'object' && 'Payload' in input ? (input as { Payload: unknown }).Payload : input;
}

function replaceToken(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((item) => replaceToken(item, token));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, replaceToken(item, token)]));
  return value;
}
