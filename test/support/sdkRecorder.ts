/**
 * Records the AWS operations Landfall code sends while it runs, attributed to whoever is running
 * (a function name, or a seam method), for the least-privilege test (test/stacks/leastPrivilege.test.ts).
 *
 * Two levels, both process-wide:
 * - SDK: every AWS SDK v3 client (DynamoDB, S3, EventBridge, Batch, Step Functions) gets an `initialize`
 *   middleware on its first `send`, recording `(clientName, commandName)` of each command — lib-dynamodb
 *   commands arrive as the DynamoDB operation they translate to (PutCommand → PutItem) — and, for DynamoDB,
 *   the tables it names.
 * - Seams: `recordSeam` wraps the methods of a seam instance (storage, events, jobs, …) so a call records
 *   `seam:<seam>.<method>`; the test maps that to IAM actions (S3 ones measured on s3rver).
 * Attribution uses AsyncLocalStorage: `recordAs(name, fn)` — everything `fn` sends, however deeply awaited,
 * is recorded under `name`. Calls outside any `recordAs` are counted as `unattributed`, never dropped silently.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchClient } from '@aws-sdk/client-batch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';

/** One recorded call: who (function or seam method) sent which operation. */
export interface RecordedCall {
  who: string;
  /** `dynamodb`, `s3`, `events`, `batch`, `states`, or `seam` for seam-level records. */
  service: string;
  /** SDK operation (`PutItem`) or seam method (`storage.put`). */
  operation: string;
  /** DynamoDB: the tables the call names (IAM authorizes each action on the table, not on the service). */
  tables?: string[];
}

/** The tables a DynamoDB command's input names: `TableName`, or the keys of `RequestItems` (batch reads and writes). */
function tablesOf(input: unknown): string[] | undefined {
  const { TableName, RequestItems } = (input ?? {}) as { TableName?: unknown; RequestItems?: Record<string, unknown> };
  if (typeof TableName === 'string') return [TableName];
  if (RequestItems) return Object.keys(RequestItems);
  return undefined;
}

const SERVICE_OF_CLIENT: Record<string, string> = {
  DynamoDBClient: 'dynamodb',
  DynamoDBDocumentClient: 'dynamodb',
  S3Client: 's3',
  EventBridgeClient: 'events',
  BatchClient: 'batch',
  SFNClient: 'states',
  SNSClient: 'sns',
  SecretsManagerClient: 'secretsmanager',
};

const who = new AsyncLocalStorage<string>();
const calls: RecordedCall[] = [];
let unattributed = 0;
const instrumented = new WeakSet<object>();
const MIDDLEWARE = 'landfallSdkRecorder';

function record(service: string, operation: string, tables?: string[]): void {
  const name = who.getStore();
  if (name === undefined) unattributed += 1;
  else calls.push({ who: name, service, operation, ...(tables ? { tables } : {}) });
}

interface Stack {
  add(middleware: unknown, options: { step: string; name: string }): void;
}

/** Adds the recording middleware to a client's stack (once per stack). */
function instrument(stack: Stack): void {
  if (instrumented.has(stack)) return;
  instrumented.add(stack);
  stack.add(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
      const service = SERVICE_OF_CLIENT[String(context.clientName)];
      if (!service)
        throw new Error(
          `sdkRecorder: client ${String(context.clientName)} (command ${String(context.commandName)}) has no IAM service prefix; add it to SERVICE_OF_CLIENT`,
        );
      const tables = service === 'dynamodb' ? tablesOf((args as { input?: unknown }).input) : undefined;
      record(service, String(context.commandName).replace(/Command$/, ''), tables);
      return next(args);
    },
    { step: 'initialize', name: MIDDLEWARE },
  );
}

let installed = false;

/**
 * Installs the SDK recorder process-wide: patches `send` of the smithy `Client` base class(es) the
 * Landfall clients extend, so clients created anywhere (seams, Catalog, Powertools) are recorded.
 */
export function installSdkRecorder(): void {
  if (installed) return;
  installed = true;
  const bases = new Set(
    [DynamoDBClient, S3Client, EventBridgeClient, BatchClient, SFNClient, SNSClient, SecretsManagerClient].map(
      (client) => Object.getPrototypeOf(client.prototype) as { send: (...args: unknown[]) => unknown },
    ),
  );
  for (const base of bases) {
    const send = base.send;
    base.send = function (this: { middlewareStack: Stack }, ...args: unknown[]) {
      instrument(this.middlewareStack);
      return send.apply(this, args);
    };
  }
}

/** Runs `fn` with everything it sends (SDK or seam) recorded under `name`. */
export function recordAs<T>(name: string, fn: () => T): T {
  return who.run(name, fn);
}

/**
 * Wraps the seam interface's methods of an instance in place, recording `seam:<seam>.<method>` per call
 * (only the interface's: a local stand-in has methods of its own that AWS never sees).
 */
export function recordSeam(seam: string, instance: object, methods: readonly string[]): void {
  const target = instance as Record<string, unknown>;
  for (const method of methods) {
    if (typeof target[method] !== 'function') throw new Error(`sdkRecorder: the ${seam} seam has no method ${method}`);
    const original = target[method] as (...args: unknown[]) => unknown;
    target[method] = function (this: unknown, ...args: unknown[]) {
      record('seam', `${seam}.${method}`);
      return original.apply(instance, args);
    };
  }
}

/** Everything recorded so far (a copy) and how many calls ran outside any `recordAs`. */
export function recorded(): { calls: RecordedCall[]; unattributed: number } {
  return { calls: [...calls], unattributed };
}

/** Forgets what was recorded (between independent measurements in one process). */
export function resetRecorder(): void {
  calls.length = 0;
  unattributed = 0;
}
