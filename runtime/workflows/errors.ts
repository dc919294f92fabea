/** Base error of the local workflow service; names match the Step Functions API errors where one exists. */
export class LocalWorkflowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalWorkflowError';
  }
}

/** StartExecution with an existing name but a different input (AWS: ExecutionAlreadyExists). */
export class ExecutionAlreadyExistsError extends LocalWorkflowError {
  constructor(name: string) {
    super(`execution ${name} already exists with a different input`);
    this.name = 'ExecutionAlreadyExists';
  }
}

/** A task token that is unknown or already completed (AWS: TaskDoesNotExist). */
export class TaskDoesNotExistError extends LocalWorkflowError {
  constructor(token: string) {
    super(`no waiting task has token ${token.slice(0, 12)}…`);
    this.name = 'TaskDoesNotExist';
  }
}

/** A Task state no local function serves: refusing it keeps anything from falling through to real Lambda. */
export class MissingLocalFunctionError extends LocalWorkflowError {
  constructor(stateMachine: string, state: string, detail: string) {
    super(`state machine ${stateMachine}: Task state "${state}" ${detail}`);
    this.name = 'MissingLocalFunctionError';
  }
}

/** The error a failed callback task raises, named as SendTaskFailure's `error` so Retry/Catch match it. */
export class TaskFailedError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/**
 * A request Step Functions refuses before doing anything, as its API model constrains it (AWS:
 * ValidationException, "1 validation error detected: Value at '<member>' failed to satisfy constraint: ...").
 */
export class ValidationError extends LocalWorkflowError {
  /** The request member refused (`input` of StartExecution, `output` of SendTaskSuccess). */
  readonly member: string;
  constructor(member: string, constraint: string, context: string) {
    super(`1 validation error detected: Value at '${member}' failed to satisfy constraint: ${constraint} (${context})`);
    this.name = 'ValidationException';
    this.member = member;
  }
}

/**
 * A task's input or result over Step Functions' payload quota (AWS: States.DataLimitExceeded). Terminal, as
 * in AWS: neither a retrier nor a `States.ALL` catcher takes it, so the execution fails there; the
 * interpreter reads `isRetryable` and `isCatchable` for that.
 */
export class DataLimitExceededError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(message: string) {
    super(message);
    this.name = 'States.DataLimitExceeded';
  }
}
