import type { BusEvent } from './EventPublisher.ts';

/**
 * An event a function may not publish: EventBridge PutEvents refuses every `aws.*` source, entry by entry, with
 * `NotAuthorizedForSourceException` — those are AWS's own services' events. Named as that error code.
 */
export class NotAuthorizedForSourceError extends Error {
  readonly source: string;

  constructor(message: string, source: string) {
    super(message);
    this.name = 'NotAuthorizedForSourceException';
    this.source = source;
  }
}

/**
 * Refuses what PutEvents refuses for its source: a function publishes Landfall's own events only, never one
 * under an AWS service's source (`aws.s3`, `aws.batch`, …) — telling such an event again takes Landfall's own
 * ("Object Replayed", a replayed job state change: contracts/events). Both publishers check it: EventBridge's
 * before sending, the embedded runtime's for what its functions publish (its share watcher and Batch, which play
 * AWS's services, publish on its bus directly).
 *
 * @throws NotAuthorizedForSourceError naming the event and its source
 */
export function assertPublishableSources(events: readonly BusEvent[]): void {
  const refused = events.find((event) => event.source.startsWith('aws.'));
  if (refused)
    throw new NotAuthorizedForSourceError(
      `Not authorized for the source: "${refused['detail-type']}" from ${refused.source} — EventBridge PutEvents refuses every aws.* source; publish it as Landfall's own event`,
      refused.source,
    );
}
