import type { State, StateMachineDefinition, TaskState } from './types.ts';

export interface TaskStateInfo {
  name: string;
  state: TaskState;
  resource: string;
  /** `Parameters.FunctionName` for Lambda tasks (a placeholder before deploy). */
  functionName?: string;
}

/** Every Task state of a definition, including those inside Parallel branches, with its name. */
export function listTaskStates(definition: { States: Record<string, State> }): TaskStateInfo[] {
  const tasks: TaskStateInfo[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Task')
      tasks.push({ name, state, resource: state.Resource, functionName: state.Parameters?.FunctionName as string | undefined });
    if (state.Type === 'Parallel') for (const branch of state.Branches) tasks.push(...listTaskStates(branch));
  }
  return tasks;
}

/** Every state name, branches included; the local interpreter keys overrides by name, so they must be unique. */
export function listStateNames(definition: StateMachineDefinition | { States: Record<string, State> }): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    name,
    ...(state.Type === 'Parallel' ? state.Branches.flatMap(listStateNames) : []),
  ]);
}
