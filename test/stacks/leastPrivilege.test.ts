/**
 * Least privilege checked against behaviour: recorded ⊆ declared (stacks/permissions.ts), per handler.
 * (declared = the deployed policy's actions is checked on the Pulumi-mock run: platformSuite.ts,
 * "grants <fn> exactly the actions stacks/permissions.ts declares".)
 *
 * How the behaviour is recorded (test/support/sdkRecorder.ts): the embedded runtime runs in this process
 * on a generated run dropped on its share; every handler in `functions/registry.ts` is wrapped so what it
 * sends is attributed to it.
 *
 * Coverage, honestly:
 * - DynamoDB (catalog and Powertools idempotency): recorded at the SDK — the runtime uses the real
 *   DynamoDB SDK against dynalite, so these are the exact operations the handler sends in AWS.
 * - S3: recorded as ObjectStorage method calls of each handler; what each method sends to S3 is measured
 *   here by running the real S3Storage against s3rver, then mapped to IAM actions (HeadObject is
 *   s3:GetObject, ListObjectsV2 s3:ListBucket, multipart parts s3:PutObject …). KMS actions follow from
 *   the S3 ones (as AWS authorizes SSE-KMS), not from a recording.
 * - EventBridge, Step Functions, Batch (jobs and warm capacity): recorded as seam method calls, mapped to
 *   IAM actions by SEAM_ACTIONS below — a declaration of what the AWS seam implementations send
 *   (seams/events/EventBridgePublisher.ts, seams/workflows/SfnWorkflowService.ts, seams/jobs/BatchJobService.ts,
 *   seams/capacity/BatchComputeCapacity.ts), not a recording of their SDK calls.
 * - Tables are compared (a DynamoDB action is granted per table: the catalog's or the idempotency store's);
 *   buckets are not here (test/aws/iamAudit.test.ts models them).
 * - Handlers the flow does not reach are checked by declaration only; COVERED pins which ones are reached.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import type { FunctionName } from '../../contracts/names.ts';
import { functionHandlers } from '../../functions/registry.ts';
import { EmbeddedRuntime } from '../../runtime/EmbeddedRuntime.ts';
import { S3Storage } from '../../seams/storage/S3Storage.ts';
import { declaredActions } from '../../stacks/permissions.ts';
import e2eConfig from '../fixtures/landfall.e2e.config.ts';
import { dropRun, e2eConfigPath, waitFor, waitForTerminalSamples } from '../support/runtimeProcess.ts';
import { startS3rver } from '../support/s3rverFixture.ts';
import { installSdkRecorder, recordAs, recordSeam, recorded, resetRecorder, type RecordedCall } from '../support/sdkRecorder.ts';
import { ungrantedOnTables } from '../support/tableGrants.ts';
import { tableNames } from '../../config/defineConfig.ts';

/** IAM action(s) AWS authorizes an S3 SDK operation as. */
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
  // A copy reads the source and writes the target.
  CopyObject: ['s3:GetObject', 's3:PutObject'],
  UploadPartCopy: ['s3:GetObject', 's3:PutObject'],
  DeleteObject: ['s3:DeleteObject'],
};

/** SSE-KMS: reading decrypts, writing generates a data key (and multipart decrypts it again). */
const KMS_FOR: Record<string, string[]> = { 's3:GetObject': ['kms:Decrypt'], 's3:PutObject': ['kms:GenerateDataKey', 'kms:Decrypt'] };

/** What the AWS implementations of the other seams send, by seam method (declared, see the header). */
const SEAM_ACTIONS: Record<string, string[]> = {
  'events.publish': ['events:PutEvents'],
  'workflows.startExecution': ['states:StartExecution'],
  'workflows.sendTaskSuccess': ['states:SendTaskSuccess'],
  'workflows.sendTaskFailure': ['states:SendTaskFailure'],
  'workflows.describeExecution': ['states:DescribeExecution'],
  'jobs.submit': ['batch:SubmitJob'],
  'jobs.describe': ['batch:DescribeJobs'],
  'jobs.terminate': ['batch:TerminateJob'],
  'jobs.findByName': ['batch:ListJobs'],
  'capacity.setWarmVcpus': ['batch:UpdateComputeEnvironment'],
  // EmfMetrics writes Embedded Metric Format to the function's log: no API call.
  'metrics.putMetricData': [],
};

/** Handlers the dropped run must reach: losing one loses behavioural coverage, so it fails here. */
const COVERED: FunctionName[] = [
  'land',
  'reconcileRuns',
  'validate',
  'startWorkflow',
  'submitStep',
  'jobStateChange',
  'publishStep',
  'completeSample',
  'indexRun',
  'reportRun',
  'regionWokeUp',
];

/** Violations of recorded ⊆ declared: one message per function and undeclared action. */
// biome-ignore lint/suspicious/noExportsInTest: the grants check imports this pure helper
export function undeclaredActions(actionsByFunction: Map<string, Set<string>>, declared: (name: FunctionName) => string[]): string[] {
  const violations: string[] = [];
  for (const [name, actions] of actionsByFunction) {
    const allowed = new Set(declared(name as FunctionName));
    for (const action of [...actions].sort())
      if (!allowed.has(action)) violations.push(`${name}: sent ${action}, which stacks/permissions.ts does not declare`);
  }
  return violations;
}

/** IAM actions of recorded calls, per function, with S3 methods resolved through the measured map. */
function iamActions(calls: RecordedCall[], storageMethods: Map<string, string[]>): Map<string, Set<string>> {
  const byFunction = new Map<string, Set<string>>();
  for (const call of calls) {
    let actions: string[];
    if (call.service !== 'seam') actions = [`${call.service}:${call.operation}`];
    else if (call.operation.startsWith('storage.')) {
      const s3 = storageMethods.get(call.operation.slice('storage.'.length));
      if (!s3) throw new Error(`${call.who}: storage method ${call.operation} was not measured on s3rver`);
      actions = s3;
    } else {
      const mapped = SEAM_ACTIONS[call.operation];
      if (!mapped) throw new Error(`${call.who}: seam method ${call.operation} has no IAM mapping in SEAM_ACTIONS`);
      actions = mapped;
    }
    const set = byFunction.get(call.who) ?? new Set<string>();
    for (const action of actions) {
      set.add(action);
      for (const kms of KMS_FOR[action] ?? []) set.add(kms);
    }
    byFunction.set(call.who, set);
  }
  return byFunction;
}

/** S3 IAM actions each S3Storage method sends, measured on s3rver. */
async function measureStorageMethods(): Promise<Map<string, string[]>> {
  const s3 = await startS3rver({ buckets: ['landing', 'results'] });
  try {
    const storage = new S3Storage(s3.client, { uploadPartSize: 5 * 1024 * 1024 });
    const methods: Record<string, () => Promise<unknown>> = {
      put: () => storage.put('landing', 'k', 'hello'),
      // A stream of unknown length goes through lib-storage's Upload.
      putStream: () => storage.put('landing', 's', Readable.from([Buffer.from('hello')])),
      get: async () => (await storage.get('landing', 'k')).resume(),
      getBytes: () => storage.getBytes('landing', 'k'),
      head: () => storage.head('landing', 'k'),
      list: () => storage.list('landing', ''),
      copy: () => storage.copy('landing', 'k', 'results', 'k'),
      delete: () => storage.delete('results', 'k'),
    };
    const measured = new Map<string, string[]>();
    for (const [method, call] of Object.entries(methods)) {
      resetRecorder();
      await recordAs(method, call);
      const operations = recorded()
        .calls.filter((c) => c.service === 's3')
        .map((c) => c.operation);
      const actions = operations.flatMap((operation) => {
        const iam = S3_IAM[operation];
        if (!iam) throw new Error(`S3Storage.${method} sent ${operation}, which S3_IAM does not map to an IAM action`);
        return iam;
      });
      measured.set(method, [...new Set(actions)].sort());
    }
    // put covers both a body in memory and a stream.
    measured.set('put', [...new Set([...measured.get('put')!, ...measured.get('putStream')!])].sort());
    measured.delete('putStream');
    resetRecorder();
    return measured;
  } finally {
    await s3.close();
  }
}

describe('least privilege against behaviour', () => {
  let stateDir: string;
  let runtime: EmbeddedRuntime | undefined;
  let storageMethods: Map<string, string[]>;
  let actions: Map<string, Set<string>>;
  let calls: RecordedCall[];
  const originals = { ...functionHandlers };

  beforeAll(async () => {
    installSdkRecorder();
    storageMethods = await measureStorageMethods();
    for (const name of Object.keys(functionHandlers) as FunctionName[]) {
      const original = originals[name];
      functionHandlers[name] = (event, context) => recordAs(name, () => original(event, context));
    }
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-least-privilege-'));
    runtime = await EmbeddedRuntime.start({ config: e2eConfig, configPath: e2eConfigPath, stateDir });
    const { services } = runtime;
    recordSeam('storage', services.storage, ['put', 'get', 'getBytes', 'head', 'list', 'copy', 'delete']);
    recordSeam('events', services.events, ['publish']);
    recordSeam('workflows', services.workflows, ['startExecution', 'sendTaskSuccess', 'sendTaskFailure', 'describeExecution']);
    recordSeam('jobs', services.jobs, ['submit', 'describe', 'terminate']);
    recordSeam('capacity', services.capacity, ['setWarmVcpus']);
    recordSeam('metrics', services.metrics, ['putMetricData']);
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261123_LH00417_0099_B22FJKLT3'),
      runId: '261123_LH00417_0099_B22FJKLT3',
      seed: 11,
      samples: 2,
      readsPerSample: 200,
      team: 'genomics',
    });
    await dropRun(runtime.shareDir, 'genomics', run);
    await waitForTerminalSamples(services.catalog, 'genomics', run.runId, 2);
    // Reports and indexes follow the samples' end: wait (bounded) for every handler the run should reach.
    const reached = () =>
      new Set(
        recorded()
          .calls.filter((c) => c.service === 'dynamodb')
          .map((c) => c.who),
      );
    await waitFor(
      'every handler of COVERED to send something',
      () => COVERED.every((name) => reached().has(name)) || undefined,
      60_000,
    ).catch(() => undefined);
    calls = recorded().calls;
    actions = iamActions(calls, storageMethods);
  }, 240_000);

  afterAll(async () => {
    Object.assign(functionHandlers, originals);
    await runtime?.stop();
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  });

  it('measures what each S3Storage method sends on s3rver', () => {
    expect(Object.fromEntries(storageMethods)).toEqual({
      // put heads the object it wrote (its etag, size and version id): s3:GetObject as well.
      put: ['s3:GetObject', 's3:PutObject'],
      get: ['s3:GetObject'],
      getBytes: ['s3:GetObject'],
      head: ['s3:GetObject'],
      list: ['s3:ListBucket'],
      copy: ['s3:GetObject', 's3:PutObject'],
      delete: ['s3:DeleteObject'],
    });
  });

  it('records DynamoDB operations at the SDK for every handler the run reaches', () => {
    const reached = [...new Set(calls.filter((c) => c.service === 'dynamodb').map((c) => c.who))];
    expect(reached.sort()).toEqual(expect.arrayContaining([...COVERED].sort()));
  });

  it('every handler sends only actions stacks/permissions.ts declares for it', () => {
    expect(undeclaredActions(actions, declaredActions)).toEqual([]);
  });

  it('every DynamoDB call names a table its handler is granted that action on', () => {
    const names = tableNames(e2eConfig);
    const kinds = { [names.catalog]: 'catalogTable', [names.idempotency]: 'idempotencyTable' } as const;
    const ungranted = calls.flatMap((call) =>
      call.who in functionHandlers ? ungrantedOnTables(call.who as FunctionName, call, kinds).map((what) => `${call.who}: ${what}`) : [],
    );
    expect([...new Set(ungranted)]).toEqual([]);
  });

  it('reports an undeclared action naming the function', () => {
    const tampered = new Map([...actions].map(([name, set]) => [name, new Set(set)]));
    tampered.get('land')!.add('dynamodb:Scan');
    expect(undeclaredActions(tampered, declaredActions)).toEqual([
      'land: sent dynamodb:Scan, which stacks/permissions.ts does not declare',
    ]);
  });
});
