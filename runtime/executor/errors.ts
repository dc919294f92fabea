/** Base error of the local Batch executor; `cause` keeps the underlying failure. */
export class ExecutorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutorError';
  }
}

/** A submitted job spec that AWS Batch would reject (or that can never run here); nothing was queued. */
export class JobSpecError extends ExecutorError {
  readonly jobName: string;
  readonly field: string;
  constructor(jobName: string, field: string, expected: string, found: unknown) {
    super(`job ${JSON.stringify(jobName)}: ${field} must be ${expected}, found ${JSON.stringify(found)}`);
    this.name = 'JobSpecError';
    this.jobName = jobName;
    this.field = field;
  }
}

/** The executor is not in a state that allows the call (stopped, or a region it does not know). */
export class ExecutorStateError extends ExecutorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ExecutorStateError';
  }
}

/** `<stateDir>/executor/running.json` exists but cannot be read as the executor wrote it. */
export class RunningFileError extends ExecutorError {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}; it lists job process groups of a previous run — remove it once no job processes are left`, options);
    this.name = 'RunningFileError';
    this.file = file;
  }
}
