import { definePipeline } from '../pipeline.ts';

/** Images AWS Batch runs the dna-align tools in (BioContainers; the same tool versions Debian installs locally where it can). */
export const DNA_ALIGN_IMAGES = {
  fastp: 'quay.io/biocontainers/fastp:0.23.4--h5f740d0_0',
  /** bwa 0.7.17 and samtools 1.10 in one image (the BioContainers "mulled" build nf-core's bwa/mem module uses). */
  bwaSamtools: 'quay.io/biocontainers/mulled-v2-fe8faa35dbf6dc65a0f7f5d4ea12e31a79f73e40:eabfac3657eda5818bae4090db989e3d41b01542-0',
  samtools: 'quay.io/biocontainers/samtools:1.16.1--h6899075_1',
  multiqc: 'quay.io/biocontainers/multiqc:1.14--pyhdfd78af_0',
} as const;

/**
 * Reference used when a sample's `Reference` column is empty: the config must define it
 * (`references: { genome: '<folder or s3:// prefix>' }`) unless every sample names one. The folder holds
 * `genome.fa` and its bwa index (`bwa index genome.fa`: .amb .ann .bwt .pac .sa).
 */
export const DNA_ALIGN_DEFAULT_REFERENCE = 'genome';

/** bash with pipefail: a failing `bwa mem` must fail the step, not leave samtools sorting an empty stream. */
const bash = (script: string) => ['bash', '-c', `set -euo pipefail; ${script}`];

/**
 * `dna-align`: fastp (trim + QC JSON/HTML) → bwa mem piped into samtools sort, then samtools index → samtools
 * flagstat and stats → one MultiQC report over every sample's fastp and samtools outputs of the run.
 * Paired-end short reads: a sample without R2 is rejected at validation (its steps use `{{reads.R2}}`).
 */
export const dnaAlignPipeline = definePipeline({
  name: 'dna-align',
  version: '1.0.0',
  description:
    'Read trimming and QC (fastp), alignment to a reference (bwa mem, samtools), alignment statistics and a run-wide MultiQC report',
  steps: [
    {
      name: 'fastp',
      description: 'adapter and quality trimming with fastp; QC before and after as JSON and HTML',
      vcpus: 2,
      memoryMiB: 2048,
      timeoutSeconds: 4 * 3600,
      attempts: 2,
      early: true,
      image: DNA_ALIGN_IMAGES.fastp,
      command: [
        'fastp',
        '--in1',
        '{{reads.R1}}',
        '--in2',
        '{{reads.R2}}',
        '--out1',
        '{{out}}/{{sample}}_R1.trimmed.fastq.gz',
        '--out2',
        '{{out}}/{{sample}}_R2.trimmed.fastq.gz',
        '--json',
        '{{out}}/{{sample}}.fastp.json',
        '--html',
        '{{out}}/{{sample}}.fastp.html',
        '--report_title',
        '{{sample}}',
        '--thread',
        '{{vcpus}}',
      ],
    },
    {
      name: 'align',
      description: "bwa mem of fastp's trimmed reads against the sample's reference, sorted and indexed with samtools",
      needs: ['fastp'],
      vcpus: 2,
      memoryMiB: 8192,
      timeoutSeconds: 12 * 3600,
      attempts: 2,
      scratch: 'large',
      image: DNA_ALIGN_IMAGES.bwaSamtools,
      requires: ['bwa', 'samtools'],
      reference: { column: 'Reference', default: DNA_ALIGN_DEFAULT_REFERENCE },
      command: bash(
        "bwa mem -t {{vcpus}} -R '@RG\\tID:{{sample}}\\tSM:{{sample}}' {{ref}}/genome.fa " +
          '{{steps.fastp}}/{{sample}}_R1.trimmed.fastq.gz {{steps.fastp}}/{{sample}}_R2.trimmed.fastq.gz ' +
          '| samtools sort -@ {{vcpus}} -o {{out}}/{{sample}}.bam - && samtools index {{out}}/{{sample}}.bam',
      ),
      outputs: ['*.bam', '*.bam.bai'],
    },
    {
      name: 'stats',
      description: 'samtools flagstat and samtools stats of the aligned reads',
      needs: ['align'],
      vcpus: 1,
      memoryMiB: 1024,
      timeoutSeconds: 4 * 3600,
      attempts: 2,
      image: DNA_ALIGN_IMAGES.samtools,
      requires: ['samtools'],
      command: bash(
        'samtools flagstat {{steps.align}}/{{sample}}.bam > {{out}}/{{sample}}.flagstat && ' +
          'samtools stats {{steps.align}}/{{sample}}.bam > {{out}}/{{sample}}.stats',
      ),
    },
    {
      name: 'multiqc',
      description: "one MultiQC report over every sample's fastp and samtools outputs of the run",
      scope: 'run',
      needs: ['fastp', 'stats'],
      vcpus: 1,
      memoryMiB: 2048,
      timeoutSeconds: 3600,
      attempts: 2,
      image: DNA_ALIGN_IMAGES.multiqc,
      command: [
        'multiqc',
        '--force',
        '--title',
        'Run {{run}}',
        '--outdir',
        '{{out}}',
        '--filename',
        'multiqc_report.html',
        '{{steps.fastp}}',
        '{{steps.stats}}',
      ],
      // MultiQC's fastp module reads the JSON reports: the run's trimmed reads (most of fastp's bytes) stay put.
      stageIn: { fastp: ['*.fastp.json'] },
    },
  ],
});
