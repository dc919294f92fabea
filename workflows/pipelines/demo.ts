import { definePipeline } from '../pipeline.ts';

/** The demo pipeline: quality control and 3' quality trimming, independent, so they run in parallel. */
export const demoPipeline = definePipeline({
  name: 'demo',
  version: '1.0.0',
  description: 'Per-sample QC and 3′ quality trimming of paired Illumina reads',
  steps: [
    { name: 'qc', description: 'reads, bases, GC %, mean quality, Q30 % per file; R1/R2 counts', vcpus: 1, memoryMiB: 512, timeoutSeconds: 900, attempts: 2, early: true },
    { name: 'trim', description: "quality trimming of 3' ends, pairs kept in sync", vcpus: 1, memoryMiB: 512, timeoutSeconds: 1800, attempts: 2 },
  ],
});
