/** Base error of contracts/: a value that crosses a boundary does not have the agreed shape. */
export class ContractError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractError';
  }
}

/** A job's environment carries no payload, or one that does not match contracts/jobPayload.ts `JobPayload`. */
export class JobPayloadError extends ContractError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobPayloadError';
  }
}
