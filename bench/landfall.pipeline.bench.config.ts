import { defineConfig } from '../config/defineConfig.ts';
import { BENCH_SETTLE_MS } from './landfall.bench.config.ts';

/**
 * Config of the pipeline-overhead bench: one team routed to dna-align, its reference the folder the bench
 * writes (LANDFALL_BENCH_REFERENCE_DIR), and ONE local region of 2 vCPUs, as Snakemake gets `-j 2`: the two
 * run the same jobs with the same parallelism, so the difference is the platform's overhead. Memory is not
 * enforced locally; align reserves 8 GiB as it would in Batch.
 */
export default defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 2 }],
  teams: [{ id: 'genomics', profile: 'illumina', pipeline: 'dna-align' }],
  references: { genome: process.env.LANDFALL_BENCH_REFERENCE_DIR ?? '/nonexistent/reference' },
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 16384, settleMs: BENCH_SETTLE_MS, pollMs: 100, rescanMs: 2000 },
});
