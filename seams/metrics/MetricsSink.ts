/** One datapoint, as PutMetricData's MetricDatum (the fields Landfall uses). */
export interface MetricDatum {
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  /** Epoch ms. */
  timestamp: number;
}

/**
 * Metrics seam: CloudWatch Embedded Metric Format on the home-region functions' logs in AWS (where the
 * inactivity alarms live);
 * on the embedded runtime the local alarm evaluator (runtime/alarms/LocalAlarms.ts), which evaluates the
 * same alarm definitions on these datapoints.
 */
export interface MetricsSink {
  putMetricData(namespace: string, data: MetricDatum[]): Promise<void>;
}
