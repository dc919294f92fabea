import type { State, StateMachineDefinition } from './types.ts';

/**
 * Step Functions' quota "Maximum execution history size": 25,000 events per Standard execution; an execution
 * that reaches it fails (Step Functions developer guide, "Step Functions service quotas", quotas related to
 * state machine executions). Retries count: every attempt of a Task adds its own events.
 */
export const HISTORY_EVENT_LIMIT = 25_000;

/** What the generated machines may use of the limit in the worst case: the rest is headroom. */
export const HISTORY_EVENT_BUDGET = 24_000;

/**
 * History events one attempt of a Task state adds, at most: TaskScheduled, TaskStarted, TaskSubmitted (callback
 * tasks) and one of TaskSucceeded / TaskFailed / TaskTimedOut (HistoryEvent types, Step Functions API reference).
 */
export const EVENTS_PER_TASK_ATTEMPT = 4;

/** TaskStateEntered + TaskStateExited. */
const TASK_STATE_EVENTS = 2;
/** ParallelStateEntered, ParallelStateStarted, ParallelStateSucceeded or ParallelStateFailed, ParallelStateExited. */
const PARALLEL_STATE_EVENTS = 4;
/** FailStateEntered. */
const FAIL_STATE_EVENTS = 1;
/** ExecutionStarted + ExecutionSucceeded / ExecutionFailed. */
const EXECUTION_EVENTS = 2;

/** Attempts a Task may make in the worst case: the first, plus every retrier's MaxAttempts (each counts on its own). */
export function worstCaseAttempts(state: Extract<State, { Type: 'Task' }>): number {
  // ASL: MaxAttempts defaults to 3 when a retrier omits it.
  return 1 + (state.Retry ?? []).reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
}

/**
 * The most history events an execution of this definition can write: along the worst path through Next and
 * Catch transitions, every Task exhausting every retrier, every branch of a Parallel running in full (plus one
 * abort event per state when a sibling fails). An over-estimate by design: it bounds the real history.
 *
 * @throws Error on a cycle (the generated machines have none) or a transition to a missing state
 * @example worstCaseHistoryEvents(buildStateMachine(pipeline)) <= HISTORY_EVENT_BUDGET
 */
export function worstCaseHistoryEvents(definition: StateMachineDefinition): number {
  return EXECUTION_EVENTS + worstFrom(definition, definition.StartAt, new Set());
}

function worstFrom(machine: { States: Record<string, State> }, name: string, visiting: Set<string>): number {
  const state = machine.States[name];
  if (!state) throw new Error(`history budget: transition to a missing state "${name}"`);
  if (visiting.has(name)) throw new Error(`history budget: the definition loops through "${name}"; a loop has no worst case`);
  visiting.add(name);
  let own: number;
  let next: string[] = [];
  if (state.Type === 'Fail') own = FAIL_STATE_EVENTS;
  else if (state.Type === 'Task') {
    own = TASK_STATE_EVENTS + EVENTS_PER_TASK_ATTEMPT * worstCaseAttempts(state);
    next = [...(state.Next ? [state.Next] : []), ...(state.Catch ?? []).map((rule) => rule.Next)];
  } else {
    own =
      PARALLEL_STATE_EVENTS +
      state.Branches.reduce((sum, branch) => sum + worstFrom(branch, branch.StartAt, new Set()) + Object.keys(branch.States).length, 0);
    next = [...(state.Next ? [state.Next] : []), ...(state.Catch ?? []).map((rule) => rule.Next)];
  }
  const after = next.length === 0 ? 0 : Math.max(...next.map((target) => worstFrom(machine, target, visiting)));
  visiting.delete(name);
  return own + after;
}
