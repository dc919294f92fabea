/**
 * What each Landfall function may do in AWS, declared once as plain data (no SST globals), so that
 * `stacks/functions.ts` turns it into IAM policies and tests can compare it with the deployed policies
 * and with the SDK calls the handlers are recorded making. Resources are named by kind; the stack maps
 * each kind to ARNs (`stacks/functions.ts` → `resourceArns`).
 *
 * Why the actions are what they are (IAM, not SDK, names):
 * - HeadObject is authorized as `s3:GetObject`; ListObjectsV2 as `s3:ListBucket` on the bucket.
 * - A function that reads an object which may be missing (and treats "missing" as an answer) also needs
 *   `s3:ListBucket` on its bucket: without it S3 answers 403 AccessDenied, not 404, for a missing key
 *   (S3 API Reference, GetObject and HeadObject, "Permissions"). {@link listToTellMissing} grants it.
 * - Multipart uploads (lib-storage `Upload`, `UploadPartCopy` above 5 GB) are `s3:PutObject` on the
 *   target plus `s3:AbortMultipartUpload` to clean up a failed one; a copy reads the source with `s3:GetObject`.
 * - Objects are SSE-KMS: reading needs `kms:Decrypt`, writing `kms:GenerateDataKey` (and `kms:Decrypt`
 *   for multipart), on the key of the bucket's region only.
 * - Step Functions authorizes task-token callbacks against the state machine that issued the token.
 */
import type { FunctionName } from '../contracts/names.ts';

/** Kinds of resources a function is granted access to. */
export type ResourceKind =
  | 'catalogTable'
  | 'idempotencyTable'
  | 'bus'
  | 'landingBucket'
  | 'landingObjects'
  | 'resultsBucket'
  | 'resultsObjects'
  | 'quarantineObjects'
  | 'stagingBuckets'
  | 'stagingObjects'
  | 'stateMachines'
  | 'executions'
  | 'jobQueues'
  | 'jobDefinitions'
  | 'jobs'
  | 'computeEnvironments'
  /** Each notifying team's SNS topic (stacks/notifications.ts). */
  | 'notifyTopics'
  /** The Secrets Manager secrets holding the teams' chat webhook URLs (landfall.config.ts `notify.chat.webhookSecret`). */
  | 'notifySecrets'
  /**
   * `*`: only for actions IAM cannot scope to a resource (the action has no resource types in the Service
   * Authorization Reference), listed in {@link UNSCOPABLE_ACTIONS}; the stack test holds every other
   * statement to named resources.
   */
  | 'unscopable';

/** One IAM statement in the making: these actions on every resource of these kinds. */
export interface Grant {
  /** Statement id: says why the function needs it. */
  sid: string;
  actions: readonly string[];
  on: readonly ResourceKind[];
}

// BatchGetItem: a sample's conclusion reads its files and their verdicts together (CatalogTable.getMany).
const CATALOG_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;
const catalog: Grant = { sid: 'Catalog', actions: CATALOG_ACTIONS, on: ['catalogTable'] };
/** Powertools idempotency records (functions/shared/idempotency.ts): read, written in progress, completed, deleted on failure. */
const idempotency: Grant = {
  sid: 'Idempotency',
  actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
  on: ['idempotencyTable'],
};
const publish: Grant = { sid: 'PublishEvents', actions: ['events:PutEvents'], on: ['bus'] };
const readLanding: Grant = { sid: 'ReadLanded', actions: ['s3:GetObject'], on: ['landingObjects'] };
const startExecution: Grant = { sid: 'StartExecutions', actions: ['states:StartExecution'], on: ['stateMachines'] };
/** Deferred jobs (behind a run's early steps) are released by whichever handler sees the early steps finish. */
const submitJobs: Grant = { sid: 'SubmitJobs', actions: ['batch:SubmitJob'], on: ['jobQueues', 'jobDefinitions'] };
/** Warm capacity: minvCpus of a region's compute environments (seams/capacity/BatchComputeCapacity.ts). */
const setWarmCapacity: Grant = { sid: 'SetWarmCapacity', actions: ['batch:UpdateComputeEnvironment'], on: ['computeEnvironments'] };
/** Actions with no resource-level permissions: a statement granting them must name Resource `*`. */
export const UNSCOPABLE_ACTIONS: ReadonlySet<string> = new Set(['batch:DescribeJobs', 'batch:ListJobs']);
/**
 * A retried submission finds the job Batch accepted before its id was recorded (ListJobs by JOB_NAME), and asks
 * whether it already finished (DescribeJobs); the sweep checks finished jobs whose state change was lost:
 * read-only, neither scopable to a queue.
 */
const findSubmittedJobs: Grant = { sid: 'FindSubmittedJobs', actions: ['batch:ListJobs', 'batch:DescribeJobs'], on: ['unscopable'] };
/**
 * A job submitted while its record moved on (the job was moved out of its region meanwhile, or its sample ended)
 * is stopped again at once; a failed sample's running jobs are stopped (workflow/stopVersionJobs.ts).
 */
const stopJobs: Grant = { sid: 'StopJobs', actions: ['batch:TerminateJob'], on: ['jobs'] };
/** A failed attempt's failure record, read from the work area of the region the job ran in. */
const readFailureRecords: Grant = { sid: 'ReadFailureRecords', actions: ['s3:GetObject'], on: ['resultsObjects', 'stagingObjects'] };
/**
 * A job that ended before stage-out recorded nothing: the missing failure record must be a 404, which S3
 * answers only to a caller that may list the bucket (else 403, and completing the job would throw).
 */
const listToTellMissing: Grant = { sid: 'TellMissingFailureRecords', actions: ['s3:ListBucket'], on: ['resultsBucket', 'stagingBuckets'] };
/**
 * A landed object deleted before its event is handled is "no longer there" (404) only with list rights; and at
 * a run's completion signal the landing lists the run's folder for files whose events are still on their way.
 */
const listLanding: Grant = { sid: 'TellMissingLanded', actions: ['s3:ListBucket'], on: ['landingBucket'] };
const writeResults: Grant = {
  sid: 'WriteResults',
  actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
  on: ['resultsObjects'],
};

/**
 * Every function's grants. `Record<FunctionName, …>` makes a new function without a declaration a
 * type error; the stack test checks the keys against `functions/registry.ts`.
 *
 * @example
 * functionPermissions.land.flatMap((grant) => grant.actions); // ['dynamodb:GetItem', …]
 */
export const functionPermissions: Record<FunctionName, readonly Grant[]> = {
  land: [catalog, publish, readLanding, listLanding],
  uploadBarrier: [catalog, publish, readLanding, listLanding],
  reconcileRuns: [
    catalog,
    publish,
    { sid: 'ReadAndMoveLanded', actions: ['s3:GetObject', 's3:DeleteObject'], on: ['landingObjects'] },
    { sid: 'ListLanded', actions: ['s3:ListBucket'], on: ['landingBucket'] },
    // A re-driven sample validated here may be rejected: its files are copied to quarantine (each copy checked
    // with a head) and reasons.json is read back.
    { sid: 'Quarantine', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], on: ['quarantineObjects'] },
    writeResults,
    // A finished job whose state change was lost is completed here as jobStateChange would (failure records).
    readFailureRecords,
    listToTellMissing,
    startExecution,
    { sid: 'DescribeExecutions', actions: ['states:DescribeExecution'], on: ['executions'] },
    submitJobs,
    // Jobs moved out of a region whose queue does not drain are stopped where they were.
    { sid: 'StopReplacedJobs', actions: ['batch:TerminateJob'], on: ['jobs'] },
    // Finished jobs whose state change was lost; a VALIDATING sample's validation job, kept if Batch still has it.
    findSubmittedJobs,
  ],
  reprocess: [catalog, publish, startExecution],
  validate: [
    catalog,
    // A redelivered "Sample Landed" is answered from the store (functions/validation/validateLandedSample.ts).
    idempotency,
    publish,
    { sid: 'ReadAndMoveLanded', actions: ['s3:GetObject', 's3:DeleteObject'], on: ['landingObjects'] },
    { sid: 'Quarantine', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], on: ['quarantineObjects'] },
    // Samples too large for a function: the job's input goes to the home work area, then the job is submitted
    // (a re-drive keeps the job of that name Batch already has).
    writeResults,
    submitJobs,
    findSubmittedJobs,
  ],
  // One landed FASTQ read once; HeadObject after the pass tells a file replaced meanwhile (404 for a deleted one needs List).
  validateFile: [catalog, readLanding, listLanding],
  // Concludes a validation job exactly as `validate` concludes inline validation.
  validationJobFinished: [
    catalog,
    publish,
    { sid: 'ReadAndMoveLanded', actions: ['s3:GetObject', 's3:DeleteObject'], on: ['landingObjects'] },
    { sid: 'Quarantine', actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], on: ['quarantineObjects'] },
    writeResults,
    submitJobs,
  ],
  reportRun: [catalog, writeResults],
  startWorkflow: [catalog, publish, startExecution],
  jobStateChange: [
    catalog,
    publish,
    // A job moved out of a lost region gets its manifest again (kept in the home results bucket).
    writeResults,
    readFailureRecords,
    listToTellMissing,
    { sid: 'CompleteTasks', actions: ['states:SendTaskSuccess', 'states:SendTaskFailure'], on: ['stateMachines'] },
    startExecution,
    submitJobs,
    // A job re-placed elsewhere is stopped where it was.
    { sid: 'StopReplacedJobs', actions: ['batch:TerminateJob'], on: ['jobs'] },
  ],
  submitStep: [
    catalog,
    publish,
    // The job's manifest, kept beside its work area in the home results bucket. No input is read or copied
    // here: the job's stage-in reads inputs where they are.
    writeResults,
    // A published step reused by a later execution completes its task at once.
    { sid: 'CompleteTasks', actions: ['states:SendTaskSuccess'], on: ['stateMachines'] },
    startExecution,
    submitJobs,
    findSubmittedJobs,
    // Work placed in a scaled-down region raises its warm capacity in parallel with the submission.
    setWarmCapacity,
    stopJobs,
  ],
  publishStep: [
    catalog,
    publish,
    readLanding,
    {
      sid: 'PublishOutputs',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      on: ['resultsObjects', 'stagingObjects'],
    },
    { sid: 'ListWorkAreas', actions: ['s3:ListBucket'], on: ['resultsBucket', 'stagingBuckets'] },
    startExecution,
  ],
  completeSample: [catalog, publish, writeResults, startExecution],
  // Concludes a run's run-scope steps, then the run (as indexRun does, which may start a run's run steps).
  finishRunSteps: [catalog, publish, writeResults, startExecution],
  failSample: [catalog, publish, writeResults, startExecution, stopJobs],
  // Starts a run's run-scope steps once its samples published what they need.
  indexRun: [catalog, publish, writeResults, startExecution],
  // A release claimed by a function that died is taken over after asking Batch for the job by name.
  releaseHeldSteps: [catalog, submitJobs, stopJobs, findSubmittedJobs],
  // Activity goes out as Embedded Metric Format on the function's log: no PutMetricData (which would need '*').
  publishActivity: [catalog],
  scaleRegion: [catalog, publish, setWarmCapacity],
  regionWokeUp: [catalog, publish],
  warmBusinessHours: [catalog, setWarmCapacity],
  // Messages to people: pending failures and claims in the catalog, the steps' reasons and costs read there;
  // email by publishing to the team's topic, chat by reading the webhook URL from its secret.
  notify: [
    catalog,
    // A run of more samples than its "Run Completed" names is told from its index.json (samplesOfRunCompleted).
    { sid: 'ReadRunIndex', actions: ['s3:GetObject'], on: ['resultsObjects'] },
    { sid: 'EmailTeams', actions: ['sns:Publish'], on: ['notifyTopics'] },
    { sid: 'ReadChatWebhooks', actions: ['secretsmanager:GetSecretValue'], on: ['notifySecrets'] },
  ],
};

/** The S3 kinds and whether they are objects (need the bucket's KMS key) — the stack grants keys from this. */
export const objectKinds: ReadonlySet<ResourceKind> = new Set(['landingObjects', 'resultsObjects', 'quarantineObjects', 'stagingObjects']);

/**
 * Every IAM action a function is declared to need, sorted and unique: what tests compare with the
 * deployed policy and with recorded SDK calls. KMS actions follow from the object grants.
 *
 * @example declaredActions('indexRun'); // ['dynamodb:DeleteItem', …, 'kms:Decrypt', 'kms:GenerateDataKey', 's3:PutObject', …]
 */
export function declaredActions(name: FunctionName): string[] {
  return [...new Set(functionPermissions[name].flatMap((grant) => [...grant.actions, ...kmsActionsFor(grant)]))].sort();
}

/** KMS actions that an object grant implies: decrypt to read, generate a data key to write. */
export function kmsActionsFor(grant: Grant): string[] {
  if (!grant.on.some((kind) => objectKinds.has(kind))) return [];
  const writes = grant.actions.some((action) => action === 's3:PutObject');
  const reads = grant.actions.some((action) => action === 's3:GetObject') || writes;
  return [...(reads ? ['kms:Decrypt'] : []), ...(writes ? ['kms:GenerateDataKey'] : [])];
}
