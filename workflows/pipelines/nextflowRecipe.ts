/**
 * A Nextflow pipeline as one run-scope step: the Nextflow head runs in a Batch job of its own (the `nextflow`
 * image), reads the run's samples from `{{samplesheet}}` (nf-core's `sample,fastq_1,fastq_2`, files named by
 * their s3:// URIs, plus the columns the pipeline needs), submits its own tasks to the lab's Batch queue with
 * its `awsbatch` executor as the lab's task role, and publishes into `{{out}}`, which Landfall publishes as
 * that step's outputs once the head exits 0. In AWS the head's job gets a role that may submit and watch
 * Batch jobs, pass the task role and use the work directory (`submitsBatchJobs`, stacks/batch.ts).
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
  /**
   * The head job's image. In AWS it must be pullable through ECR and, with `offline` (the default), hold the
   * pipeline and its plugins (`nf-core download`, `NXF_HOME` baked in). @default {@link NEXTFLOW_IMAGE}
   */
  image?: string;
  /** Nextflow's work directory: an S3 prefix its tasks share (the awsbatch executor requires one). */
  workDir: string;
  /**
   * The Batch queue Nextflow submits its tasks to: the lab's own, whose instances give tasks the AWS CLI
   * (see `awsCliPath`). Landfall's queues are not for this: their fair-share policy refuses a job without its
   * share identifier, and their instances have no AWS CLI.
   */
  awsQueue: string;
  /** Region of that queue. */
  awsRegion: string;
  /**
   * IAM role the pipeline's tasks run as (`aws.batch.jobRole`): it reads the run's FASTQs (Landfall's landing
   * bucket, `incoming/<team>/…`, and its KMS key) and reads and writes `workDir`. The head job may pass it.
   */
  taskRoleArn: string;
  /** Where the AWS CLI is on the task queue's instances (`aws.batch.cliPath`), when the task images lack one. */
  awsCliPath?: string;
  /** `aws.batch.shareIdentifier`, for a task queue with a fair-share scheduling policy (Batch refuses jobs without it there). */
  shareIdentifier?: string;
  /**
   * Columns the pipeline's sample sheet needs beyond `sample,fastq_1,fastq_2`, with the value every row gets,
   * e.g. `{ strandedness: 'auto' }` for nf-core/rnaseq (its schema requires the column).
   */
  sampleSheetColumns?: Record<string, string>;
  /**
   * Run without network (`-offline`, `NXF_OFFLINE=true`): Landfall's home region has no way to the internet, so
   * the image must hold the pipeline and plugins. @default true
   */
  offline?: boolean;
  /** More pipeline parameters, `--<name> <value>` each; values may use `{{run}}` and `{{team}}`. */
  params?: Record<string, string>;
  /** The head job's size and time: it only orchestrates, but waits as long as the whole pipeline runs. */
  vcpus?: number;
  memoryMiB?: number;
  timeoutSeconds?: number;
}

/** The Nextflow image the head job runs when the recipe names none. */
export const NEXTFLOW_IMAGE = 'nextflow/nextflow:24.10.2';

/** A value put into the generated Nextflow config or the shell text: nothing a quote or a shell would interpret. */
const PLAIN = /^[A-Za-z0-9_./:@+=,-]+$/;
/** A sample-sheet column or value: nothing CSV or awk would interpret. */
const CELL = /^[A-Za-z0-9_.-]+$/;

/** Single-quoted for sh: placeholders are expanded before the shell runs, into shell-safe ids and paths. */
const quoted = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/**
 * A one-step pipeline: a shell writes the Nextflow config for the AWS Batch executor (queue, region, task role,
 * and the CLI path and share identifier when given), adds the sample-sheet columns the pipeline needs, and runs
 * `nextflow run <pipeline> -r <revision> [-offline] -c <config> --input <sheet> --outdir {{out}} -work-dir <s3
 * prefix>/<team>/<run>/`, once per run. nf-core's `awsbatch` profile is not used: it points every task at an AWS
 * CLI on a custom AMI and fetches the profile from GitHub, which a home region without internet cannot reach.
 *
 * @example
 * export default defineConfig({ …, pipelines: [nextflowPipeline({ name: 'rnaseq', pipeline: 'nf-core/rnaseq', revision: '3.14.0',
 *   workDir: 's3://lab-nextflow-work/rnaseq/', awsQueue: 'lab-nextflow-tasks', awsRegion: 'eu-west-1',
 *   taskRoleArn: 'arn:aws:iam::123456789012:role/lab-nextflow-tasks', awsCliPath: '/home/ec2-user/miniconda/bin/aws',
 *   sampleSheetColumns: { strandedness: 'auto' }, params: { genome: 'GRCh38' } })] });
 */
export function nextflowPipeline(options: NextflowRecipeOptions): Pipeline {
  const refuse = (message: string) => {
    throw new Error(`nextflow recipe ${options.name}: ${message}`);
  };
  if (!/^s3:\/\/[^/]+\//.test(options.workDir)) refuse('workDir must be an s3://<bucket>/<prefix>/ (the awsbatch executor requires it)');
  if (!/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(options.taskRoleArn))
    refuse(`taskRoleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), found "${options.taskRoleArn}"`);
  const settings: Array<[string, string | undefined]> = [
    ['process.queue', options.awsQueue],
    ['aws.region', options.awsRegion],
    ['aws.batch.jobRole', options.taskRoleArn],
    ['aws.batch.cliPath', options.awsCliPath],
    ['aws.batch.shareIdentifier', options.shareIdentifier],
  ];
  for (const [what, value] of [
    ['pipeline', options.pipeline],
    ['revision', options.revision],
    ['workDir', options.workDir],
  ] as const)
    if (!PLAIN.test(value)) refuse(`${what} "${value}" has characters a shell would interpret`);
  for (const [key, value] of settings)
    if (value !== undefined && !PLAIN.test(value)) refuse(`${key} "${value}" has characters a Nextflow config or a shell would interpret`);
  const columns = Object.entries(options.sampleSheetColumns ?? {});
  for (const [column, value] of columns)
    if (!CELL.test(column) || !CELL.test(value)) refuse(`sample-sheet column ${column}=${value}: letters, digits and . _ - only`);
  const params = Object.entries(options.params ?? {}).flatMap(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) refuse(`parameter name "${name}" is not a Nextflow parameter name`);
    return [`--${name}`, value];
  });
  const offline = options.offline ?? true;
  const config = [
    "process.executor = 'awsbatch'",
    ...settings.flatMap(([key, value]) => (value === undefined ? [] : [`${key} = '${value}'`])),
  ];
  const input =
    columns.length === 0
      ? ['input={{samplesheet}}']
      : [
          'input="$work/samplesheet.csv"',
          `awk -v OFS=, 'NR == 1 { print $0, "${columns.map(([column]) => column).join(',')}"; next } { print $0, "${columns.map(([, value]) => value).join(',')}" }' {{samplesheet}} > "$input"`,
        ];
  const run = [
    'nextflow',
    'run',
    options.pipeline,
    '-r',
    options.revision,
    ...(offline ? ['-offline'] : []),
    '-c',
    '"$work/landfall.config"',
    '--input',
    '"$input"',
    '--outdir',
    '{{out}}',
    '-work-dir',
    // One work directory per run, so runs never share (or clean up) each other's intermediate files.
    `${options.workDir.replace(/\/?$/, '/')}{{team}}/{{run}}/`,
    ...params.map((value, index) => (index % 2 === 0 ? value : quoted(value))),
  ];
  const script = [
    'set -eu',
    'work="$(mktemp -d)"',
    `printf '%s\\n' ${config.map(quoted).join(' ')} > "$work/landfall.config"`,
    ...input,
    ...(offline ? ['export NXF_OFFLINE=true'] : []),
    `exec ${run.join(' ')}`,
  ].join('\n');
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
        command: ['sh', '-c', script],
        requires: ['nextflow'],
        submitsBatchJobs: { taskRoleArn: options.taskRoleArn, workDir: options.workDir },
      },
    ],
  });
}
