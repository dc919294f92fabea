/**
 * A publish EventBridge's PutEvents would refuse as a whole: its entries add up to more than the request may
 * carry. Named as the AWS error (HTTP 400 `ValidationException`, "Total size of the entries in the request is
 * over the limit."), which EventBridge answers for the request rather than as a per-entry `ErrorCode`.
 */
export class PutEventsValidationError extends Error {
  /** The detail-type of the largest entry of the refused request. */
  readonly detailType: string;
  /** The request's size as EventBridge counts it (putEventsEntrySize summed over its entries), in bytes. */
  readonly size: number;
  /** The most a request may carry, in bytes. */
  readonly limit: number;

  constructor(message: string, details: { detailType: string; size: number; limit: number }) {
    super(message);
    this.name = 'ValidationException';
    this.detailType = details.detailType;
    this.size = details.size;
    this.limit = details.limit;
  }
}
