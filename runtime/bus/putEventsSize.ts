import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { PutEventsValidationError } from './errors.ts';

/**
 * The most one PutEvents request may carry: 1 MB (1,048,576 bytes) of entries, counted by
 * {@link putEventsEntrySize} and summed over the request's entries. It was 256 KB until 2026-01-29, when
 * AWS raised it with asynchronous Lambda and SQS; the SDK's model says "the total entry size must be less than
 * 1MB" (@aws-sdk/client-eventbridge, PutEventsCommand). Measured in us-east-1: an entry of exactly 1,048,576
 * bytes is accepted, one byte more is refused with `ValidationException`.
 *
 * @see https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html#eb-putevent-size
 */
export const PUT_EVENTS_MAX_BYTES = 1_048_576;

/** PutEvents takes at most 10 entries a request; the AWS publisher (seams/events/EventBridgePublisher.ts) sends that many at a time. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

/**
 * The size EventBridge gives a PutEvents entry: 14 bytes for `Time` when it is set, then the UTF-8 bytes of
 * `Source`, `DetailType`, `Detail` (the JSON the AWS publisher sends) and each of `Resources`. The envelope
 * EventBridge adds (id, account, region, ...) does not count.
 *
 * @example putEventsEntrySize({ source: 'landfall', 'detail-type': 'Sample Landed', detail: {} }) // 8 + 13 + 2 = 23
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html#eb-putevent-size
 */
export function putEventsEntrySize(event: BusEvent): number {
  let size = event.time === undefined ? 0 : 14;
  size += Buffer.byteLength(event.source, 'utf8');
  size += Buffer.byteLength(event['detail-type'], 'utf8');
  if (event.detail !== undefined) size += Buffer.byteLength(JSON.stringify(event.detail), 'utf8');
  for (const resource of event.resources ?? []) size += Buffer.byteLength(resource, 'utf8');
  return size;
}

/**
 * Refuses events that PutEvents would refuse for their size, taken in requests of {@link PUT_EVENTS_MAX_ENTRIES}
 * in order, as the AWS publisher sends them: one entry over the limit can never be sent, and entries under it
 * can still add up to a request over it.
 *
 * @throws PutEventsValidationError naming the largest entry's detail-type, the request's size and the limit
 * @example assertPutEventsSize(events); // before anything is logged or delivered
 */
export function assertPutEventsSize(events: readonly BusEvent[]): void {
  for (let start = 0; start < events.length; start += PUT_EVENTS_MAX_ENTRIES) {
    const request = events.slice(start, start + PUT_EVENTS_MAX_ENTRIES);
    const sizes = request.map(putEventsEntrySize);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    if (total <= PUT_EVENTS_MAX_BYTES) continue;
    const largest = sizes.indexOf(Math.max(...sizes));
    const event = request[largest]!;
    const what =
      request.length === 1
        ? `the "${event['detail-type']}" event (source ${event.source}) is ${bytes(total)}`
        : `events ${start + 1}–${start + request.length} of this publish, one PutEvents request, add up to ${bytes(total)} ` +
          `(the largest, "${event['detail-type']}" from ${event.source}, ${bytes(sizes[largest]!)})`;
    throw new PutEventsValidationError(
      `Total size of the entries in the request is over the limit: ${what} as EventBridge counts PutEvents entries, ` +
        `over the ${bytes(PUT_EVENTS_MAX_BYTES)} (1 MB) a request may carry; put the bulk in S3 and send its key`,
      { detailType: event['detail-type'], size: total, limit: PUT_EVENTS_MAX_BYTES },
    );
  }
}

function bytes(count: number): string {
  return `${count.toLocaleString('en-US')} bytes`;
}
