/** The subset of the Amazon States Language (JSONPath) Landfall's builders emit. */
export interface TaskState {
  Type: 'Task';
  Comment?: string;
  Resource: string;
  Parameters?: Record<string, unknown>;
  ResultSelector?: Record<string, unknown>;
  ResultPath?: string | null;
  TimeoutSeconds: number;
  HeartbeatSeconds?: number;
  Retry?: Array<{
    ErrorEquals: string[];
    IntervalSeconds?: number;
    MaxAttempts?: number;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
    JitterStrategy?: 'FULL' | 'NONE';
  }>;
  Catch?: Array<{ ErrorEquals: string[]; ResultPath?: string | null; Next: string }>;
  Next?: string;
  End?: true;
}

export interface ParallelState {
  Type: 'Parallel';
  Comment?: string;
  Branches: Array<{ StartAt: string; States: Record<string, State> }>;
  ResultPath?: string | null;
  Catch?: TaskState['Catch'];
  Next?: string;
  End?: true;
}

export interface FailState {
  Type: 'Fail';
  Error: string;
  Cause?: string;
}

export type State = TaskState | ParallelState | FailState;

export interface StateMachineDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, State>;
}
