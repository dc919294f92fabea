/**
 * An event as EventBridge carries it. Landfall's own events use `source: "landfall"`;
 * AWS sources (`aws.s3`, `aws.storagegateway`, `aws.batch`, `aws.cloudwatch`) arrive from AWS or,
 * on the embedded runtime, from its stand-ins (share watcher, local executor, alarm evaluator).
 */
export interface BusEvent<Detail = Record<string, unknown>> {
  version?: string;
  id?: string;
  source: string;
  'detail-type': string;
  account?: string;
  time?: string;
  region?: string;
  resources?: string[];
  detail: Detail;
}

/**
 * Publishing seam: EventBridge `PutEvents` in AWS, the in-process bus on the embedded runtime.
 * Delivery is at least once on both: consumers drop repeats by `detail.dedupeKey`.
 */
export interface EventPublisher {
  publish(events: BusEvent[]): Promise<void>;
}
