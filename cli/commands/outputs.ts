import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bucketNames } from '../../config/defineConfig.ts';
import { loadConfig } from '../../config/loadConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { runIndexKey, teamPrefix } from '../../contracts/keys.ts';
import { stateLayout, type RuntimeInfo } from '../../runtime/stateLayout.ts';
import { BucketNotFoundError } from '../../seams/storage/errors.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import type { ObjectInfo, ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { CliError, EXIT } from '../errors.ts';
import { resolveIdentity, selectTeams } from '../../runtime/identity/identity.ts';
import { formatTable, printJson } from '../output.ts';

/**
 * The config of a state dir, without needing a live runtime: `--config` if given, else the config the
 * runtime of that state dir was started with (runtime.json, even if it has stopped since), else the default.
 */
export async function loadStateConfig(stateDir: string, configPath?: string): Promise<LandfallConfig> {
  if (configPath) return (await loadConfig(configPath)).config;
  const info = await readFile(stateLayout(stateDir).runtimeFile, 'utf8')
    .then((text) => JSON.parse(text) as Partial<RuntimeInfo>)
    .catch(() => undefined);
  if (info?.configPath && existsSync(info.configPath)) return (await loadConfig(info.configPath)).config;
  return (await loadConfig()).config;
}

/** Refuses a run id that is not one folder name (it becomes part of a key prefix and of local paths). */
export function assertRunId(run: string): void {
  // eslint-disable-next-line no-control-regex
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
  if (run === '' || run === '.' || run === '..' || /[/\\\u0000-\u001f\u007f]/.test(run)) {
    throw new CliError(`not a run id: ${JSON.stringify(run)} (a run id is the run folder's name)`, EXIT.usage);
  }
}

/** One object a team can fetch now. */
export interface TeamOutput {
  key: string;
  size: number;
  /** When the step was published (manifest), else when the object was written. */
  publishedAt: string;
  /** MD5 of the bytes as recorded by the publisher (step outputs only; manifests change, so have none). */
  md5?: string;
  kind: 'output' | 'manifest' | 'run';
  run?: string;
  sample?: string;
  version?: number;
  step?: string;
  /** Key below `teams/<team>/runs/<run>/samples/`: `<sample>/v<N>/<step>/<file>` or `<sample>/v<N>/manifest.json`. */
  relativePath?: string;
}

/** A sample version's manifest as read during a listing, with its exact bytes (fetch writes those). */
export interface ListedManifest {
  key: string;
  bytes: Buffer;
  manifest: SampleManifest;
}

const SAMPLE_KEY = /^teams\/[^/]+\/runs\/([^/]+)\/samples\/(([^/]+)\/v(\d+)\/(.+))$/;

/**
 * What a team can fetch now from the results bucket under `teams/<team>/[runs/<run>/]`: every step output
 * that its sample version's manifest records (so a file still being published, or one that failed
 * verification, is never offered), the manifests themselves, and run-level objects outside `samples/`
 * (index.json, reports). `manifestCache` (by key and ETag) spares re-reading unchanged manifests when polling.
 *
 * @example
 * const { outputs } = await listTeamOutputs(new FolderStorage('.landfall/buckets'), 'landfall-results', 'genomics', 'run1');
 */
export async function listTeamOutputs(
  storage: ObjectStorage,
  bucket: string,
  team: string,
  run?: string,
  manifestCache: Map<string, ListedManifest & { etag: string }> = new Map(),
): Promise<{ outputs: TeamOutput[]; manifests: ListedManifest[] }> {
  const prefix = `${teamPrefix(team)}${run ? `runs/${run}/` : ''}`;
  const objects = await storage.list(bucket, prefix);
  const manifests: ListedManifest[] = [];
  const recorded = new Map<string, { md5: string; step: string; publishedAt?: string }>();
  for (const object of objects) {
    const parts = SAMPLE_KEY.exec(object.key);
    if (parts?.[5] !== 'manifest.json') continue;
    const listed = await readManifest(storage, object, manifestCache);
    if (!listed) continue;
    manifests.push(listed);
    for (const [step, entry] of Object.entries(listed.manifest.steps ?? {})) {
      for (const file of entry.files ?? [])
        recorded.set(file.key, { md5: file.md5, step, ...(entry.publishedAt ? { publishedAt: entry.publishedAt } : {}) });
    }
  }
  const outputs: TeamOutput[] = [];
  for (const object of objects) {
    const parts = SAMPLE_KEY.exec(object.key);
    const written = object.lastModified.toISOString();
    if (!parts) {
      const runId = /^teams\/[^/]+\/runs\/([^/]+)\//.exec(object.key)?.[1];
      outputs.push({ key: object.key, size: object.size, publishedAt: written, kind: 'run', ...(runId ? { run: runId } : {}) });
      continue;
    }
    const [, runId, relativePath, sample, version] = parts as unknown as [string, string, string, string, string, string];
    const base = { key: object.key, size: object.size, run: runId, sample, version: Number(version), relativePath };
    if (parts[5] === 'manifest.json') {
      outputs.push({ ...base, publishedAt: written, kind: 'manifest' });
      continue;
    }
    const record = recorded.get(object.key);
    if (!record) continue; // not (yet) recorded in its manifest: not published
    outputs.push({ ...base, publishedAt: record.publishedAt ?? written, md5: record.md5, kind: 'output', step: record.step });
  }
  return { outputs, manifests };
}

async function readManifest(
  storage: ObjectStorage,
  object: ObjectInfo,
  cache: Map<string, ListedManifest & { etag: string }>,
): Promise<ListedManifest | undefined> {
  const cached = cache.get(object.key);
  if (cached && cached.etag === object.etag) return cached;
  try {
    const bytes = await storage.getBytes(object.bucket, object.key);
    const listed = { key: object.key, bytes, manifest: JSON.parse(bytes.toString('utf8')) as SampleManifest, etag: object.etag };
    cache.set(object.key, listed);
    return listed;
  } catch {
    // Deleted since the listing, or not JSON (manifests are written atomically, so a person put it there):
    // the files it would record are not offered.
    return undefined;
  }
}

export interface OutputsOptions {
  stateDir: string;
  config?: string;
  team: string;
  run?: string;
  json?: boolean;
  /** Print each output as it lands, until SIGINT/SIGTERM or `signal`. */
  watch?: boolean;
  /** A team token or the operator's; else LANDFALL_TOKEN; else the operator (see runtime/identity/identity.ts). */
  token?: string;
  /** Stops `--watch` (tests; the command also stops on SIGINT and SIGTERM). */
  signal?: AbortSignal;
  /** Polling interval of `--watch`. @default 500 */
  pollMs?: number;
}

/** Opens the results bucket of a state dir, or explains why there is none. */
export async function openResults(stateDir: string, config: LandfallConfig): Promise<{ storage: FolderStorage; bucket: string }> {
  const storage = new FolderStorage(stateLayout(stateDir).buckets);
  const bucket = bucketNames(config).results;
  if (!existsSync(path.join(storage.rootDir, bucket))) {
    throw new CliError(
      `no results bucket at ${path.join(storage.rootDir, bucket)} (has \`landfall up --state-dir ${stateDir}\` run here?)`,
      EXIT.usage,
    );
  }
  return { storage, bucket };
}

/**
 * The one rule for an unknown run (issue 19) where no runtime is needed: a run with nothing in the results
 * bucket under `teams/<team>/runs/<run>/` is unknown here; exit 1 naming the team's runs that have results.
 */
export async function assertRunHasResults(storage: ObjectStorage, bucket: string, team: string, run: string): Promise<void> {
  const objects = await storage.list(bucket, `${teamPrefix(team)}runs/`);
  const runs = new Set(objects.map((object) => /^teams\/[^/]+\/runs\/([^/]+)\//.exec(object.key)?.[1]).filter(Boolean) as string[]);
  if (runs.has(run)) return;
  const known = [...runs].sort();
  throw new CliError(
    `no run ${run} for team ${team} in the results; runs with results: ${known.length > 0 ? known.join(', ') : 'none yet'}`,
    EXIT.failed,
  );
}

/** True once the run's index.json says the run is DONE (every sample finished and the run concluded). */
async function runIsDone(storage: ObjectStorage, bucket: string, team: string, run: string): Promise<boolean> {
  try {
    return (JSON.parse((await storage.getBytes(bucket, runIndexKey(team, run))).toString('utf8')) as { status?: string }).status === 'DONE';
  } catch {
    return false; // no index yet (or one being replaced): not done
  }
}

function describeOutput(output: TeamOutput): string {
  return `${output.publishedAt}  ${output.key}  ${output.size} bytes${output.md5 ? `  md5 ${output.md5}` : ''}`;
}

/**
 * `landfall outputs --team <t> [--run <r>] [--watch] [--json] [--token <token>]`: what a team can fetch now.
 * Works from the state dir's bucket folders and the config, with or without a live runtime. A team token
 * lists only its own team; the listing never names another team.
 */
export async function outputsCommand(options: OutputsOptions): Promise<number> {
  const identity = await resolveIdentity(options.stateDir, options.token);
  const config = await loadStateConfig(options.stateDir, options.config);
  const [team] = selectTeams(identity, config, options.team) as [string];
  if (options.run !== undefined) assertRunId(options.run);
  const { storage, bucket } = await openResults(options.stateDir, config);
  const cache = new Map<string, ListedManifest & { etag: string }>();
  const list = async () => {
    try {
      return (await listTeamOutputs(storage, bucket, team, options.run, cache)).outputs;
    } catch (error) {
      if (error instanceof BucketNotFoundError)
        throw new CliError(`the results bucket ${bucket} disappeared from ${storage.rootDir}`, EXIT.failed, { cause: error });
      throw error;
    }
  };
  const withPath = (output: TeamOutput) => ({ ...output, path: path.join(storage.rootDir, bucket, ...output.key.split('/')) });
  const prefix = `${teamPrefix(team)}${options.run ? `runs/${options.run}/` : ''}`;

  if (!options.watch) {
    const outputs = await list();
    if (options.run !== undefined && outputs.length === 0) await assertRunHasResults(storage, bucket, team, options.run);
    if (options.json) printJson(outputs.map(withPath));
    else if (outputs.length === 0) process.stdout.write(`no outputs under ${prefix} yet\n`);
    else
      process.stdout.write(
        `${formatTable(
          ['key', 'size', 'published', 'md5'],
          outputs.map((o) => [o.key, o.size, o.publishedAt, o.md5 ?? '']),
        )}\n`,
      );
    return EXIT.ok;
  }

  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  options.signal?.addEventListener('abort', onSignal, { once: true });
  try {
    if (!options.json) process.stdout.write(`watching ${prefix} (${options.run ? 'until the run is DONE; ' : ''}Ctrl-C to stop)\n`);
    const shown = new Set<string>();
    while (!stop.signal.aborted && !options.signal?.aborted) {
      // Checked before listing: what a DONE run published is all listed below, then the watch ends.
      const done = options.run !== undefined && (await runIsDone(storage, bucket, team, options.run));
      for (const output of await list()) {
        if (shown.has(output.key)) continue;
        shown.add(output.key);
        process.stdout.write(options.json ? `${JSON.stringify(withPath(output))}\n` : `${describeOutput(output)}\n`);
      }
      if (done) {
        if (!options.json) process.stdout.write(`run ${options.run} is DONE: every output is listed above\n`);
        break;
      }
      await sleep(options.pollMs ?? 500, stop.signal);
    }
    return EXIT.ok;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    options.signal?.removeEventListener('abort', onSignal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
