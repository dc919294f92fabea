import landfall from '../landfall.config.ts';
import { pipelinesOf } from '../workflows/pipelines/index.ts';
import {
  VALIDATION_JOB_DEFINITION,
  computeEnvironmentName,
  jobDefinitionName,
  JOB_SHARE_IDENTIFIER,
  jobQueueName,
  jobQueues,
  schedulingPolicyName,
  scratchClasses,
  type JobQueueKind,
  type ScratchClass,
} from '../contracts/names.ts';
import { networks } from './network.ts';
import { pascal, providerFor } from './regions.ts';
import { stepImageTag, stepRepositoryName } from './stepImage.ts';
import { batchHeadStatements } from './batchHeadPolicy.ts';
import { JOB_LOG_GROUP, listPrefixStatements, referencePrefixes, stepJobEcsProperties } from './stepJobDefinition.ts';
import { dataKeys, landing, results, staging } from './storage.ts';

const stage = $app.stage.toLowerCase();
const accountId = aws.getCallerIdentityOutput({}).accountId;
const tag = stepImageTag();

/**
 * Idle compute costs nothing: environments scale to zero. Waking a region raises `minvCpus` at run time
 * (Batch refuses to lower `desiredvCpus` by hand, so going idle means `minvCpus` 0 and draining).
 */
export const IDLE_MIN_VCPUS = 0;

/**
 * Every step job: a lost host (spot reclaimed, instance failure: statusReason "Host EC2 …") is retried,
 * any other failure exits at once — the step program failed on its input and would fail again.
 */
export const JOB_RETRY_RULES = [
  { onStatusReason: 'Host EC2*', action: 'RETRY' },
  { onReason: '*', action: 'EXIT' },
] as const;

const assume = (service: string) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

// IAM is global: one instance role and one job role serve every region.
const instanceRole = new aws.iam.Role('BatchInstanceRole', {
  description: 'Landfall Batch instances: the ECS agent, image pulls and job logs',
  assumeRolePolicy: assume('ec2.amazonaws.com'),
  managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'],
});
const instanceProfile = new aws.iam.InstanceProfile('BatchInstanceProfile', { role: instanceRole.name });

/**
 * What a job's containers may touch (one task role for the task: stage-in, the tool and stage-out). Reads:
 * landed files (home), published outputs of earlier steps (`{{steps.X}}`), the work areas, the config's
 * references in S3, and the job log group (stage-out reads a failed tool's last lines). Writes: the work
 * areas only — `work/` of the results bucket at home and of each staging bucket elsewhere.
 */
const jobRole = new aws.iam.Role('StepJobRole', {
  description: 'Landfall step and validation jobs: read inputs, write the work area',
  assumeRolePolicy: assume('ecs-tasks.amazonaws.com'),
});
const stagingBuckets = [...staging.values()];
const workAreas = [$interpolate`${results.bucket.arn}/work/*`, ...stagingBuckets.map(({ bucket }) => $interpolate`${bucket.arn}/work/*`)];
const s3References = referencePrefixes(landfall.references);
const stepJobPolicy = $jsonStringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ReadLanded', Effect: 'Allow', Action: 's3:GetObject', Resource: $interpolate`${landing.bucket.arn}/incoming/*` },
    { Sid: 'ReadPublished', Effect: 'Allow', Action: 's3:GetObject', Resource: $interpolate`${results.bucket.arn}/teams/*` },
    { Sid: 'WorkAreas', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: workAreas },
    ...(s3References.length > 0
      ? [
          {
            Sid: 'ReadReferences',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: s3References.map(({ bucket, prefix }) => `arn:aws:s3:::${bucket}/${prefix}*`),
          },
          ...listPrefixStatements('ListReference', s3References),
        ]
      : []),
    {
      Sid: 'ReadToolLogs',
      Effect: 'Allow',
      Action: 'logs:GetLogEvents',
      Resource: $interpolate`arn:aws:logs:*:${accountId}:log-group:${JOB_LOG_GROUP}:log-stream:*`,
    },
    {
      Sid: 'DataKeys',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: [...dataKeys.values()].map((key) => key.arn),
    },
  ],
});
new aws.iam.RolePolicy('StepJobRolePolicy', { role: jobRole.id, policy: stepJobPolicy });

interface JobSize {
  vcpus: number;
  memoryMiB: number;
  timeoutSeconds: number;
  attempts: number;
  command: string[];
}

/** Every (pipeline, step) of the config's pipelines: each gets its own multi-container job definition. */
const pipelineSteps = Object.values(pipelinesOf(landfall)).flatMap((pipeline) =>
  pipeline.steps.map((step) => ({ pipeline: pipeline.name, step })),
);

/**
 * Steps that submit Batch jobs of their own (a Nextflow head) run as a role of their own: a step job's rights
 * and the head's (stacks/batchHeadPolicy.ts), so no other step may submit jobs or pass roles.
 */
const batchHeads = pipelineSteps.flatMap(({ step }) => (step.submitsBatchJobs ? [step.submitsBatchJobs] : []));
const batchHeadRole =
  batchHeads.length === 0
    ? undefined
    : new aws.iam.Role('BatchHeadJobRole', {
        description: 'Landfall steps that submit Batch jobs of their own (a Nextflow head): a step job, and its tasks',
        assumeRolePolicy: assume('ecs-tasks.amazonaws.com'),
      });
if (batchHeadRole) {
  new aws.iam.RolePolicy('BatchHeadJobRoleStepPolicy', { role: batchHeadRole.id, policy: stepJobPolicy });
  new aws.iam.RolePolicy('BatchHeadJobRolePolicy', {
    role: batchHeadRole.id,
    policy: accountId.apply((account) => JSON.stringify({ Version: '2012-10-17', Statement: batchHeadStatements(batchHeads, account) })),
  });
}
const validation: JobSize = {
  vcpus: landfall.validation.jobVcpus,
  memoryMiB: landfall.validation.jobMemoryMiB,
  timeoutSeconds: landfall.validation.jobTimeoutSeconds,
  attempts: 2,
  command: ['landfall-validate'],
};

/** One region's Batch: image repository, spot and on-demand environments, the two queues, the job definitions. */
function regionBatch(region: string) {
  const id = pascal(region);
  const opts = { provider: providerFor(region) };
  const network = networks.get(region)!;
  const quota = landfall.regions.find((r) => r.name === region)!.vcpuQuota;

  const repository = new aws.ecr.Repository(
    `StepRepository${id}`,
    {
      name: stepRepositoryName(landfall.app),
      imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfigurations: [{ encryptionType: 'KMS', kmsKey: dataKeys.get(region)?.arn }],
    },
    opts,
  );
  const image = $interpolate`${accountId}.dkr.ecr.${region}.amazonaws.com/${stepRepositoryName(landfall.app)}:${tag}`;

  // Scratch is the instance's root volume (Batch on EC2 has no per-job disk size): one launch template per class.
  const launchTemplates = Object.fromEntries(
    (Object.keys(scratchClasses) as ScratchClass[]).map((scratch) => [
      scratch,
      new aws.ec2.LaunchTemplate(
        `Scratch${pascal(scratch)}${id}`,
        {
          name: `${landfall.app}-${stage}-${region}-${scratch}-scratch`,
          description: `Batch instances with a ${scratchClasses[scratch].rootVolumeGiB} GiB encrypted root volume for ${scratch} scratch`,
          blockDeviceMappings: [
            {
              deviceName: '/dev/xvda',
              ebs: { volumeSize: scratchClasses[scratch].rootVolumeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
            },
          ],
          metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled' },
        },
        opts,
      ),
    ]),
  ) as Record<ScratchClass, aws.ec2.LaunchTemplate>;

  const environment = (kind: 'spot' | 'onDemand', scratch: ScratchClass) =>
    new aws.batch.ComputeEnvironment(
      `Compute${kind === 'spot' ? 'Spot' : 'OnDemand'}${scratch === 'standard' ? '' : pascal(scratch)}${id}`,
      {
        name: computeEnvironmentName(landfall.app, stage, region, kind, scratch),
        type: 'MANAGED',
        computeResources: {
          type: kind === 'spot' ? 'SPOT' : 'EC2',
          // Spot: the pools least likely to be reclaimed; on-demand: the cheapest instances that fit.
          allocationStrategy: kind === 'spot' ? 'SPOT_PRICE_CAPACITY_OPTIMIZED' : 'BEST_FIT_PROGRESSIVE',
          minVcpus: IDLE_MIN_VCPUS,
          maxVcpus: quota,
          instanceTypes: ['optimal'],
          instanceRole: instanceProfile.arn,
          subnets: network.subnets.map((subnet) => subnet.id),
          securityGroupIds: [network.computeSecurityGroup.id],
          launchTemplate: { launchTemplateId: launchTemplates[scratch].id, version: '$Latest' },
        },
      },
      opts,
    );
  const environments = Object.fromEntries(
    (Object.keys(scratchClasses) as ScratchClass[]).map((scratch) => [
      scratch,
      { spot: environment('spot', scratch), onDemand: environment('onDemand', scratch) },
    ]),
  ) as Record<ScratchClass, { spot: aws.batch.ComputeEnvironment; onDemand: aws.batch.ComputeEnvironment }>;
  const { spot, onDemand } = environments.standard;
  // Urgent work (early steps, validation) prefers on-demand: no reclaim; normal work prefers spot: cheaper.
  const order = (scratch: ScratchClass): Record<JobQueueKind, aws.batch.ComputeEnvironment[]> => ({
    urgent: [environments[scratch].onDemand, environments[scratch].spot],
    normal: [environments[scratch].spot, environments[scratch].onDemand],
  });
  // Jobs carry their own priority (urgent samples, early steps, longest job first: functions/workflow/priority.ts),
  // which Batch honours only on a queue with a fair-share policy — and refuses on a FIFO queue. One share for
  // every job: no decay, no reserve, so the policy only lets each job's priority order the queue.
  const schedulingPolicy = new aws.batch.SchedulingPolicy(
    `JobSchedulingPolicy${id}`,
    {
      name: schedulingPolicyName(landfall.app, stage, region),
      fairSharePolicy: {
        computeReservation: 0,
        shareDecaySeconds: 0,
        shareDistributions: [{ shareIdentifier: JOB_SHARE_IDENTIFIER, weightFactor: 1 }],
      },
    },
    opts,
  );
  const queueOf = (kind: JobQueueKind, scratch: ScratchClass) =>
    new aws.batch.JobQueue(
      `JobQueue${pascal(kind)}${scratch === 'standard' ? '' : `${pascal(scratch)}Scratch`}${id}`,
      {
        name: jobQueueName(landfall.app, stage, region, kind, scratch),
        state: 'ENABLED',
        priority: jobQueues[kind].priority,
        schedulingPolicyArn: schedulingPolicy.arn,
        computeEnvironmentOrders: order(scratch)[kind].map((environment, index) => ({
          order: index + 1,
          computeEnvironment: environment.arn,
        })),
      },
      // A FIFO queue cannot be given a policy later (Batch): a stack deployed before it gets new queues.
      { ...opts, replaceOnChanges: ['schedulingPolicyArn'], deleteBeforeReplace: true },
    );
  const queues = Object.fromEntries((Object.keys(jobQueues) as JobQueueKind[]).map((kind) => [kind, queueOf(kind, 'standard')])) as Record<
    JobQueueKind,
    aws.batch.JobQueue
  >;
  const largeScratchQueues = (Object.keys(jobQueues) as JobQueueKind[]).map((kind) => queueOf(kind, 'large'));

  const definition = (suffix: string, size: Pick<JobSize, 'timeoutSeconds' | 'attempts'>, properties: Record<string, unknown>) =>
    new aws.batch.JobDefinition(
      `JobDefinition${pascal(suffix)}${id}`,
      {
        name: jobDefinitionName(landfall.app, stage, suffix),
        type: 'container',
        platformCapabilities: ['EC2'],
        ...properties,
        retryStrategy: { attempts: size.attempts, evaluateOnExits: JOB_RETRY_RULES.map((rule) => ({ ...rule })) },
        timeout: { attemptDurationSeconds: Math.max(60, size.timeoutSeconds) },
      },
      opts,
    );
  const definitions = pipelineSteps.map(({ pipeline, step }) =>
    definition(`${pipeline}-${step.name}`, step, {
      ecsProperties: $util
        .all([image, (step.submitsBatchJobs ? batchHeadRole! : jobRole).arn])
        .apply(([landfallImage, taskRoleArn]) =>
          JSON.stringify(stepJobEcsProperties({ step, pipeline, landfallImage, taskRoleArn, region })),
        ),
    }),
  );
  // Validation runs in the home region only, next to the landing bucket: one container, Landfall's image.
  if (region === landfall.homeRegion)
    definitions.push(
      definition(VALIDATION_JOB_DEFINITION, validation, {
        containerProperties: $jsonStringify({
          image,
          command: validation.command,
          jobRoleArn: jobRole.arn,
          // As for the step phases (stepJobDefinition.ts): the SDK's region, never left to the agent.
          environment: [{ name: 'AWS_REGION', value: region }],
          resourceRequirements: [
            { type: 'VCPU', value: String(validation.vcpus) },
            { type: 'MEMORY', value: String(validation.memoryMiB) },
          ],
        }),
      }),
    );
  return {
    repository,
    environments: [spot, onDemand, environments.large.spot, environments.large.onDemand],
    queues,
    largeScratchQueues,
    definitions,
  };
}

/** Each region's Batch resources, by region. */
export const batch = new Map(landfall.regions.map((region) => [region.name, regionBatch(region.name)]));

/** Stack outputs: where to push the step image in each region, and the tag this deploy expects. */
export const outputs = {
  stepImageTag: tag,
  ...Object.fromEntries([...batch].map(([region, { repository }]) => [`stepRepository${pascal(region)}`, repository.repositoryUrl])),
};
