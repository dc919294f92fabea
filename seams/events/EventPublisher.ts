import type { EventBridgeEvent } from '../../contracts/events/envelope.ts';

/** An event as EventBridge carries it (contracts/events/envelope.ts): what the bus takes and delivers. */
export type BusEvent<Detail = Record<string, unknown>> = EventBridgeEvent<Detail>;

/**
 * Publishing seam: EventBridge `PutEvents` in AWS, the in-process bus on the embedded runtime.
 * Delivery is at least once on both: consumers drop repeats by `detail.dedupeKey`.
 */
export interface EventPublisher {
  publish(events: BusEvent[]): Promise<void>;
}
