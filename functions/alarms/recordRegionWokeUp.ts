import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { BatchJobStateChangeEvent } from '../../contracts/events/batch.ts';
import { emitOnce } from '../shared/emit.ts';
import { metrics } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';

/**
 * A job RUNNING: if its submission woke a scaled-down region, that region is up again. Records the
 * wake-up latency (submission into the scaled-down region → RUNNING) on the region's scale item and as
 * a metric, and announces "Region Woke Up" carrying it.
 */
export async function recordRegionWokeUp(svc: Services, event: BatchJobStateChangeEvent) {
  const { jobName } = event.detail;
  const region = event.region;
  if (!region) return { outcome: 'no-region', jobName };
  const state = await svc.catalog.regionScale.get(region);
  if (state.wakeJobName !== jobName || state.wokeAt === undefined || state.wakeLatencyMs !== undefined)
    return { outcome: 'not-a-wake', jobName };
  const runningAt = event.detail.startedAt ?? (event.time ? Date.parse(event.time) : Date.now());
  const wakeLatencyMs = Math.max(0, Math.round(runningAt - state.wokeAt));
  if (!(await svc.catalog.regionScale.recordWakeLatency(region, jobName, wakeLatencyMs))) return { outcome: 'already-recorded', jobName };
  metrics.addMetric('WakeUpLatency', MetricUnit.Milliseconds, wakeLatencyMs);
  await emitOnce(svc, 'Region Woke Up', {
    region,
    jobName,
    warmVcpus: state.warmVcpus,
    wokeAt: state.wokeAt,
    runningAt,
    wakeLatencyMs,
    dedupeKey: `region-woke-up:${region}:${state.wokeAt}`,
  });
  return { outcome: 'woke-up', region, wakeLatencyMs };
}
