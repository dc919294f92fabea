import { FastqFormatError, FastqGzipError } from '../fastq/errors.ts';

/** Base error of the step programs (`qc`, `trim`). */
export class StepError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepError';
  }
}

/** The step was called wrongly (missing or invalid options, unknown CLI flag). Retrying cannot help. */
export class StepUsageError extends StepError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepUsageError';
  }
}

/**
 * An input file is not valid FASTQ (or not valid gzip). The message starts with `<file>:<line>:`.
 * Retrying cannot help: the data must be fixed or re-uploaded.
 */
export class StepInputError extends StepError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StepInputError';
    this.file = file;
    this.line = line;
  }
}

/** R1 and R2 disagree: a read name differs, or one file has more records than the other. */
export class MatePairingError extends StepInputError {
  readonly r2File: string;
  readonly r2Line: number;
  constructor(r1: { file: string; line: number }, r2: { file: string; line: number }, message: string) {
    super(r1.file, r1.line, message);
    this.name = 'MatePairingError';
    this.r2File = r2.file;
    this.r2Line = r2.line;
  }
}

/** Exit code for the step CLIs, from sysexits.h, so Batch `evaluateOnExit` can decline to retry bad data. */
export const EXIT_USAGE = 64;
/** @see EXIT_USAGE */
export const EXIT_DATA = 65;

/**
 * Map an error to the step process's exit code: 64 usage, 65 bad input data, 1 anything else
 * (worth a retry: disk full, killed host, …).
 *
 * @example
 * main().catch((err) => { console.error(err.message); process.exitCode = exitCodeFor(err); });
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof StepUsageError) return EXIT_USAGE;
  if (err instanceof StepInputError) return EXIT_DATA;
  return 1;
}

/**
 * Re-throw FASTQ format and gzip errors as {@link StepInputError} (same message, original as
 * `cause`), so callers need one class to recognise bad input; everything else passes unchanged.
 * @internal
 */
export function asStepError(err: unknown): unknown {
  if (err instanceof FastqFormatError || err instanceof FastqGzipError) {
    return new StepInputError(err.file, err.line, err.message, { cause: err });
  }
  return err;
}
