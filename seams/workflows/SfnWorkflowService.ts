import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { ExecutionStatus, StartedExecution, StartExecutionInput, WorkflowService } from './WorkflowService.ts';

/**
 * The AWS side of the workflow seam: Step Functions. StartExecution is idempotent for the same name and
 * input; a repeat with the same name answers ExecutionAlreadyExists when the input differs, which this
 * service resolves by describing the existing execution and comparing inputs.
 */
export class SfnWorkflowService implements WorkflowService {
  readonly #client: SFNClient;
  readonly #stateMachineArns: Record<string, string>;

  constructor(stateMachineArns: Record<string, string>, client: SFNClient = new SFNClient({})) {
    this.#stateMachineArns = stateMachineArns;
    this.#client = client;
  }

  async startExecution({ stateMachine, name, input }: StartExecutionInput): Promise<StartedExecution> {
    const stateMachineArn = this.#stateMachineArns[stateMachine];
    if (!stateMachineArn)
      throw new Error(`no deployed state machine for pipeline ${stateMachine} (known: ${Object.keys(this.#stateMachineArns).join(', ')})`);
    const body = JSON.stringify(input);
    try {
      const started = await this.#client.send(new StartExecutionCommand({ stateMachineArn, name, input: body }));
      return { executionArn: started.executionArn!, startDate: started.startDate ?? new Date() };
    } catch (error) {
      if (!(error instanceof ExecutionAlreadyExists)) throw error;
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = await this.#client.send(new DescribeExecutionCommand({ executionArn }));
      if (existing.input !== body) throw error;
      return { executionArn, startDate: existing.startDate ?? new Date() };
    }
  }

  async sendTaskSuccess(taskToken: string, output: unknown): Promise<void> {
    await this.#client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  }

  async sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void> {
    // Step Functions limits error to 256 and cause to 32768 characters.
    await this.#client.send(new SendTaskFailureCommand({ taskToken, error: error.slice(0, 256), cause: cause.slice(0, 32_768) }));
  }

  async stopExecution(executionArn: string, cause: string): Promise<void> {
    try {
      await this.#client.send(new StopExecutionCommand({ executionArn, cause: cause.slice(0, 32_768) }));
    } catch (error) {
      if ((error as { name?: string }).name !== 'ExecutionDoesNotExist') throw error;
    }
  }

  async describeExecution(executionArn: string) {
    try {
      const described = await this.#client.send(new DescribeExecutionCommand({ executionArn }));
      return {
        status: described.status as ExecutionStatus,
        output: described.output ? JSON.parse(described.output) : undefined,
        error: described.error,
      };
    } catch (error) {
      if ((error as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
      throw error;
    }
  }
}
