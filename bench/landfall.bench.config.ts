import { defineConfig } from '../config/defineConfig.ts';

/**
 * Config of the benchmarks that run a live embedded runtime (landing latency, burst): one team, the
 * illumina profile (and the marker profile for run folders named like {@link BENCH_MARKER_RUN_PREFIX}), a
 * short settle window (the latency target is measured beyond it) and fast polling.
 * The reconciliation sweep keeps its production period (60 s): a 1 s sweep, as the e2e tests use, re-drives
 * every landed-but-not-yet-cataloged file each second and turns a burst into a storm of duplicates.
 */
export const BENCH_SETTLE_MS = 500;
/** Run folders starting with this complete per sample (`<sample>.complete`): the landing bench's second half. */
export const BENCH_MARKER_RUN_PREFIX = '261210_LH00417_MARKERS_';

export default defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 64 }],
  teams: [
    { id: 'genomics', profile: 'illumina', pipeline: 'demo', runProfiles: [{ runPrefix: BENCH_MARKER_RUN_PREFIX, profile: 'marker' }] },
  ],
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 4096, settleMs: BENCH_SETTLE_MS, pollMs: 100, rescanMs: 2000 },
});
