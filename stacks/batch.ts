import landfall from '../landfall.config.ts';
import { pipelinesOf } from '../workflows/pipelines/index.ts';
import { StacksError } from './errors.ts';
import {
  VALIDATION_JOB_DEFINITION,
  computeEnvironmentName,
  jobDefinitionName,
  jobQueueName,
  jobQueues,
  scratchClasses,
  type JobQueueKind,
  type ScratchClass,
} from '../contracts/names.ts';
import { networks } from './network.ts';
import { pascal, providerFor } from './regions.ts';
import { stepImageTag, stepRepositoryName } from './stepImage.ts';
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

/** What a job touches: landed inputs (home), staged inputs and its work area (the region's bucket), the keys of those buckets. */
const jobRole = new aws.iam.Role('StepJobRole', {
  description: 'Landfall step and validation jobs: read inputs, write the work area',
  assumeRolePolicy: assume('ecs-tasks.amazonaws.com'),
});
const stagingBuckets = [...staging.values()];
new aws.iam.RolePolicy('StepJobRolePolicy', {
  role: jobRole.id,
  policy: $jsonStringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadLanded', Effect: 'Allow', Action: 's3:GetObject', Resource: $interpolate`${landing.bucket.arn}/*` },
      {
        Sid: 'WorkAreas',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        Resource: [$interpolate`${results.bucket.arn}/work/*`, ...stagingBuckets.map(({ bucket }) => $interpolate`${bucket.arn}/*`)],
      },
      {
        Sid: 'DataKeys',
        Effect: 'Allow',
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: [...dataKeys.values()].map((key) => key.arn),
      },
    ],
  }),
});

interface JobSize {
  vcpus: number;
  memoryMiB: number;
  timeoutSeconds: number;
  attempts: number;
  command: string[];
}

/** Job definitions by name suffix: one per pipeline step (the same step in two pipelines must agree), and validation. */
function jobSizes(): Map<string, JobSize> {
  const sizes = new Map<string, JobSize>();
  for (const pipeline of Object.values(pipelinesOf(landfall))) {
    for (const step of pipeline.steps) {
      const size = {
        vcpus: step.vcpus,
        memoryMiB: step.memoryMiB,
        timeoutSeconds: step.timeoutSeconds,
        attempts: step.attempts,
        command: ['landfall-step', step.name],
      };
      const known = sizes.get(step.name);
      if (known && JSON.stringify(known) !== JSON.stringify(size)) {
        throw new StacksError(
          `job definition ${jobDefinitionName(landfall.app, stage, step.name)}: pipelines define step ${step.name} with different sizes; give one of them another name`,
        );
      }
      sizes.set(step.name, size);
    }
  }
  if (sizes.has(VALIDATION_JOB_DEFINITION))
    throw new StacksError(
      `job definition ${jobDefinitionName(landfall.app, stage, VALIDATION_JOB_DEFINITION)}: a pipeline step may not be called ${VALIDATION_JOB_DEFINITION}`,
    );
  return sizes;
}
const sizes = jobSizes();
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
  const queueOf = (kind: JobQueueKind, scratch: ScratchClass) =>
    new aws.batch.JobQueue(
      `JobQueue${pascal(kind)}${scratch === 'standard' ? '' : `${pascal(scratch)}Scratch`}${id}`,
      {
        name: jobQueueName(landfall.app, stage, region, kind, scratch),
        state: 'ENABLED',
        priority: jobQueues[kind].priority,
        computeEnvironmentOrders: order(scratch)[kind].map((environment, index) => ({
          order: index + 1,
          computeEnvironment: environment.arn,
        })),
      },
      opts,
    );
  const queues = Object.fromEntries((Object.keys(jobQueues) as JobQueueKind[]).map((kind) => [kind, queueOf(kind, 'standard')])) as Record<
    JobQueueKind,
    aws.batch.JobQueue
  >;
  const largeScratchQueues = (Object.keys(jobQueues) as JobQueueKind[]).map((kind) => queueOf(kind, 'large'));

  const definition = (suffix: string, size: JobSize) =>
    new aws.batch.JobDefinition(
      `JobDefinition${pascal(suffix)}${id}`,
      {
        name: jobDefinitionName(landfall.app, stage, suffix),
        type: 'container',
        platformCapabilities: ['EC2'],
        containerProperties: $jsonStringify({
          image,
          command: size.command,
          jobRoleArn: jobRole.arn,
          resourceRequirements: [
            { type: 'VCPU', value: String(size.vcpus) },
            { type: 'MEMORY', value: String(size.memoryMiB) },
          ],
        }),
        retryStrategy: { attempts: size.attempts, evaluateOnExits: JOB_RETRY_RULES.map((rule) => ({ ...rule })) },
        timeout: { attemptDurationSeconds: Math.max(60, size.timeoutSeconds) },
      },
      opts,
    );
  const definitions = [...sizes].map(([step, size]) => definition(step, size));
  // Validation runs in the home region only, next to the landing bucket.
  if (region === landfall.homeRegion) definitions.push(definition(VALIDATION_JOB_DEFINITION, validation));
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
