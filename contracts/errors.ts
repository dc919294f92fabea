/** Base error of contracts/: a value that crosses a boundary does not have the agreed shape. */
export class ContractError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ContractError';
  }
}

/** A job's manifest, or the environment entry naming it, does not have the shape of contracts/jobPayload.ts. */
export class JobPayloadError extends ContractError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'JobPayloadError';
  }
}
