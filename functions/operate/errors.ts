/**
 * Why a person's request (reprocess, cancel, logs, a read by name) was not accepted: said before anything
 * is done, so nothing reaches a dead letter. `unknown`: a team, run, sample, step or pipeline that does not
 * exist (the message lists the known names); `refused`: it exists but the request cannot apply to it now.
 * The control API answers 404 / 409 with the message; the CLI prints it and exits 1.
 */
export class RequestError extends Error {
  readonly problem: 'unknown' | 'refused';
  constructor(problem: 'unknown' | 'refused', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RequestError';
    this.problem = problem;
  }
}

/** Names listed in a message at most; the rest are counted. */
const NAMES_LISTED = 20;

/** "a, b, c" (at most {@link NAMES_LISTED}, then "and N more"), or "none" for an empty list. */
export function knownNames(names: readonly string[]): string {
  if (names.length === 0) return 'none';
  const sorted = [...names].sort();
  const shown = sorted.slice(0, NAMES_LISTED).join(', ');
  return sorted.length > NAMES_LISTED ? `${shown} and ${sorted.length - NAMES_LISTED} more` : shown;
}
