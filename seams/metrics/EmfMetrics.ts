import type { MetricDatum, MetricsSink } from './MetricsSink.ts';

/**
 * The AWS side of the metrics seam: CloudWatch Embedded Metric Format documents on stdout, which Lambda
 * sends to CloudWatch Logs and CloudWatch turns into metrics in the function's (the home) region. No
 * PutMetricData call, so no IAM grant on `*` (PutMetricData has no resource-level permissions).
 * Datums sharing dimensions and timestamp go in one document.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export class EmfMetrics implements MetricsSink {
  readonly #write: (line: string) => void;
  readonly #storageResolution: 1 | 60;

  constructor(options: { periodSeconds?: number; write?: (line: string) => void } = {}) {
    this.#write = options.write ?? ((line) => process.stdout.write(line));
    // Alarms on 10 s or 30 s periods need high-resolution datapoints.
    this.#storageResolution = (options.periodSeconds ?? 60) < 60 ? 1 : 60;
  }

  async putMetricData(namespace: string, data: MetricDatum[]): Promise<void> {
    const documents = new Map<string, { dimensions: Record<string, string>; timestamp: number; metrics: MetricDatum[] }>();
    for (const datum of data) {
      const key = `${datum.timestamp}|${JSON.stringify(Object.entries(datum.dimensions).sort())}`;
      const document = documents.get(key) ?? { dimensions: datum.dimensions, timestamp: datum.timestamp, metrics: [] };
      document.metrics.push(datum);
      documents.set(key, document);
    }
    for (const { dimensions, timestamp, metrics } of documents.values()) {
      const emf = {
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [
            {
              Namespace: namespace,
              Dimensions: [Object.keys(dimensions)],
              Metrics: metrics.map((metric) => ({ Name: metric.metricName, Unit: 'Count', StorageResolution: this.#storageResolution })),
            },
          ],
        },
        ...dimensions,
        ...Object.fromEntries(metrics.map((metric) => [metric.metricName, metric.value])),
      };
      this.#write(`${JSON.stringify(emf)}\n`);
    }
  }
}
