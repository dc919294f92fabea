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
 * (a bug: reported with its stack). One rule for names (issue 19): an unknown team, run, sample, step or
 * pipeline is a failure (1) whose message lists the known names, like an identity refused; the other
 * identity problems are usage errors (2): a missing or unknown token, an unreadable tokens file. A domain
 * RequestError (functions/operate/errors.ts) is matched by name, so loading this module loads no domain code.
 */
export function exitCodeOf(error: unknown): number | undefined {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof IdentityError) return error.problem === 'refused' || error.problem === 'unknown-team' ? EXIT.failed : EXIT.usage;
  if (error instanceof Error && error.name === 'RequestError') return EXIT.failed;
  return undefined;
}
