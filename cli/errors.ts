import { IdentityError } from '../runtime/identity/errors.ts';

/** Exit codes: 0 ok, 1 failed or invalid, 2 usage or environment error. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** An error the CLI reports as one clear line and an exit code; `cause` keeps what went wrong underneath. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/**
 * The exit code for an error the CLI explains in one line (its message), or undefined for anything else
 * (a bug: reported with its stack). An identity refused is a failure (1); every other identity problem is
 * a usage error (2): a missing or unknown token, an unreadable tokens file, an unknown team.
 */
export function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof IdentityError) return error.problem === 'refused' ? EXIT.failed : EXIT.usage;
  return undefined;
}
