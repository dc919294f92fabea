import { defineConfig } from '../config/defineConfig.ts';

/**
 * Config of the soak bench (bench/soak.ts): a lab's busy day on one machine — two teams, the demo pipeline,
 * production sweep period (60 s) and short alarm periods so idle capacity goes to zero within the bench.
 */
export default defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 64 }],
  teams: [
    { id: 'genomics', profile: 'illumina', pipeline: 'demo' },
    { id: 'microbio', profile: 'illumina', pipeline: 'demo' },
  ],
  idle: { periodSeconds: 10, evaluationPeriods: 2, datapointsToAlarm: 2 },
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 4096, settleMs: 500, pollMs: 100, rescanMs: 2000 },
});
