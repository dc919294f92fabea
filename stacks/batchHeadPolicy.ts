/**
 * What the job of a step that submits AWS Batch jobs of its own (a Nextflow head, `submitsBatchJobs`) may do
 * beyond a step job: the Batch, ECS and EC2 calls Nextflow's AWS Batch executor documents as its minimum
 * ("AWS Batch" → "Required permissions"), passing the task role it names to its jobs, and its S3 work directory.
 * Pure, so it is tested without a deploy.
 */
import type { StepDefinition } from '../config/pipeline.ts';
import { listPrefixStatements, s3Prefix } from './stepJobDefinition.ts';

type BatchHead = NonNullable<StepDefinition['submitsBatchJobs']>;

/** Nextflow's awsbatch executor: register job definitions, submit, watch and cancel its tasks. */
export const BATCH_HEAD_BATCH_ACTIONS = [
  'batch:DescribeJobQueues',
  'batch:DescribeComputeEnvironments',
  'batch:DescribeJobDefinitions',
  'batch:RegisterJobDefinition',
  'batch:SubmitJob',
  'batch:DescribeJobs',
  'batch:ListJobs',
  'batch:CancelJob',
  'batch:TerminateJob',
  'batch:TagResource',
] as const;

/** Where its tasks run, which Nextflow reads to report and to size them. */
export const BATCH_HEAD_HOST_ACTIONS = [
  'ecs:DescribeTasks',
  'ecs:DescribeContainerInstances',
  'ec2:DescribeInstances',
  'ec2:DescribeInstanceTypes',
  'ec2:DescribeInstanceAttribute',
  'ec2:DescribeInstanceStatus',
] as const;

/**
 * The policy statements of a batch head's job role, for every such step of the config: Batch and the task
 * hosts (no resource-level scoping: Nextflow names its job definitions and jobs itself), `iam:PassRole` on
 * exactly the task roles the steps name, and read, write and list on exactly their work directories; the
 * task logs (`/aws/batch/job`) of the account.
 */
export function batchHeadStatements(heads: readonly BatchHead[], accountId: string): Array<Record<string, unknown>> {
  // The recipe and the step schema both take only s3://<bucket>/<prefix>/.
  const workDirs = [...new Map(heads.map((head) => [head.workDir, s3Prefix(head.workDir)!])).values()];
  return [
    { Sid: 'SubmitAndWatchTasks', Effect: 'Allow', Action: [...BATCH_HEAD_BATCH_ACTIONS], Resource: '*' },
    { Sid: 'DescribeTaskHosts', Effect: 'Allow', Action: [...BATCH_HEAD_HOST_ACTIONS], Resource: '*' },
    { Sid: 'PassTaskRoles', Effect: 'Allow', Action: 'iam:PassRole', Resource: [...new Set(heads.map((head) => head.taskRoleArn))] },
    {
      Sid: 'WorkDirectories',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
      Resource: workDirs.map(({ bucket, prefix }) => `arn:aws:s3:::${bucket}/${prefix}*`),
    },
    ...listPrefixStatements('ListWorkDirectory', workDirs),
    {
      Sid: 'ReadTaskLogs',
      Effect: 'Allow',
      Action: 'logs:GetLogEvents',
      Resource: `arn:aws:logs:*:${accountId}:log-group:/aws/batch/job:log-stream:*`,
    },
  ];
}
