import landfall from '../landfall.config.ts';
import type { FunctionName } from '../contracts/names.ts';
import { stateMachinesOf } from '../workflows/asl/buildStateMachine.ts';
import { pipelinesOf } from '../workflows/pipelines/index.ts';
import { bus } from './bus.ts';
import { catalogTable, idempotencyTable } from './catalog.ts';
import {
  VALIDATION_JOB_DEFINITION,
  computeEnvironmentName,
  jobDefinitionName,
  jobQueueName,
  jobQueues,
  scratchClasses,
  stateMachineArn,
  stateMachineName,
  type JobQueueKind,
  type ScratchClass,
} from '../contracts/names.ts';
import { functionPermissions, kmsActionsFor, objectKinds, type Grant, type ResourceKind } from './permissions.ts';
import { FUNCTION_SIZING } from './functionSizing.ts';
import { LAMBDA_RUNTIME } from './nodeMajor.ts';
import { homeRegion, pascal } from './regions.ts';
import { dataKeys, landing, quarantine, results, staging } from './storage.ts';
import { fileShares } from './fileShares.ts';
import { notifySecretArns, notifyTopicArns, notifyTopics } from './notifications.ts';

const stage = $app.stage.toLowerCase();
const accountId = aws.getCallerIdentityOutput({}).accountId;
const regions = landfall.regions.map((region) => region.name);
// Job definitions the functions submit with: every (pipeline, step), and the validation job.
const jobDefinitions = [
  ...Object.values(pipelinesOf(landfall)).flatMap((pipeline) => pipeline.steps.map((step) => `${pipeline.name}-${step.name}`)),
  VALIDATION_JOB_DEFINITION,
];

/** Graviton: cheaper per GB-second for the same work. */
export const LAMBDA_ARCHITECTURE = 'arm64';
/** Long enough to follow an incident back a month, short enough that logs do not pile up forever. */
export const LOG_RETENTION = '1 month';

/** Logical names of every state machine: one per pipeline, one more for a pipeline's run-scope steps. */
const machineNames = Object.keys(stateMachinesOf(Object.values(pipelinesOf(landfall))));

/** The deployed state machines' ARNs by logical name, built from their names (the machines need these functions first). */
const stateMachineArns = Object.fromEntries(
  machineNames.map((pipeline) => [
    pipeline,
    accountId.apply((account) => stateMachineArn(homeRegion, account, stateMachineName(landfall.app, stage, pipeline))),
  ]),
);

const bucketsOf = (buckets: { bucket: aws.s3.Bucket }[]) => buckets.map(({ bucket }) => bucket.arn);
const objectsOf = (buckets: { bucket: aws.s3.Bucket }[]) => buckets.map(({ bucket }) => $interpolate`${bucket.arn}/*`);
const stagingBuckets = [...staging.values()];

/** ARNs of each kind of resource a grant names. */
const resourceArns: Record<ResourceKind, $util.Input<string>[]> = {
  catalogTable: [catalogTable.arn, $interpolate`${catalogTable.arn}/index/*`],
  idempotencyTable: [idempotencyTable.arn],
  bus: [bus.arn],
  landingBucket: bucketsOf([landing]),
  landingObjects: objectsOf([landing]),
  resultsBucket: bucketsOf([results]),
  resultsObjects: objectsOf([results]),
  quarantineObjects: objectsOf([quarantine]),
  stagingBuckets: bucketsOf(stagingBuckets),
  stagingObjects: objectsOf(stagingBuckets),
  stateMachines: Object.values(stateMachineArns),
  executions: machineNames.map((pipeline) =>
    accountId.apply((account) => `${stateMachineArn(homeRegion, account, stateMachineName(landfall.app, stage, pipeline), 'execution')}:*`),
  ),
  jobQueues: regions.flatMap((region) =>
    (Object.keys(jobQueues) as JobQueueKind[]).flatMap((kind) =>
      (Object.keys(scratchClasses) as ScratchClass[]).map(
        (scratch) =>
          $interpolate`arn:aws:batch:${region}:${accountId}:job-queue/${jobQueueName(landfall.app, stage, region, kind, scratch)}`,
      ),
    ),
  ),
  // SubmitJob names the definition without a revision: every revision is allowed.
  jobDefinitions: regions.flatMap((region) =>
    jobDefinitions.flatMap((step) => [
      $interpolate`arn:aws:batch:${region}:${accountId}:job-definition/${jobDefinitionName(landfall.app, stage, step)}`,
      $interpolate`arn:aws:batch:${region}:${accountId}:job-definition/${jobDefinitionName(landfall.app, stage, step)}:*`,
    ]),
  ),
  jobs: regions.map((region) => $interpolate`arn:aws:batch:${region}:${accountId}:job/*`),
  unscopable: ['*'],
  notifyTopics: notifyTopicArns,
  notifySecrets: notifySecretArns,
  computeEnvironments: regions.flatMap((region) =>
    (Object.keys(scratchClasses) as ScratchClass[]).flatMap((scratch) =>
      (['spot', 'onDemand'] as const).map(
        (kind) =>
          $interpolate`arn:aws:batch:${region}:${accountId}:compute-environment/${computeEnvironmentName(landfall.app, stage, region, kind, scratch)}`,
      ),
    ),
  ),
};

/** Regions whose data key a grant needs: the home key for home buckets, each staging region's key for staging. */
function keysFor(grant: Grant): $util.Input<string>[] {
  const regionsTouched = new Set<string>();
  for (const kind of grant.on) {
    if (!objectKinds.has(kind)) continue;
    if (kind === 'stagingObjects') for (const region of staging.keys()) regionsTouched.add(region);
    else regionsTouched.add(homeRegion);
  }
  return [...regionsTouched].map((region) => dataKeys.get(region)!.arn);
}

/** IAM statements of one function, from its declaration in `stacks/permissions.ts`. */
export function permissionsOf(name: FunctionName): sst.aws.FunctionArgs['permissions'] {
  return functionPermissions[name].flatMap((grant) => {
    const statement = { actions: [...grant.actions], resources: grant.on.flatMap((kind) => resourceArns[kind]) };
    const kms = kmsActionsFor(grant);
    return kms.length === 0 ? [statement] : [statement, { actions: kms, resources: keysFor(grant) }];
  });
}

/** Environment of every function: what `functions/shared/awsServices.ts` and Powertools read. */
const environment = {
  LANDFALL_BUS_NAME: bus.name,
  LANDFALL_STATE_MACHINES: $jsonStringify(stateMachineArns),
  LANDFALL_CATALOG_TABLE: catalogTable.name,
  LANDFALL_IDEMPOTENCY_TABLE: idempotencyTable.name,
  // Names the compute environments whose warm capacity functions set (contracts/names.ts computeEnvironmentName).
  LANDFALL_STAGE: stage,
  // Deployed bucket names carry the stage and account (S3 names are global); the config has the base names.
  LANDFALL_BUCKETS: $jsonStringify({
    landing: landing.bucket.bucket,
    results: results.bucket.bucket,
    quarantine: quarantine.bucket.bucket,
    ...Object.fromEntries([...staging].map(([region, { bucket }]) => [`staging:${region}`, bucket.bucket])),
  }),
  // The upload barrier maps a File Upload Event to its team by the share's ARN, known only once deployed.
  LANDFALL_FILE_SHARES: $jsonStringify(Object.fromEntries([...fileShares].map(([team, share]) => [team, share.arn]))),
  // Team → its notification topic (stacks/notifications.ts), for the notifier's email.
  LANDFALL_NOTIFY_TOPICS: $jsonStringify(Object.fromEntries([...notifyTopics].map(([team, topic]) => [team, topic.arn]))),
  POWERTOOLS_SERVICE_NAME: landfall.app,
  POWERTOOLS_METRICS_NAMESPACE: 'Landfall',
  POWERTOOLS_LOG_LEVEL: 'INFO',
};

/** One Lambda per handler file `functions/<name>.ts` (each exports `handler`; `functions/registry.ts` lists them). */
function landfallFunction(name: FunctionName): sst.aws.Function {
  return new sst.aws.Function(pascal(name), {
    description: `Landfall ${name}`,
    handler: `functions/${name}.handler`,
    runtime: LAMBDA_RUNTIME,
    architecture: LAMBDA_ARCHITECTURE,
    ...FUNCTION_SIZING[name],
    logging: { retention: LOG_RETENTION, format: 'json' },
    environment,
    permissions: permissionsOf(name),
    transform: {
      // SST 4.17.1 tests `!dev` on an Output (always false), so it always adds the account root to the
      // trust policy, its `sst dev` setting: anyone in the account allowed sts:AssumeRole could act as
      // the function. Only Lambda may assume a function's role.
      role: (args) => {
        args.assumeRolePolicy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        });
      },
    },
  });
}

/** Every deployed function by name. */
export const functions = Object.fromEntries(
  (Object.keys(functionPermissions) as FunctionName[]).map((name) => [name, landfallFunction(name)]),
) as Record<FunctionName, sst.aws.Function>;

/** Stack outputs: the function names, for `aws lambda invoke` and the logs. */
export const outputs = Object.fromEntries(Object.entries(functions).map(([name, fn]) => [`function${pascal(name)}`, fn.name]));
