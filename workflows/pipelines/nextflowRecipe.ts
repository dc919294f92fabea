/**
 * A Nextflow pipeline as one run-scope step: the Nextflow head runs in a Batch job of its own (the `nextflow`
 * image), reads the run's samples from `{{samplesheet}}` (nf-core's `sample,fastq_1,fastq_2`, files named by
 * their s3:// URIs), submits its own tasks to a Batch queue with its `awsbatch` executor, and publishes into
 * `{{out}}`, which Landfall publishes as that step's outputs once the head exits 0.
 *
 * NOT EXECUTED BY THE TEST SUITE: Nextflow is not installed on the machines the suite runs on (no Debian
 * package, no network); the tests check the definition and the command it expands to, not a run.
 */
import { definePipeline, type Pipeline } from '../pipeline.ts';

/** Options of {@link nextflowPipeline}. */
export interface NextflowRecipeOptions {
  /** Landfall pipeline name teams are routed to, e.g. `rnaseq`. */
  name: string;
  /** What `nextflow run` runs: `nf-core/rnaseq`, a Git URL, or a path in the image. */
  pipeline: string;
  /** Pipeline release (`-r`); pin it so a run is reproducible. */
  revision: string;
  /** The head job's image. @default {@link NEXTFLOW_IMAGE} */
  image?: string;
  /** Nextflow's work directory: an S3 prefix its tasks share (the awsbatch executor requires one). */
  workDir: string;
  /** The Batch queue Nextflow submits its tasks to (`--awsqueue` of nf-core's awsbatch profile). */
  awsQueue: string;
  /** Region of that queue (`--awsregion`). */
  awsRegion: string;
  /** More pipeline parameters, `--<name> <value>` each; values may use `{{run}}` and `{{team}}`. */
  params?: Record<string, string>;
  /** The head job's size and time: it only orchestrates, but waits as long as the whole pipeline runs. */
  vcpus?: number;
  memoryMiB?: number;
  timeoutSeconds?: number;
}

/** The Nextflow image the head job runs when the recipe names none. */
export const NEXTFLOW_IMAGE = 'nextflow/nextflow:24.10.2';

/**
 * A one-step pipeline running `nextflow run <pipeline> -r <revision> --input {{samplesheet}} --outdir {{out}}
 * -profile awsbatch --awsqueue <queue> --awsregion <region> -work-dir <s3 prefix>/<team>/<run>/`, once per run.
 *
 * @example
 * export default defineConfig({ …, pipelines: [nextflowPipeline({ name: 'rnaseq', pipeline: 'nf-core/rnaseq', revision: '3.14.0',
 *   workDir: 's3://lab-nextflow-work/rnaseq/', awsQueue: 'lab-nextflow-tasks', awsRegion: 'eu-west-1',
 *   params: { genome: 'GRCh38' } })] });
 */
export function nextflowPipeline(options: NextflowRecipeOptions): Pipeline {
  if (!/^s3:\/\/[^/]+\//.test(options.workDir))
    throw new Error(`nextflow recipe ${options.name}: workDir must be an s3://<bucket>/<prefix>/ (the awsbatch executor requires it)`);
  const params = Object.entries(options.params ?? {}).flatMap(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new Error(`nextflow recipe ${options.name}: parameter name "${name}" is not a Nextflow parameter name`);
    return [`--${name}`, value];
  });
  return definePipeline({
    name: options.name,
    version: options.revision,
    description: `${options.pipeline} ${options.revision} run by Nextflow on AWS Batch, once per run`,
    steps: [
      {
        name: 'nextflow',
        description: `nextflow run ${options.pipeline} -r ${options.revision} over the run's samples`,
        scope: 'run',
        vcpus: options.vcpus ?? 2,
        memoryMiB: options.memoryMiB ?? 4096,
        timeoutSeconds: options.timeoutSeconds ?? 48 * 3600,
        attempts: 1,
        image: options.image ?? NEXTFLOW_IMAGE,
        command: [
          'nextflow',
          'run',
          options.pipeline,
          '-r',
          options.revision,
          '--input',
          '{{samplesheet}}',
          '--outdir',
          '{{out}}',
          '-profile',
          'awsbatch',
          '--awsqueue',
          options.awsQueue,
          '--awsregion',
          options.awsRegion,
          '-work-dir',
          // One work directory per run, so runs never share (or clean up) each other's intermediate files.
          `${options.workDir.replace(/\/?$/, '/')}{{team}}/{{run}}/`,
          ...params,
        ],
      },
    ],
  });
}
