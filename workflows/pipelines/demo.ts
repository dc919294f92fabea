import { definePipeline } from '../pipeline.ts';

/** The demo pipeline: quality control, 3' quality trimming and a duplication/composition profile, independent, so they run in parallel. */
export const demoPipeline = definePipeline({
  name: 'demo',
  version: '1.0.0',
  description: 'Per-sample QC, 3′ quality trimming and a duplication/composition profile of paired Illumina reads',
  steps: [
    {
      name: 'qc',
      description: 'reads, bases, GC %, mean quality, Q30 % per file; R1/R2 counts',
      vcpus: 1,
      memoryMiB: 512,
      timeoutSeconds: 900,
      attempts: 2,
      early: true,
    },
    {
      name: 'trim',
      description: "quality trimming of 3' ends, pairs kept in sync",
      vcpus: 1,
      memoryMiB: 512,
      timeoutSeconds: 1800,
      attempts: 2,
    },
    {
      name: 'profile',
      description: 'duplication rate, over-represented sequences, GC histogram and k-mer spectrum per file',
      vcpus: 1,
      memoryMiB: 512,
      timeoutSeconds: 900,
      attempts: 2,
    },
  ],
});
