export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface StartExecutionInput {
  /** Logical state machine name (the pipeline's), resolved to an ARN by the implementation. */
  stateMachine: string;
  /** Deterministic execution name: StartExecution with the same name and input is idempotent. */
  name: string;
  input: Record<string, unknown>;
}

export interface StartedExecution {
  executionArn: string;
  startDate: Date;
}

/**
 * Workflow seam: Step Functions in AWS, aws-local-stepfunctions on the embedded runtime.
 * Callback tasks (`.waitForTaskToken`) are completed through sendTaskSuccess/Failure on both.
 */
export interface WorkflowService {
  startExecution(input: StartExecutionInput): Promise<StartedExecution>;
  sendTaskSuccess(taskToken: string, output: unknown): Promise<void>;
  sendTaskFailure(taskToken: string, error: string, cause: string): Promise<void>;
  /** Stops a running execution (StopExecution: its status becomes ABORTED); a finished or unknown one is left as it is. */
  stopExecution(executionArn: string, cause: string): Promise<void>;
  describeExecution(executionArn: string): Promise<{ status: ExecutionStatus; output?: unknown; error?: string } | undefined>;
}
