import { describe, expect, it } from 'vitest';
import type { EvaluateOnExit } from '../../../seams/jobs/JobService.ts';
import { decideAttemptAction, type AttemptOutcome } from '../../../runtime/executor/decideAttemptAction.ts';

const EXITED = 'Essential container in task exited';
const SPOT = 'Host EC2 (instance i-0123456789abcdef0) terminated.';

describe('decideAttemptAction', () => {
  it.each<{ case: string; outcome: AttemptOutcome; rules?: EvaluateOnExit[]; expected: 'RETRY' | 'EXIT' }>([
    { case: 'attempts remain, no rules', outcome: { attempt: 1, maxAttempts: 2, exitCode: 1, statusReason: EXITED }, expected: 'RETRY' },
    { case: 'last attempt', outcome: { attempt: 2, maxAttempts: 2, exitCode: 1, statusReason: EXITED }, expected: 'EXIT' },
    { case: 'single attempt', outcome: { attempt: 1, maxAttempts: 1, exitCode: 1, statusReason: EXITED }, expected: 'EXIT' },
    {
      case: 'timed out, attempts remain',
      outcome: { attempt: 1, maxAttempts: 5, statusReason: 'Job attempt duration exceeded timeout', timedOut: true },
      expected: 'EXIT',
    },
    {
      case: 'exact exit code rule EXIT',
      outcome: { attempt: 1, maxAttempts: 3, exitCode: 65, statusReason: EXITED },
      rules: [{ onExitCode: '65', action: 'EXIT' }],
      expected: 'EXIT',
    },
    {
      case: 'exit code rule does not match',
      outcome: { attempt: 1, maxAttempts: 3, exitCode: 1, statusReason: EXITED },
      rules: [{ onExitCode: '65', action: 'EXIT' }],
      expected: 'RETRY',
    },
    {
      case: 'exit code prefix rule',
      outcome: { attempt: 1, maxAttempts: 3, exitCode: 137, statusReason: EXITED },
      rules: [{ onExitCode: '13*', action: 'EXIT' }],
      expected: 'EXIT',
    },
    {
      case: 'retry on spot only, then exit on anything',
      outcome: { attempt: 1, maxAttempts: 3, statusReason: SPOT },
      rules: [
        { onStatusReason: 'Host EC2*', action: 'RETRY' },
        { onReason: '*', action: 'EXIT' },
      ],
      expected: 'RETRY',
    },
    {
      case: 'retry on spot only, application error exits',
      outcome: { attempt: 1, maxAttempts: 3, exitCode: 1, statusReason: EXITED },
      rules: [
        { onStatusReason: 'Host EC2*', action: 'RETRY' },
        { onReason: '*', action: 'EXIT' },
      ],
      expected: 'EXIT',
    },
    {
      case: 'all given fields must match',
      outcome: { attempt: 1, maxAttempts: 3, exitCode: 1, statusReason: EXITED },
      rules: [{ onExitCode: '1', onStatusReason: 'Host EC2*', action: 'EXIT' }],
      expected: 'RETRY',
    },
    {
      case: 'exit code rule cannot match a missing exit code',
      outcome: { attempt: 1, maxAttempts: 3, statusReason: SPOT },
      rules: [{ onExitCode: '1*', action: 'EXIT' }],
      expected: 'RETRY',
    },
    {
      case: 'RETRY rule cannot exceed attempts',
      outcome: { attempt: 3, maxAttempts: 3, exitCode: 1, statusReason: EXITED },
      rules: [{ onExitCode: '*', action: 'RETRY' }],
      expected: 'EXIT',
    },
  ])('$case → $expected', ({ outcome, rules, expected }) => {
    // Act
    const action = decideAttemptAction(outcome, rules);

    // Assess
    expect(action).toBe(expected);
  });
});

describe('decideAttemptAction with the step jobs rules (STEP_RETRY_RULES)', () => {
  it.each([
    {
      case: 'spot interruption',
      outcome: { attempt: 1, maxAttempts: 2, exitCode: 137, statusReason: 'Host EC2 (instance i-0123456789abcdef0) terminated.' },
      action: 'RETRY',
    },
    {
      case: 'application error',
      outcome: { attempt: 1, maxAttempts: 2, exitCode: 65, statusReason: 'Essential container in task exited' },
      action: 'EXIT',
    },
    {
      case: 'crash without exit code',
      outcome: { attempt: 1, maxAttempts: 3, statusReason: 'CannotStartContainerError: no such file' },
      action: 'EXIT',
    },
    {
      case: 'spot interruption on the last attempt',
      outcome: { attempt: 2, maxAttempts: 2, statusReason: 'Host EC2 (instance i-0abc) terminated.' },
      action: 'EXIT',
    },
  ])('$case → $action', async ({ outcome, action }) => {
    // Prepare
    const { STEP_RETRY_RULES } = await import('../../../functions/workflow/submitStepJob.ts');
    // Act
    const decided = decideAttemptAction(outcome, STEP_RETRY_RULES);
    // Assess
    expect(decided).toBe(action);
  });
});
