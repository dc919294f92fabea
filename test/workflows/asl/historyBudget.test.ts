/**
 * Issue 18 defect 5: the "every queue full" retry allowed 2,000 attempts per step, each writing history events,
 * so a few steps waiting in one execution passed Step Functions' 25,000-event history limit. The attempts are
 * now derived from the limit; these tests compute the worst-case history of every generated state machine.
 */
import { describe, expect, it } from 'vitest';
import { definePipeline, type Pipeline, PipelineError } from '../../../workflows/pipeline.ts';
import {
  buildRunStateMachine,
  buildStateMachine,
  MIN_QUEUES_FULL_ATTEMPTS,
  QUEUES_FULL_ERROR,
  stateMachinesOf,
} from '../../../workflows/asl/buildStateMachine.ts';
import { HISTORY_EVENT_BUDGET, HISTORY_EVENT_LIMIT, worstCaseHistoryEvents } from '../../../workflows/asl/historyBudget.ts';
import { listTaskStates } from '../../../workflows/asl/listTaskStates.ts';
import type { StateMachineDefinition, TaskState } from '../../../workflows/asl/types.ts';
import { builtInPipelines } from '../../../workflows/pipelines/index.ts';

const step = (name: string, needs: string[] = [], scope: 'sample' | 'run' = 'sample') => ({
  name,
  description: name,
  needs,
  scope,
  vcpus: 1,
  memoryMiB: 256,
  timeoutSeconds: 60,
  attempts: 3,
  image: 'debian:bookworm-slim',
  command: ['true'],
});
const pipeline = (name: string, steps: ReturnType<typeof step>[]): Pipeline =>
  definePipeline({ name, version: '1', description: name, steps });
const chain = (length: number) => Array.from({ length }, (_, i) => step(`s${i}`, i === 0 ? [] : [`s${i - 1}`]));
const wide = (width: number) => [step('first'), ...Array.from({ length: width }, (_, i) => step(`w${i}`, ['first']))];

const SHAPES: Array<{ case: string; pipeline: Pipeline }> = [
  ...Object.values(builtInPipelines).map((p) => ({ case: `built-in ${p.name}`, pipeline: p })),
  { case: '12 steps side by side', pipeline: pipeline('wide', wide(12)) },
  { case: 'a chain of 40 steps', pipeline: pipeline('chain', chain(40)) },
  {
    case: 'sample steps and run steps',
    pipeline: pipeline('mixed', [step('qc'), step('trim', ['qc']), step('report', [], 'run'), step('summary', ['report'], 'run')]),
  },
];

describe('worst-case execution history', () => {
  it('counts a hand-built machine as the history events Step Functions writes, every retry exhausted', () => {
    const machine: StateMachineDefinition = {
      StartAt: 'A',
      States: {
        // 2 state events + 4 per attempt × (1 + 2 retries) = 14; then the worse of B (6) and F (1).
        A: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          TimeoutSeconds: 1,
          Retry: [{ ErrorEquals: ['X'], MaxAttempts: 2 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'F' }],
          Next: 'P',
        },
        // 4 parallel events + each branch (6, plus 1 abort allowance) = 18; then B.
        P: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'B1', States: { B1: { Type: 'Task', Resource: 'r', TimeoutSeconds: 1, End: true } } },
            { StartAt: 'B2', States: { B2: { Type: 'Task', Resource: 'r', TimeoutSeconds: 1, End: true } } },
          ],
          Next: 'B',
        },
        B: { Type: 'Task', Resource: 'r', TimeoutSeconds: 1, End: true },
        F: { Type: 'Fail', Error: 'E' },
      },
    };
    // 2 execution events + A 14 + P 18 + B 6.
    expect(worstCaseHistoryEvents(machine)).toBe(2 + 14 + 18 + 6);
    // A retrier without MaxAttempts retries 3 times (ASL default).
    const defaulted = structuredClone(machine);
    (defaulted.States.A as TaskState).Retry = [{ ErrorEquals: ['X'] }];
    expect(worstCaseHistoryEvents(defaulted)).toBe(2 + (2 + 4 * 4) + 18 + 6);
  });

  it.each(SHAPES)('stays under the history limit for $case, every machine, every step still waiting out full queues', ({ pipeline: p }) => {
    const machines = stateMachinesOf([p]);
    expect(Object.keys(machines).length).toBeGreaterThan(0);
    for (const [name, machine] of Object.entries(machines)) {
      const worst = worstCaseHistoryEvents(machine);
      expect(worst, name).toBeLessThanOrEqual(HISTORY_EVENT_BUDGET);
      expect(HISTORY_EVENT_BUDGET).toBeLessThan(HISTORY_EVENT_LIMIT);
      const retriers = listTaskStates(machine).flatMap(
        (task) => task.state.Retry?.filter((r) => r.ErrorEquals.includes(QUEUES_FULL_ERROR)) ?? [],
      );
      expect(retriers.length, name).toBeGreaterThan(0);
      for (const retrier of retriers) expect(retrier.MaxAttempts, name).toBeGreaterThanOrEqual(MIN_QUEUES_FULL_ATTEMPTS);
      // The budget is used, not wasted: one more attempt per step would pass it.
      expect(worst + 4 * retriers.length, name).toBeGreaterThan(HISTORY_EVENT_BUDGET);
    }
  });

  it('refuses a pipeline with too many steps for its executions to wait out full queues, naming the limit', () => {
    expect(() => buildStateMachine(pipeline('huge', chain(400)))).toThrow(PipelineError);
    expect(() => buildStateMachine(pipeline('huge', chain(400)))).toThrow(/400 steps in one execution.*at most 25000 history events/);
    expect(() => buildRunStateMachine(pipeline('huge-run', [step('r0', [], 'run'), ...chain(1)]))).not.toThrow();
  });
});
