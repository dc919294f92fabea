import { defineConfig } from './config/defineConfig.ts';

/**
 * The one Landfall configuration: sst.config.ts, the embedded runtime and the CLI all read it.
 * Secrets (team tokens) never live here; they are generated into <state-dir>/tokens.json.
 */
export default defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [
    { name: 'eu-west-1', vcpuQuota: 64, preference: 0 },
    { name: 'us-east-1', vcpuQuota: 32, preference: 1 },
  ],
  teams: [
    { id: 'genomics', name: 'Genomics core', profile: 'illumina', pipeline: 'demo' },
    { id: 'microbio', name: 'Microbiology', profile: 'illumina', pipeline: 'demo' },
  ],
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 4096, settleMs: 1000, pollMs: 250 },
});
