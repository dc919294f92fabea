/**
 * What went wrong when deciding who is asking:
 * - `tokens-file`: `<state-dir>/tokens.json` cannot be read or is not a tokens file;
 * - `unauthenticated`: no token where one is required, or a token that matches nobody;
 * - `refused`: the identity may not read what it asked for (or its team left the config);
 * - `unknown-team`: the team asked for is not in the config.
 * The CLI turns `refused` and `unknown-team` into exit 1 and the others into exit 2 (cli/errors.ts), the dashboard into 403.
 */
export type IdentityProblem = 'tokens-file' | 'unauthenticated' | 'refused' | 'unknown-team';

/** An identity check that failed; the message is one line a person can act on, `cause` keeps what failed underneath. */
export class IdentityError extends Error {
  readonly problem: IdentityProblem;
  constructor(problem: IdentityProblem, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityError';
    this.problem = problem;
  }
}
