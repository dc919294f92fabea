import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { MetricDatum, MetricsSink } from './MetricsSink.ts';

/** PutMetricData takes at most 1000 datums per call. */
const MAX_DATUMS = 1000;

/**
 * The AWS side of the metrics seam: PutMetricData in the home region, where every inactivity alarm
 * lives. Activity counts are published at storage resolution 60 s unless the period asks for less.
 */
export class CloudWatchMetrics implements MetricsSink {
  readonly #client: CloudWatchClient;
  readonly #storageResolution: 1 | 60;

  constructor(homeRegion: string, options: { periodSeconds?: number; client?: CloudWatchClient } = {}) {
    this.#client = options.client ?? new CloudWatchClient({ region: homeRegion });
    // Alarms on 10 s or 30 s periods need high-resolution datapoints.
    this.#storageResolution = (options.periodSeconds ?? 60) < 60 ? 1 : 60;
  }

  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    for (let index = 0; index < data.length; index += MAX_DATUMS) {
      await this.#client.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: data.slice(index, index + MAX_DATUMS).map((datum) => ({
            MetricName: datum.metricName,
            Dimensions: Object.entries(datum.dimensions).map(([Name, Value]) => ({ Name, Value })),
            Value: datum.value,
            Timestamp: new Date(datum.timestamp),
            Unit: 'Count',
            StorageResolution: this.#storageResolution,
          })),
        }),
      );
    }
  }
}
