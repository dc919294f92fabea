import type { EvaluateOnExit } from '../../seams/jobs/JobService.ts';

/** How an attempt ended, as far as the retry decision cares. */
export interface AttemptOutcome {
  /** 1-based number of the attempt that just ended. */
  attempt: number;
  /** `retryStrategy.attempts` of the job. */
  maxAttempts: number;
  exitCode?: number;
  /** Attempt status reason, e.g. "Essential container in task exited" or "Host EC2 (instance i-…) terminated.". */
  statusReason: string;
  /** Container reason (AWS: e.g. "OutOfMemoryError: …"); the local executor rarely has one. */
  reason?: string;
  /** AWS Batch never retries an attempt that exceeded its timeout, whatever the strategy says. */
  timedOut?: boolean;
}

/**
 * AWS Batch's retry rule for one ended, unsuccessful attempt: RETRY while attempts remain, unless an
 * `evaluateOnExit` rule matches first (rules are tried in order; the first whose given fields all match
 * decides; with no match the job is retried). Timed-out attempts are never retried.
 *
 * @see https://docs.aws.amazon.com/batch/latest/APIReference/API_EvaluateOnExit.html
 * @example
 * decideAttemptAction({ attempt: 1, maxAttempts: 3, exitCode: 1, statusReason: 'Essential container in task exited' });
 * // 'RETRY'
 */
export function decideAttemptAction(outcome: AttemptOutcome, evaluateOnExit: readonly EvaluateOnExit[] = []): 'RETRY' | 'EXIT' {
  if (outcome.timedOut || outcome.attempt >= outcome.maxAttempts) return 'EXIT';
  for (const rule of evaluateOnExit) {
    if (ruleMatches(rule, outcome)) return rule.action.toUpperCase() === 'EXIT' ? 'EXIT' : 'RETRY';
  }
  return 'RETRY';
}

function ruleMatches(rule: EvaluateOnExit, outcome: AttemptOutcome): boolean {
  if (rule.onExitCode !== undefined && !globMatches(rule.onExitCode, outcome.exitCode === undefined ? undefined : String(outcome.exitCode)))
    return false;
  if (rule.onStatusReason !== undefined && !globMatches(rule.onStatusReason, outcome.statusReason)) return false;
  if (rule.onReason !== undefined && !globMatches(rule.onReason, outcome.reason)) return false;
  return true;
}

/** Batch patterns are exact, or a prefix when they end with `*` (a lone `*` matches anything, even a missing value). */
function globMatches(pattern: string, value: string | undefined): boolean {
  if (pattern === '*') return true;
  if (value === undefined) return false;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}
