/**
 * Runs `sst.config.ts` offline: no AWS, no Pulumi engine, no SST CLI. The program's `run()` executes under
 * Pulumi's unit-test mocks with the globals SST's CLI normally provides, and every resource it declares is
 * recorded as `{ type, name, inputs, provider }` for tests to inspect.
 *
 * Pulumi keeps its mocks, stack and transformations in process-wide state, so a program always runs in a
 * fresh child process ({@link runSstProgram} starts `runSstProgram.ts`); {@link executeSstProgram} is what
 * that child calls. The harness uses SST internals (the shim, `src/auto/run.ts`, the CLI's RPC methods): `sst`
 * is pinned exactly, and an upgrade that changes them fails here loudly.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { register } from 'node:module';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One resource the program declared, as the Pulumi engine would have received it. */
export interface RecordedResource {
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`; providers are `pulumi:providers:aws`. */
  type: string;
  /** Logical name, e.g. `LandingBucket`. */
  name: string;
  /** Resolved inputs after every transformation. */
  inputs: Record<string, unknown>;
  /** Provider reference (`<urn>::<id>`) when the resource names one; absent for the default (home) provider. */
  provider?: string;
  /** False for component resources (SST components, the stack). */
  custom: boolean;
  /** The id the mock gave it: the physical name for buckets, `<name>-id` otherwise. */
  id: string;
  /** The ARN the mock gave it (custom resources only). */
  arn?: string;
}

/** A call the program made to SST's CLI over `SST_SERVER`. */
export interface RecordedRpc {
  method: string;
  params: unknown;
}

/** What one offline run of `sst.config.ts` produced. */
export interface SstProgramRun {
  app: { name: string; stage: string; region: string; removal: string; protect: boolean };
  resources: RecordedResource[];
  /** The stack outputs `run()` returned, resolved. */
  outputs: Record<string, unknown>;
  /** Provider function calls (`aws:index/getCallerIdentity:getCallerIdentity`, …). */
  calls: { token: string; inputs: Record<string, unknown> }[];
  rpc: RecordedRpc[];
  durationMs: number;
}

export interface SstProgramOptions {
  /** Repository root holding `sst.config.ts` and `.sst/platform`. @default this repository */
  root?: string;
  /** Stage passed to `app()`. @default 'test' */
  stage?: string;
  /** A module used instead of `landfall.config.ts` wherever it is imported. */
  config?: string;
  /**
   * A module exporting `transforms`: Pulumi stack transformations registered before `run()`,
   * e.g. to make one bucket public and prove the checks notice.
   */
  transforms?: string;
  /** Kill the child after this long: a watchdog for a hung child, not a performance bound (a loaded 2-core machine
   * took over 60 s). @default 180_000 */
  timeoutMs?: number;
}

/** The shape of a transformation in a `transforms` module (Pulumi's `ResourceTransformation`). */
export type StackTransformation = (args: {
  type: string;
  name: string;
  props: Record<string, unknown>;
  opts: Record<string, unknown>;
}) => { props: Record<string, unknown>; opts: Record<string, unknown> } | undefined;

/** Raised when the program cannot be run offline; the message names the step and shows the child's output. */
export class SstHarnessError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SstHarnessError';
  }
}

export const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const mockAccountId = '123456789012';
const childEntry = join(dirname(fileURLToPath(import.meta.url)), 'runSstProgram.ts');

/**
 * Runs `sst.config.ts` in a fresh `node --import tsx` child and returns what it declared.
 *
 * @example
 * const run = await runSstProgram({ stage: 'test' });
 * const buckets = run.resources.filter((r) => r.type === 'aws:s3/bucket:Bucket');
 */
export async function runSstProgram(options: SstProgramOptions = {}): Promise<SstProgramRun> {
  const root = options.root ?? repositoryRoot;
  const work = mkdtempSync(join(tmpdir(), 'landfall-sst-'));
  const out = join(work, 'run.json');
  const timeoutMs = options.timeoutMs ?? 180_000;
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', childEntry, JSON.stringify({ ...options, root, out })], {
      cwd: root,
      env: { ...process.env, SST_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    if (code !== 0) {
      const why = signal === 'SIGKILL' ? `was killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`;
      throw new SstHarnessError(
        `offline run of ${join(root, 'sst.config.ts')} ${why}:\n${output.trim().split('\n').slice(-40).join('\n')}`,
      );
    }
    return JSON.parse(readFileSync(out, 'utf8')) as SstProgramRun;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// In the child process.
// ---------------------------------------------------------------------------------------------

/** The parts of `@pulumi/pulumi` the harness uses; typed here so tsc does not need `.sst/platform`. */
interface PulumiModule {
  output(value: unknown): { apply(fn: (value: unknown) => unknown): unknown };
  runtime: {
    setMocks(mocks: unknown, project?: string, stack?: string, preview?: boolean): Promise<void>;
    runInPulumiStack(init: () => Promise<unknown>): Promise<unknown>;
    registerStackTransformation(t: StackTransformation): void;
    /** Resolves once every pending registration (including those made inside `apply`) is done. */
    waitForRPCs(): Promise<void>;
  };
}

interface SstConfig {
  app(input: { stage: string }): Promise<AppInfo> | AppInfo;
  run(): Promise<Record<string, unknown> | undefined>;
}

interface AppInfo {
  name: string;
  removal?: string;
  protect?: boolean;
  providers?: { aws?: { region?: string } };
}

function arnOf(type: string, name: string, id: string, region: string): string {
  const [pkg, module = 'index'] = type.split(':');
  const service = module.split('/')[0]!;
  if (type === 'aws:s3/bucket:Bucket') return `arn:aws:s3:::${id}`;
  if (type === 'aws:kms/key:Key') return `arn:aws:kms:${region}:${mockAccountId}:key/${id}`;
  return `arn:${pkg}:${service}:${region}:${mockAccountId}:${name}`;
}

interface PolicyDocumentStatement {
  sid?: string;
  effect?: string;
  actions?: string[];
  notActions?: string[];
  resources?: string[];
  notResources?: string[];
  principals?: { type: string; identifiers: string[] }[];
  notPrincipals?: { type: string; identifiers: string[] }[];
  conditions?: { test: string; variable: string; values: string[] }[];
}

/** The IAM JSON that `aws.iam.getPolicyDocument` would return, so policy checks see real documents. */
function renderPolicyDocument(inputs: Record<string, unknown>) {
  const principals = (list: PolicyDocumentStatement['principals']) =>
    list && Object.fromEntries(list.map((p) => [p.type === '*' ? 'AWS' : p.type, p.identifiers]));
  const statements = (inputs.statements ?? []) as PolicyDocumentStatement[];
  return {
    Version: inputs.version ?? '2012-10-17',
    Statement: statements.map((s) => {
      const conditions: Record<string, Record<string, string[]>> = {};
      for (const c of s.conditions ?? []) (conditions[c.test] ??= {})[c.variable] = c.values;
      return Object.fromEntries(
        Object.entries({
          Sid: s.sid,
          Effect: s.effect ?? 'Allow',
          Action: s.actions,
          NotAction: s.notActions,
          Resource: s.resources,
          NotResource: s.notResources,
          Principal: principals(s.principals),
          NotPrincipal: principals(s.notPrincipals),
          Condition: s.conditions ? conditions : undefined,
        }).filter(([, value]) => value !== undefined),
      );
    }),
  };
}

/** Answers the CLI methods SST components call: assets need the bootstrap buckets, functions need a build. */
function answerRpc(method: string, params: Record<string, unknown>, work: string): unknown {
  switch (method) {
    case 'Provider.Aws.Bootstrap': {
      const region = String(params.region);
      return {
        asset: `sst-asset-${region}-mock`,
        assetEcrRegistryId: mockAccountId,
        assetEcrUrl: `${mockAccountId}.dkr.ecr.${region}.amazonaws.com/sst-asset`,
        state: `sst-state-${region}-mock`,
        appsyncHttp: 'mock.appsync-api.amazonaws.com',
        appsyncRealtime: 'mock.appsync-realtime-api.amazonaws.com',
      };
    }
    case 'Runtime.Build': {
      // A real directory with a placeholder bundle, so components that zip the build find files.
      const out = mkdtempSync(join(work, 'build-'));
      const handler = typeof params.handler === 'string' ? params.handler : 'index.handler';
      writeFileSync(join(out, 'index.mjs'), 'export const handler = async () => ({});\n');
      return { handler, out, errors: [], sourcemaps: [] };
    }
    case 'Runtime.AddTarget':
      return {};
    default:
      return undefined;
  }
}

async function startRpcServer(work: string, rpc: RecordedRpc[]) {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [Record<string, unknown>] };
      rpc.push({ method, params: params[0] });
      const result = answerRpc(method, params[0] ?? {}, work);
      res.writeHead(200, { 'content-type': 'application/json' });
      // The CLI's error text for unknown methods, which SST components treat as "not supported".
      res.end(JSON.stringify(result === undefined ? { error: `rpc: can't find method ${method}` } : { result, error: null }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Makes every import of `from` load `to` instead (the `config` option). */
function redirectModule(from: string, to: string) {
  const hooks = `
    const from = ${JSON.stringify(pathToFileURL(from).href)};
    const to = ${JSON.stringify(pathToFileURL(to).href)};
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      return result.url === from ? { ...result, url: to } : result;
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
}

function settle(pulumi: PulumiModule, value: unknown): Promise<unknown> {
  return new Promise((done) => pulumi.output(value).apply((resolved) => done(resolved)));
}

/**
 * Runs `sst.config.ts` in THIS process under Pulumi mocks. Pulumi's state is process-wide:
 * call it once per process (tests use {@link runSstProgram}).
 */
export async function executeSstProgram(options: SstProgramOptions & { root: string }): Promise<SstProgramRun> {
  const started = Date.now();
  const root = options.root;
  const platform = join(root, '.sst', 'platform');
  const stage = options.stage ?? 'test';
  const load = (path: string) => import(pathToFileURL(join(platform, path)).href);

  if (options.config) redirectModule(join(root, 'landfall.config.ts'), resolve(root, options.config));

  let pulumi: PulumiModule;
  try {
    pulumi = (await load('node_modules/@pulumi/pulumi/index.js')) as PulumiModule;
  } catch (cause) {
    throw new SstHarnessError(`cannot load @pulumi/pulumi from ${platform}: run "npm run sst:install" first`, { cause });
  }

  // `app()` runs first, as in the CLI; `$config` is the identity function there too.
  Object.assign(globalThis, { $config: (input: unknown) => input });
  const config = ((await import(pathToFileURL(join(root, 'sst.config.ts')).href)) as { default: SstConfig }).default;
  const app = await config.app({ stage });
  const region = app.providers?.aws?.region;
  if (!region) throw new SstHarnessError(`${join(root, 'sst.config.ts')}: app() must set providers.aws.region (found none)`);

  const resources: RecordedResource[] = [];
  const calls: SstProgramRun['calls'] = [];
  const rpc: RecordedRpc[] = [];
  const providerRegions = new Map<string, string>();
  const regionOf = (provider: string | undefined) =>
    (provider && [...providerRegions].find(([id]) => provider.endsWith(`::${id}`))?.[1]) || region;

  await pulumi.runtime.setMocks(
    {
      newResource(args: { type: string; name: string; inputs: Record<string, unknown>; provider?: string; custom?: boolean }) {
        const provider = args.provider || undefined;
        const isBucket = args.type === 'aws:s3/bucket:Bucket';
        const id = isBucket && typeof args.inputs.bucket === 'string' ? args.inputs.bucket : `${args.name}-id`;
        if (args.type === 'pulumi:providers:aws') providerRegions.set(id, String(args.inputs.region ?? region));
        const custom = args.custom ?? false;
        const arn = custom ? arnOf(args.type, args.name, id, regionOf(provider)) : undefined;
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          ...(provider ? { provider } : {}),
          custom,
          id,
          ...(arn ? { arn } : {}),
        });
        const state: Record<string, unknown> = { ...args.inputs, arn, name: args.inputs.name ?? args.name };
        if (isBucket)
          Object.assign(state, {
            bucket: id,
            bucketDomainName: `${id}.s3.amazonaws.com`,
            bucketRegionalDomainName: `${id}.s3.${regionOf(provider)}.amazonaws.com`,
          });
        if (args.type === 'aws:kms/key:Key') state.keyId = id;
        return { id, state };
      },
      call(args: { token: string; inputs: Record<string, unknown>; provider?: string }) {
        calls.push({ token: args.token, inputs: args.inputs });
        const callRegion = regionOf(args.provider || undefined);
        switch (args.token) {
          case 'aws:index/getCallerIdentity:getCallerIdentity':
            return {
              accountId: mockAccountId,
              arn: `arn:aws:iam::${mockAccountId}:user/landfall-test`,
              userId: 'AIDAMOCK',
              id: mockAccountId,
            };
          case 'aws:index/getRegion:getRegion':
            return {
              name: callRegion,
              region: callRegion,
              id: callRegion,
              description: callRegion,
              endpoint: `ec2.${callRegion}.amazonaws.com`,
            };
          case 'aws:iam/getPolicyDocument:getPolicyDocument': {
            const json = JSON.stringify(renderPolicyDocument(args.inputs));
            // SST reads `statements` back to decide whether a role gets an inline policy at all.
            return { json, minifiedJson: json, id: 'policy-document', statements: args.inputs.statements ?? [] };
          }
          case 'aws:index/getAvailabilityZones:getAvailabilityZones': {
            const names = ['a', 'b', 'c'].map((zone) => `${callRegion}${zone}`);
            return { names, zoneIds: names.map((_, index) => `${callRegion.slice(0, 3)}-az${index + 1}`), id: callRegion };
          }
          case 'aws:index/getPartition:getPartition':
            return { partition: 'aws', dnsSuffix: 'amazonaws.com', reverseDnsSuffix: 'com.amazonaws', id: 'aws' };
          default: {
            // Pulumi drops this error's message on the way back to the program, so say it here too.
            const message = `no mock for the provider function ${args.token}: add one to test/support/pulumiHarness.ts`;
            process.stderr.write(`${message}\n`);
            throw new SstHarnessError(message);
          }
        }
      },
    },
    app.name,
    stage,
    false,
  );

  // SST's `$cli.paths.work`: function builds and archives land here, and go with the run.
  const work = mkdtempSync(join(tmpdir(), 'landfall-sst-work-'));
  const server = await startRpcServer(work, rpc);
  process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const appGlobal = { name: app.name, stage, removal: app.removal ?? 'retain', providers: app.providers, protect: app.protect ?? false };
    Object.assign(globalThis, {
      $app: appGlobal,
      $dev: false,
      $cli: {
        command: 'deploy',
        rpc: process.env.SST_SERVER,
        paths: { home: join(homedir(), '.config', 'sst'), root, work, platform },
        state: { version: {} },
      },
    });
    const shim = (await load('src/shim/run.js')) as Record<string, unknown>;
    Object.assign(globalThis, shim, {
      sst: await load('src/components/index.ts'),
      aws: await load('node_modules/@pulumi/aws/index.js'),
    });

    let transforms: StackTransformation[] = [];
    if (options.transforms) {
      ({ transforms } = (await import(pathToFileURL(resolve(root, options.transforms)).href)) as { transforms: StackTransformation[] });
      if (!Array.isArray(transforms))
        throw new SstHarnessError(`${options.transforms} must export "transforms", an array of stack transformations`);
    }

    // What the CLI's generated entry does: `run(mod.run)` from src/auto/run.ts, which adds SST's own transformations.
    const { run } = (await load('src/auto/run.ts')) as { run: (program: () => Promise<unknown>) => Promise<Record<string, unknown>> };
    const stackOutputs = await pulumi.runtime.runInPulumiStack(() => {
      // Stack transformations need the root stack resource, which exists only from here on.
      for (const transform of transforms) pulumi.runtime.registerStackTransformation(transform);
      return run(async () => (await config.run()) ?? {});
    });
    const outputs = ((await settle(pulumi, stackOutputs)) ?? {}) as Record<string, unknown>;
    await pulumi.runtime.waitForRPCs();
    return { app: { ...appGlobal, region }, resources, outputs, calls, rpc, durationMs: Date.now() - started };
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}
