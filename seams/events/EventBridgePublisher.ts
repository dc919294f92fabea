import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { assertPublishableSources } from './publishableSources.ts';
import type { BusEvent, EventPublisher } from './EventPublisher.ts';

/** PutEvents accepts at most 10 entries per call. */
const BATCH = 10;

/** A PutEvents entry EventBridge refused; `cause` carries the per-entry error codes. */
export class PublishError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/**
 * The AWS side of the publishing seam: EventBridge `PutEvents` on Landfall's bus. PutEvents refuses
 * `aws.*` sources, so only Landfall's own events go through here. Partial failures are retried once,
 * then reported entry by entry.
 */
export class EventBridgePublisher implements EventPublisher {
  readonly #client: EventBridgeClient;
  readonly #busName: string;

  constructor(busName: string, client: EventBridgeClient = new EventBridgeClient({})) {
    this.#busName = busName;
    this.#client = client;
  }

  async publish(events: BusEvent[]): Promise<void> {
    // Refused before sending, as EventBridge would refuse the entry (NotAuthorizedForSourceException).
    assertPublishableSources(events);
    for (let start = 0; start < events.length; start += BATCH) {
      let entries: PutEventsRequestEntry[] = events.slice(start, start + BATCH).map((event) => ({
        EventBusName: this.#busName,
        Source: event.source,
        DetailType: event['detail-type'],
        Detail: JSON.stringify(event.detail),
        Resources: event.resources,
        Time: event.time ? new Date(event.time) : undefined,
      }));
      for (let round = 0; round < 2 && entries.length > 0; round++) {
        const result = await this.#client.send(new PutEventsCommand({ Entries: entries }));
        const failed = (result.Entries ?? []).flatMap((entry, i) =>
          entry.ErrorCode ? [{ entry: entries[i]!, code: entry.ErrorCode, message: entry.ErrorMessage }] : [],
        );
        entries = failed.map((failure) => failure.entry);
        if (round === 1 && failed.length > 0) {
          throw new PublishError(
            `EventBridge refused ${failed.length} event(s): ${failed.map((f) => `${f.entry.DetailType}: ${f.code} ${f.message ?? ''}`).join('; ')}`,
            { cause: failed },
          );
        }
      }
    }
  }
}
