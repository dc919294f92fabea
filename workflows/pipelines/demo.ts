import { definePipeline, LANDFALL_IMAGE } from '../pipeline.ts';

/**
 * `landfall-step <name>` with the sample's reads: the staged reads folder holds one file per read label
 * beside `reads.json` (labels, roles, lanes), so the program finds the mates by role from `{{reads.R1}}`.
 */
const builtIn = (name: string) => ['landfall-step', name, '--sample', '{{sample}}', '--reads', '{{reads.R1}}', '--out', '{{out}}'];

/**
 * The demo pipeline: quality control, 3' quality trimming and a duplication/composition profile, independent,
 * so they run in parallel. Ordinary command steps running Landfall's own programs in Landfall's own image.
 */
export const demoPipeline = definePipeline({
  name: 'demo',
  version: '2.0.0',
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
      image: LANDFALL_IMAGE,
      command: builtIn('qc'),
    },
    {
      name: 'trim',
      description: "quality trimming of 3' ends, pairs kept in sync",
      vcpus: 1,
      memoryMiB: 512,
      timeoutSeconds: 1800,
      attempts: 2,
      image: LANDFALL_IMAGE,
      command: builtIn('trim'),
    },
    {
      name: 'profile',
      description: 'duplication rate, over-represented sequences, GC histogram and k-mer spectrum per file',
      vcpus: 1,
      memoryMiB: 512,
      timeoutSeconds: 900,
      attempts: 2,
      image: LANDFALL_IMAGE,
      command: builtIn('profile'),
    },
  ],
});
