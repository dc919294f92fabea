import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/loadConfig.ts';
import { runIndexKey } from '../../contracts/keys.ts';
import type { SampleRecord, StepRecord, VersionRecord } from '../../functions/catalog/types.ts';
import { pipelineNamed } from '../../workflows/pipelines/index.ts';
import { sampleSteps } from '../../workflows/pipeline.ts';

/** One hop of a tiny run through a deployed stack, as `landfall smoke` reports it. */
export interface SmokeHop {
  hop: string;
  state: 'done' | 'waiting' | 'failed';
  detail?: string;
}

/** What the smoke test reads back from the catalog and the results bucket at one moment. */
export interface SmokeObservation {
  files: { expected: number; landed: number };
  sample?: Pick<SampleRecord, 'status' | 'detail'>;
  version?: Pick<VersionRecord, 'status' | 'executionName' | 'reasons'>;
  steps: Array<Pick<StepRecord, 'step' | 'status' | 'region' | 'publishedAt'>>;
  /** The pipeline's sample-scope steps, in order. */
  pipelineSteps: readonly string[];
  runIndexed: boolean;
}

/**
 * The hops of the smoke run, in the order the stack takes them: landed → validated → workflow started → each
 * step published → sample completed → run indexed. A hop after a failed one stays `waiting`.
 *
 * @example smokeHops(observation).find((hop) => hop.state !== 'done'); // where it is, or what failed
 */
export function smokeHops(o: SmokeObservation): SmokeHop[] {
  const hops: SmokeHop[] = [];
  const push = (hop: string, state: SmokeHop['state'], detail?: string) =>
    hops.push({
      hop,
      state: hops.some((earlier) => earlier.state !== 'done') && state === 'done' ? 'waiting' : state,
      ...(detail && { detail }),
    });
  push('files landed', o.files.landed >= o.files.expected ? 'done' : 'waiting', `${o.files.landed} of ${o.files.expected} cataloged`);
  const validating = !o.version || o.version.status === 'RECEIVING' || o.version.status === 'VALIDATING';
  if (o.version?.status === 'REJECTED')
    push('sample validated', 'failed', `rejected: ${o.version.reasons?.[0]?.message ?? 'see the quarantine reasons'}`);
  else push('sample validated', validating ? 'waiting' : 'done', o.version ? `version status ${o.version.status}` : 'no version yet');
  push('workflow started', o.version?.executionName ? 'done' : 'waiting', o.version?.executionName);
  for (const step of o.pipelineSteps) {
    const record = o.steps.find((candidate) => candidate.step === step);
    if (record?.status === 'FAILED') push(`step ${step} published`, 'failed', `failed in ${record.region}`);
    else if (record?.publishedAt) push(`step ${step} published`, 'done', `ran in ${record.region}`);
    else push(`step ${step} published`, 'waiting', record ? `running in ${record.region}` : 'not submitted yet');
  }
  if (o.sample?.status === 'FAILED') push('sample completed', 'failed', o.sample.detail ?? 'FAILED');
  else push('sample completed', o.sample?.status === 'COMPLETED' ? 'done' : 'waiting', o.sample?.status);
  push('run indexed', o.runIndexed ? 'done' : 'waiting');
  return hops;
}

/** `passed` when every hop is done, `failed` when one failed, else `in progress`. */
export function smokeVerdict(hops: readonly SmokeHop[]): 'passed' | 'failed' | 'in progress' {
  if (hops.some((hop) => hop.state === 'failed')) return 'failed';
  return hops.every((hop) => hop.state === 'done') ? 'passed' : 'in progress';
}

/** What {@link runSmoke} needs from the deployed stack (the command wires S3 and DynamoDB; tests script it). */
export interface SmokeDeps {
  /** Puts the run's files in the landing bucket, in the order an instrument writes them. */
  land(): Promise<void>;
  observe(): Promise<SmokeObservation>;
  sleep(ms: number): Promise<void>;
  now(): number;
  log(line: string): void;
}

/**
 * Lands the run, then polls until every hop is done, one fails, or the time is up; prints each hop the moment
 * it changes. The result names the hop it stopped at.
 */
export async function runSmoke(
  deps: SmokeDeps,
  options: { timeoutSeconds: number; pollSeconds: number },
): Promise<{ verdict: 'passed' | 'failed' | 'timed out'; hops: SmokeHop[]; stoppedAt?: SmokeHop }> {
  const started = deps.now();
  await deps.land();
  deps.log(`landed the smoke run (${Math.round((deps.now() - started) / 1000)} s)`);
  const seen = new Map<string, string>();
  let hops: SmokeHop[] = [];
  for (;;) {
    hops = smokeHops(await deps.observe());
    for (const hop of hops) {
      // A done hop is reported once; a waiting one again when what it waits on changes ("running in …").
      const key = hop.state === 'done' ? 'done' : `${hop.state} ${hop.detail ?? ''}`;
      if (seen.get(hop.hop) === key) continue;
      seen.set(hop.hop, key);
      if (hop.state !== 'waiting' || hop.detail)
        deps.log(
          `${String(Math.round((deps.now() - started) / 1000)).padStart(5)} s  ${hop.state.padEnd(7)} ${hop.hop}${hop.detail ? `: ${hop.detail}` : ''}`,
        );
    }
    const verdict = smokeVerdict(hops);
    const stoppedAt = hops.find((hop) => hop.state !== 'done');
    if (verdict !== 'in progress') return { verdict, hops, ...(stoppedAt && { stoppedAt }) };
    if (deps.now() - started >= options.timeoutSeconds * 1000) return { verdict: 'timed out', hops, ...(stoppedAt && { stoppedAt }) };
    await deps.sleep(options.pollSeconds * 1000);
  }
}

/** The deployed names the smoke test needs, from the stack's outputs (`sst deploy` writes `.sst/outputs.json`). */
export interface SmokeTargets {
  landingBucket: string;
  resultsBucket: string;
  catalogTable: string;
}

/** Reads {@link SmokeTargets} from an SST outputs file, naming what is missing. */
export async function readSmokeTargets(file: string): Promise<SmokeTargets> {
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(
      `cannot read the stack's outputs from ${file} (${(error as Error).message}): run it after \`npm run deploy -- --stage <s>\`, or pass --outputs`,
    );
  }
  const missing = ['landingBucket', 'resultsBucket', 'catalogTable'].filter((name) => typeof outputs[name] !== 'string');
  if (missing.length > 0) throw new ConfigError(`${file} lacks ${missing.join(', ')}: is it the outputs of a Landfall deploy?`);
  return outputs as unknown as SmokeTargets;
}

/**
 * `landfall smoke --stage <s>`: generates a one-sample run, puts it in the deployed landing bucket under
 * `incoming/<team>/<run>/` (as the file share would), and reports each hop through the stack until the sample
 * is COMPLETED and the run indexed. Uses the AWS credentials and region of the environment.
 */
export async function smokeCommand(options: {
  stage: string;
  team?: string;
  outputs: string;
  timeout: number;
  poll: number;
  config?: string;
}): Promise<number> {
  const { config } = await loadConfig(options.config);
  const team = config.teams.find((candidate) => candidate.id === (options.team ?? config.teams[0]?.id));
  if (!team) throw new ConfigError(`no team ${options.team} in the config (teams: ${config.teams.map((t) => t.id).join(', ')})`);
  const targets = await readSmokeTargets(options.outputs);
  const [{ DynamoDBClient }, { Catalog }, { S3Storage }, { regionalS3Clients }, { bucketRegions }, { generateRun }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../../functions/catalog/Catalog.ts'),
    import('../../seams/storage/S3Storage.ts'),
    import('../../seams/storage/regionalS3Clients.ts'),
    import('../../config/defineConfig.ts'),
    import('../../demo/generateRun.ts'),
  ]);
  const storage = new S3Storage(
    regionalS3Clients({
      bucketRegions: { ...bucketRegions(config), [targets.landingBucket]: config.homeRegion, [targets.resultsBucket]: config.homeRegion },
    }),
  );
  const catalog = new Catalog(targets.catalogTable, new DynamoDBClient({ region: config.homeRegion }));
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(2, 12);
  const runId = `${stamp.slice(0, 6)}_SMOKE_${stamp.slice(6)}_${options.stage.replace(/[^A-Za-z0-9]/g, '').slice(0, 12) || 'stage'}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-smoke-'));
  try {
    const run = await generateRun({ dir, runId, seed: 1, samples: 1, readsPerSample: 200, team: team.id });
    const sampleId = run.samples[0]!.sampleId;
    const pipelineSteps = sampleSteps(pipelineNamed(config, team.pipeline)).map((step) => step.name);
    const ref = { team: team.id, runId, sampleId };
    console.log(
      `smoke run ${runId} for team ${team.id} (pipeline ${team.pipeline}) → s3://${targets.landingBucket}/incoming/${team.id}/${runId}/`,
    );
    const result = await runSmoke(
      {
        async land() {
          for (const file of run.files)
            await storage.put(targets.landingBucket, `incoming/${team.id}/${runId}/${file.name}`, await readFile(file.path));
        },
        async observe() {
          const sample = await catalog.samples.get(ref);
          const version = sample?.currentVersion ? await catalog.samples.getVersion({ ...ref, version: sample.currentVersion }) : undefined;
          return {
            files: { expected: run.files.length, landed: (await catalog.runs.listFiles(team.id, runId)).length },
            ...(sample && { sample }),
            ...(version && { version }),
            steps: version ? await catalog.steps.list({ ...ref, version: version.version }) : [],
            pipelineSteps,
            runIndexed: (await storage.head(targets.resultsBucket, runIndexKey(team.id, runId))) !== undefined,
          };
        },
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        now: () => Date.now(),
        log: (line) => console.log(line),
      },
      { timeoutSeconds: options.timeout, pollSeconds: options.poll },
    );
    const where = result.stoppedAt ? ` at "${result.stoppedAt.hop}"${result.stoppedAt.detail ? ` (${result.stoppedAt.detail})` : ''}` : '';
    console.log(`smoke ${result.verdict}${where}`);
    return result.verdict === 'passed' ? 0 : 1;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
