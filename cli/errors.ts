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
