/**
 * Emulator tier: the IAM audit from evidence. Landfall's handlers run against moto with the services a Lambda
 * gets in AWS (functions/shared/awsServices.ts: S3Storage, Catalog on DynamoDB, EventBridgePublisher,
 * SfnWorkflowService, BatchJobService). A generated run is put in the landing bucket and each object announced
 * to `land` as S3 would; every event a handler publishes goes to moto's bus AND to the handlers whose rules
 * (events/rules.ts) match it, as EventBridge would deliver it — so one sample walks land → validate →
 * startWorkflow → (indexRun …) for real. The schedules (reconcile-runs, publish-region-activity) and a Batch
 * state change are delivered the same way.
 *
 * Every SDK call is recorded per function (test/support/sdkRecorder.ts, SDK middleware) and mapped to the IAM
 * action AWS authorizes it as. A call its function is not granted (stacks/permissions.ts) fails this file; the
 * grants never used are listed in the table printed at the end (function, calls, granted, unused). S3 requests
 * also pass test/support/s3Model.ts acting as the calling function: an action on a bucket outside its grants,
 * or a missing key read without s3:ListBucket, is a 403 there as in AWS.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStateMachineCommand, DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import {
  BatchClient,
  CreateComputeEnvironmentCommand,
  CreateJobQueueCommand,
  DescribeJobsCommand,
  ListJobsCommand,
  RegisterJobDefinitionCommand,
} from '@aws-sdk/client-batch';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import baseConfig from '../../landfall.config.ts';
import { bucketNames, bucketRegions, withDeployedBuckets } from '../../config/defineConfig.ts';
import { batchJobStateChangeEvent } from '../../contracts/events/batch.ts';
import { objectCreatedEvent } from '../../contracts/events/s3.ts';
import { scheduledEvent } from '../../contracts/events/scheduled.ts';
import { landfallEvent } from '../../contracts/events/landfall.ts';
import { computeEnvironmentName, type FunctionName, jobQueueName, notifyTopicName, stepJobDefinitionName } from '../../contracts/names.ts';
import { AwsNotifier } from '../../seams/notify/AwsNotifier.ts';
import { generateRun } from '../../demo/generateRun.ts';
import { type EventPattern, matchesPattern } from '../../events/pattern/index.ts';
import { buildRules } from '../../events/rules.ts';
import { Catalog } from '../../functions/catalog/Catalog.ts';
import { functionHandlers } from '../../functions/registry.ts';
import { awsServices } from '../../functions/shared/awsServices.ts';
import { ensureIdempotencyTable } from '../../functions/shared/idempotency.ts';
import { installServices, type Services } from '../../functions/shared/services.ts';
import { localContext } from '../../runtime/lambda/invokeLocally.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { declaredActions, functionPermissions, type ResourceKind } from '../../stacks/permissions.ts';
import { PLACEHOLDERS, stateMachinesOf, substitutePlaceholders } from '../../workflows/asl/buildStateMachine.ts';
import { pipelineNamed, routedPipelines } from '../../workflows/pipelines/index.ts';
import { MOTO_MISSING, type MotoServer, startMoto } from '../support/motoServer.ts';
import { startChatReceiver } from '../support/notificationSinks.ts';
import { type BucketKinds, functionGrants, type S3Model, startS3Model } from '../support/s3Model.ts';
import { installSdkRecorder, recordAs, recorded, resetRecorder } from '../support/sdkRecorder.ts';
import { ungrantedOnTables } from '../support/tableGrants.ts';

const HOME = baseConfig.homeRegion;
/** Who the test's own AWS calls are recorded as (not a function: left out of the audit). */
const TEST_SETUP = '(test setup)';
const STAGE = 'test';
const ACCOUNT = '123456789012';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const DEPLOYED = {
  landing: 'landfall-test-landing',
  results: 'landfall-test-results',
  quarantine: 'landfall-test-quarantine',
  ...Object.fromEntries(
    baseConfig.regions.filter((r) => r.name !== HOME).map((r) => [`staging:${r.name}`, `landfall-test-staging-${r.name}`]),
  ),
};
const config = withDeployedBuckets(baseConfig, JSON.stringify(DEPLOYED));
const names = bucketNames(config);

/** IAM action(s) AWS authorizes an SDK operation as (S3's names differ from its operations). */
const S3_IAM: Record<string, string[]> = {
  HeadObject: ['s3:GetObject'],
  GetObject: ['s3:GetObject'],
  ListObjectsV2: ['s3:ListBucket'],
  HeadBucket: ['s3:ListBucket'],
  PutObject: ['s3:PutObject'],
  CreateMultipartUpload: ['s3:PutObject'],
  UploadPart: ['s3:PutObject'],
  CompleteMultipartUpload: ['s3:PutObject'],
  AbortMultipartUpload: ['s3:AbortMultipartUpload'],
  CopyObject: ['s3:GetObject', 's3:PutObject'],
  UploadPartCopy: ['s3:GetObject', 's3:PutObject'],
  DeleteObject: ['s3:DeleteObject'],
};
function iamActionsOf(service: string, operation: string): string[] {
  if (service !== 's3') return [`${service}:${operation}`];
  const mapped = S3_IAM[operation];
  if (!mapped) throw new Error(`S3 operation ${operation} has no IAM mapping in iamAudit.test.ts`);
  return mapped;
}

/** The tables the stack grants by kind (stacks/permissions.ts): an action is granted on a table, not on DynamoDB. */
const TABLE_KINDS: Record<string, ResourceKind> = {
  'landfall-test-catalog': 'catalogTable',
  'landfall-test-idempotency': 'idempotencyTable',
};

const KINDS: Record<string, BucketKinds> = {
  [names.landing]: { bucket: 'landingBucket', objects: 'landingObjects' },
  [names.results]: { bucket: 'resultsBucket', objects: 'resultsObjects' },
  [names.quarantine]: { objects: 'quarantineObjects' },
  ...Object.fromEntries(
    config.regions
      .filter((r) => r.name !== HOME)
      .map((r) => [names.workArea(r.name), { bucket: 'stagingBuckets', objects: 'stagingObjects' }]),
  ),
};

/** moto's IAM query API, unsigned (moto does not check signatures): Batch wants an existing service role. */
async function createRole(moto: MotoServer, name: string): Promise<string> {
  const response = await fetch(`${moto.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: new URLSearchParams({ Action: 'CreateRole', Version: '2010-05-08', RoleName: name, AssumeRolePolicyDocument: '{}' }),
  });
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(await response.text())?.[1];
  if (!response.ok || !arn) throw new Error(`moto CreateRole answered ${response.status}`);
  return arn;
}

/**
 * Each region's compute environments and queues as stacks/batch.ts names them, and a job definition per step of
 * the pipeline. moto 5.2 refuses `ecsProperties`, so the definitions are single-container stand-ins under the real
 * names: the submission (names, queue, overrides) is Landfall's, the definition's shape is checked under Pulumi mocks.
 */
async function createBatch(moto: MotoServer, pipeline: string, steps: readonly string[]): Promise<void> {
  const role = await createRole(moto, 'landfall-test-batch');
  for (const { name: region } of config.regions) {
    const batch = new BatchClient({ endpoint: moto.endpoint, region, credentials });
    const environments: string[] = [];
    for (const kind of ['onDemand', 'spot'] as const) {
      const created = await batch.send(
        new CreateComputeEnvironmentCommand({
          computeEnvironmentName: computeEnvironmentName(config.app, STAGE, region, kind),
          type: 'UNMANAGED',
          state: 'ENABLED',
          serviceRole: role,
        }),
      );
      environments.push(created.computeEnvironmentArn!);
    }
    for (const kind of ['urgent', 'normal'] as const)
      await batch.send(
        new CreateJobQueueCommand({
          jobQueueName: jobQueueName(config.app, STAGE, region, kind),
          priority: kind === 'urgent' ? 100 : 10,
          state: 'ENABLED',
          computeEnvironmentOrder: environments.map((computeEnvironment, index) => ({ order: index + 1, computeEnvironment })),
        }),
      );
    for (const step of steps)
      await batch.send(
        new RegisterJobDefinitionCommand({
          jobDefinitionName: stepJobDefinitionName(config.app, STAGE, pipeline, step),
          type: 'container',
          containerProperties: { image: 'landfall-step:test', command: ['true'], jobRoleArn: role, vcpus: 1, memory: 512 },
        }),
      );
    batch.destroy();
  }
}

describe.skipIf(MOTO_MISSING)('IAM audit: the calls each function makes against moto, checked against its grants', () => {
  let moto: MotoServer;
  let model: S3Model;
  let svc: Services;
  let workDir: string;
  const saved = { ...process.env };
  const rules = buildRules(config);
  const failures: string[] = [];
  const handled: Array<{ fn: FunctionName; what: string }> = [];
  let pending: BusEvent[] = [];
  let submitted = 0;
  let jobsSeen = 0;
  let chat: Awaited<ReturnType<typeof startChatReceiver>> | undefined;

  /** Runs one handler as its function (recorded; S3 under its grants); events it publishes are delivered after. */
  async function invoke(fn: FunctionName, event: unknown, what: string): Promise<void> {
    model.actAs(functionGrants(fn, (bucket) => KINDS[bucket] ?? {}));
    handled.push({ fn, what });
    try {
      await recordAs(fn, () => functionHandlers[fn](event as never, localContext(fn)));
    } catch (error) {
      failures.push(`${fn} (${what}): ${(error as Error).message}`);
    } finally {
      model.actAs(undefined);
    }
  }

  /** Delivers published events to the handlers whose rules match them, until nothing is pending (bounded). */
  async function deliver(): Promise<void> {
    for (let round = 0; round < 20 && pending.length > 0; round++) {
      const batch = pending;
      pending = [];
      for (const event of batch)
        for (const rule of rules)
          if (matchesPattern(rule.pattern as EventPattern, event))
            await invoke(rule.target, event, `${event['detail-type']} via ${rule.name}`);
    }
  }

  beforeAll(async () => {
    moto = await startMoto();
    model = await startS3Model({ upstream: moto.endpoint, bucketRegions: bucketRegions(config) });
    for (const [bucket, region] of Object.entries(bucketRegions(config))) {
      const admin = new S3Client({ endpoint: moto.endpoint, region, credentials });
      await admin.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region !== 'us-east-1' && { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
        }),
      );
      await admin.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      admin.destroy();
    }
    const dynamo = new DynamoDBClient({ endpoint: moto.endpoint, region: HOME, credentials });
    await new Catalog('landfall-test-catalog', dynamo).ensureTable();
    await ensureIdempotencyTable(dynamo, 'landfall-test-idempotency');
    const events = new EventBridgeClient({ endpoint: moto.endpoint, region: HOME, credentials });
    await events.send(new CreateEventBusCommand({ Name: 'landfall-test-bus' }));
    events.destroy();
    const sfn = new SFNClient({ endpoint: moto.endpoint, region: HOME, credentials });
    const functionArns = Object.fromEntries(
      Object.entries(PLACEHOLDERS).map(([name, placeholder]) => [
        placeholder.slice(2, -1),
        `arn:aws:lambda:${HOME}:${ACCOUNT}:function:${name}`,
      ]),
    );
    const machines: Record<string, string> = {};
    for (const [name, definition] of Object.entries(stateMachinesOf(routedPipelines(config)))) {
      const created = await sfn.send(
        new CreateStateMachineCommand({
          name: `landfall-${STAGE}-${name}`,
          roleArn: `arn:aws:iam::${ACCOUNT}:role/landfall-test-states`,
          definition: JSON.stringify(substitutePlaceholders(definition, functionArns)),
        }),
      );
      machines[name] = created.stateMachineArn!;
    }
    sfn.destroy();

    // What the stack sets on every function; S3 goes through the model, everything else straight to moto.
    Object.assign(process.env, moto.env, {
      AWS_REGION: HOME,
      AWS_ENDPOINT_URL_S3: model.endpoint,
      LANDFALL_BUCKETS: JSON.stringify(DEPLOYED),
      LANDFALL_BUS_NAME: 'landfall-test-bus',
      LANDFALL_STATE_MACHINES: JSON.stringify(machines),
      LANDFALL_CATALOG_TABLE: 'landfall-test-catalog',
      LANDFALL_IDEMPOTENCY_TABLE: 'landfall-test-idempotency',
      LANDFALL_STAGE: STAGE,
    });
    svc = await awsServices();
    const publish = svc.events.publish.bind(svc.events);
    svc.events.publish = async (published) => {
      await publish(published);
      pending.push(...published);
    };
    installServices(svc);

    // A small generated run, put where the file share puts it (before recording: the test's own calls) …
    workDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-iam-audit-'));
    const run = await generateRun({
      dir: workDir,
      runId: '261203_LH00417_0101_B22FJKLT3',
      seed: 18,
      samples: 1,
      readsPerSample: 50,
      team: 'genomics',
    });
    const landing = new S3Client({ endpoint: moto.endpoint, region: HOME, credentials });
    const objects: Array<{ name: string; key: string; size: number; etag: string; versionId?: string }> = [];
    for (const file of run.files) {
      const key = `incoming/genomics/${run.runId}/${file.name}`;
      const body = await readFile(file.path);
      const put = await landing.send(new PutObjectCommand({ Bucket: names.landing, Key: key, Body: body }));
      objects.push({ name: file.name, key, size: body.length, etag: put.ETag ?? '', ...(put.VersionId && { versionId: put.VersionId }) });
    }
    landing.destroy();

    // … then each object announced to land as S3 does, in the order they were written, with everything recorded.
    installSdkRecorder();
    resetRecorder();
    for (const object of objects) {
      await invoke(
        'land',
        objectCreatedEvent({
          bucket: names.landing,
          key: object.key,
          size: object.size,
          etag: object.etag,
          versionId: object.versionId,
          requestId: 'AUDIT',
          region: HOME,
        }),
        `Object Created ${object.name}`,
      );
      await deliver();
    }
    for (const ruleName of ['reconcile-runs', 'publish-region-activity']) {
      await invoke(
        rules.find((rule) => rule.name === ruleName)!.target,
        scheduledEvent({ region: HOME, ruleName, account: ACCOUNT }),
        ruleName,
      );
      await deliver();
    }
    // A step job's state change the catalog does not know (another stage's, say): looked up, then ignored.
    await invoke(
      'jobStateChange',
      batchJobStateChangeEvent({
        jobName: 'genomics-261203-S1-v1-g0-qc-0123456789',
        jobId: '8f2f4a9e-0000-4000-8000-000000000001',
        jobQueue: `arn:aws:batch:${HOME}:${ACCOUNT}:job-queue/landfall-${STAGE}-${HOME}-normal`,
        status: 'RUNNABLE',
        region: HOME,
        attempts: [],
      }),
      'Batch Job State Change (unknown job)',
    );
    await deliver();

    // The test's own calls to moto below are recorded under TEST_SETUP and left out of the audit.
    await recordAs(TEST_SETUP, async () => {
      // Step Functions invokes submitStep for each first-level step with the execution's input; moto cannot invoke
      // Lambda tasks, so the test does, with the input startWorkflow started the execution with.
      const demo = pipelineNamed(config, 'demo');
      const firstSteps = demo.steps.filter((step) => (step.needs ?? []).length === 0 && step.scope !== 'run').map((step) => step.name);
      await createBatch(
        moto,
        demo.name,
        demo.steps.map((step) => step.name),
      );
      const sfnAdmin = new SFNClient({ endpoint: moto.endpoint, region: HOME, credentials });
      const { executions = [] } = await sfnAdmin.send(new ListExecutionsCommand({ stateMachineArn: machines[demo.name]! }));
      for (const execution of executions) {
        const { input } = await sfnAdmin.send(new DescribeExecutionCommand({ executionArn: execution.executionArn! }));
        const { sample } = JSON.parse(input ?? '{}') as { sample: unknown };
        for (const step of firstSteps)
          await invoke('submitStep', { taskToken: `audit-${step}`, executionName: execution.name, step, sample }, `Run ${step}`);
        await deliver();
      }
      sfnAdmin.destroy();
      submitted = executions.length;
      // The jobs' state changes as Batch emits them (moto runs no container; its jobs succeed at once).
      for (const { name: region } of config.regions) {
        const batch = new BatchClient({ endpoint: moto.endpoint, region, credentials });
        for (const kind of ['urgent', 'normal'] as const) {
          const { jobSummaryList = [] } = await batch.send(
            new ListJobsCommand({
              jobQueue: jobQueueName(config.app, STAGE, region, kind),
              filters: [{ name: 'JOB_NAME', values: ['*'] }],
            }),
          );
          for (const summary of jobSummaryList) {
            const { jobs = [] } = await batch.send(new DescribeJobsCommand({ jobs: [summary.jobId!] }));
            const job = jobs[0]!;
            await invoke(
              'jobStateChange',
              batchJobStateChangeEvent({
                jobName: job.jobName!,
                jobId: job.jobId!,
                jobArn: job.jobArn,
                jobQueue: job.jobQueue!,
                status: 'SUCCEEDED',
                region,
                attempts: [],
              }),
              `Batch Job State Change ${job.jobName} SUCCEEDED`,
            );
            jobsSeen += 1;
          }
        }
        batch.destroy();
      }
    });

    // Messages to people (issue 19): genomics is told by email (its SNS topic, as stacks/notifications.ts
    // names it) and chat (the webhook URL kept in Secrets Manager). The notify function batches the sample's
    // failure, then sends the batch and the run's DONE message when the run completes, and flushes the window.
    chat = await startChatReceiver();
    const chatSecret = 'landfall/test/genomics-chat';
    const { topicArn, sampleId } = await recordAs(TEST_SETUP, async () => {
      const sns = new SNSClient({ endpoint: moto.endpoint, region: HOME, credentials });
      const topic = await sns.send(new CreateTopicCommand({ Name: notifyTopicName(config.app, STAGE, 'genomics') }));
      await sns.send(new SubscribeCommand({ TopicArn: topic.TopicArn, Protocol: 'email', Endpoint: 'seq-core@genomics.example' }));
      sns.destroy();
      const secrets = new SecretsManagerClient({ endpoint: moto.endpoint, region: HOME, credentials });
      await secrets.send(new CreateSecretCommand({ Name: chatSecret, SecretString: `http://127.0.0.1:${chat!.port}/hooks/genomics` }));
      secrets.destroy();
      const [sample] = await svc.catalog.samples.listInRun('genomics', run.runId);
      return { topicArn: topic.TopicArn!, sampleId: sample!.sampleId };
    });
    svc.config = {
      ...svc.config,
      teams: svc.config.teams.map((team) =>
        team.id === 'genomics'
          ? { ...team, notify: { email: { to: ['seq-core@genomics.example'] }, chat: { webhookSecret: chatSecret } } }
          : team,
      ),
    };
    svc.notifier = new AwsNotifier({ topics: { genomics: topicArn }, webhookSecrets: { genomics: chatSecret } });
    const failure = { team: 'genomics', runId: run.runId, sampleId, version: 1 };
    await invoke(
      'notify',
      landfallEvent('Sample Failed', { ...failure, step: 'qc', error: 'the qc command exited with code 1', dedupeKey: 'audit-failed' }),
      'Sample Failed',
    );
    await invoke(
      'notify',
      landfallEvent('Run Completed', {
        team: 'genomics',
        runId: run.runId,
        samples: [{ sampleId, version: 1, status: 'FAILED' }],
        keys: [],
        indexKey: `teams/genomics/runs/${run.runId}/index.json`,
        dedupeKey: 'audit-run-completed',
      }),
      'Run Completed',
    );
    await invoke('notify', scheduledEvent({ region: HOME, ruleName: 'notify-batch-window', account: ACCOUNT }), 'notify-batch-window');
    await deliver();
  }, 180_000);

  afterAll(async () => {
    process.env = saved;
    if (workDir) await rm(workDir, { recursive: true, force: true });
    await model?.close();
    await moto?.close();
    await chat?.stop();
  });

  it('runs every driven handler without an error (an AccessDenied from the S3 model would show here)', () => {
    expect(failures).toEqual([]);
  });

  it('walks a sample from landing to its step jobs: land, validate, startWorkflow, submitStep, jobStateChange all ran', () => {
    const ran = new Set(handled.map((call) => call.fn));
    for (const fn of ['land', 'validate', 'startWorkflow', 'reconcileRuns', 'publishActivity', 'submitStep', 'jobStateChange'] as const)
      expect(ran, fn).toContain(fn);
    expect(submitted, 'executions started by startWorkflow').toBe(1);
    expect(jobsSeen, 'step jobs submitted to Batch by submitStep').toBeGreaterThan(0);
  });

  it('tells people through SNS and the webhook from Secrets Manager: one failure batch and one DONE message', () => {
    expect(chat?.posts.map((post) => (JSON.parse(post.body) as { text: string }).text.split('\n')[0])).toEqual([
      expect.stringContaining(': 1 sample failed.'),
      expect.stringContaining('is DONE: 1 sample, 0 completed, 0 rejected, 1 failed.'),
    ]);
    const notifyCalls = recorded()
      .calls.filter((call) => call.who === 'notify')
      .map((call) => `${call.service}:${call.operation}`);
    expect(notifyCalls.filter((call) => call === 'sns:Publish')).toHaveLength(2);
    expect(notifyCalls.filter((call) => call === 'secretsmanager:GetSecretValue')).toHaveLength(1);
  });

  it('finds no call a function is not granted, and lists the grants never used', () => {
    const { calls, unattributed } = recorded();
    expect(unattributed).toBe(0);
    const used = new Map<FunctionName, Set<string>>();
    const ungrantedTables = new Map<FunctionName, Set<string>>();
    for (const call of calls) {
      if (call.who === TEST_SETUP) continue;
      const fn = call.who as FunctionName;
      const set = used.get(fn) ?? new Set<string>();
      for (const action of iamActionsOf(call.service, call.operation)) set.add(action);
      used.set(fn, set);
      for (const missing of ungrantedOnTables(fn, call, TABLE_KINDS))
        ungrantedTables.set(fn, (ungrantedTables.get(fn) ?? new Set()).add(missing));
    }
    const rows = (Object.keys(functionPermissions) as FunctionName[]).map((fn) => {
      const declared = new Set(declaredActions(fn).filter((action) => !action.startsWith('kms:')));
      const calls = [...(used.get(fn) ?? [])].sort();
      const ungranted = [...calls.filter((action) => !declared.has(action)), ...(ungrantedTables.get(fn) ?? [])];
      const unused = [...declared].filter((action) => !used.get(fn)?.has(action)).sort();
      return { fn, calls, ungranted, unused, driven: handled.some((call) => call.fn === fn) };
    });
    const table = [
      'IAM audit (emulator tier): function | calls made against moto | granted | grants not used here',
      ...rows.map(
        (row) =>
          `${row.fn.padEnd(22)}| ${(row.driven ? row.calls.join(' ') || '(no AWS call)' : '(not driven by the tier)').padEnd(60)}| ${
            row.ungranted.length === 0 ? 'yes' : `NO: ${row.ungranted.join(' ')}`
          } | ${row.unused.join(' ') || '-'}`,
      ),
      `ungranted calls: ${rows.reduce((sum, row) => sum + row.ungranted.length, 0)}`,
    ].join('\n');
    console.log(table);
    expect(rows.flatMap((row) => row.ungranted.map((action) => `${row.fn}: ${action}`))).toEqual([]);
    expect(rows.filter((row) => row.driven).length).toBeGreaterThanOrEqual(7);
  });
});
