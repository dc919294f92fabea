import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { Catalog } from '../../functions/catalog/Catalog.ts';
import { TERMINAL_SAMPLE_STATUSES, type SampleRecord } from '../../functions/catalog/types.ts';
import type { GeneratedRun } from '../../demo/generateRun.ts';
import { stateLayout, type RuntimeInfo } from '../../runtime/stateLayout.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const e2eConfigPath = path.join(projectRoot, 'test/fixtures/landfall.e2e.config.ts');

/**
 * How a person runs `landfall`: the compiled `bin` (dist/cli/landfall.mjs, kept current with the sources by the
 * test setup, test/support/buildDist.ts), started by node as its `#!` line does.
 */
export const landfallCommand = [process.execPath, path.join(projectRoot, 'dist/cli/landfall.mjs')];

export interface RuntimeProcess {
  child: ChildProcess;
  info: RuntimeInfo;
  catalog: Catalog;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Starts `landfall up` as a real child process (the compiled bin, the way a person runs it) and connects to its catalog. */
export async function startRuntimeProcess(
  stateDir: string,
  configPath = e2eConfigPath,
  env: Record<string, string> = {},
): Promise<RuntimeProcess> {
  const layout = stateLayout(stateDir);
  const child = spawn(landfallCommand[0]!, [...landfallCommand.slice(1), 'up', '--state-dir', stateDir, '--config', configPath], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LANDFALL_LOG_LEVEL: 'WARN', ...env },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // Up once its banner is printed (share, dashboard, …): runtime.json is written just before it, and a test
  // reading the banner as soon as runtime.json appeared raced it on a busy machine.
  const info = await waitFor(
    'runtime.json and the banner of landfall up',
    () => {
      if (child.exitCode !== null) throw new Error(`landfall up exited with ${child.exitCode}:\n${output}`);
      if (!output.includes('Ctrl-C stops it.') || !existsSync(layout.runtimeFile)) return undefined;
      const parsed = JSON.parse(readFileSync(layout.runtimeFile, 'utf8')) as RuntimeInfo;
      return parsed.pid === child.pid ? parsed : undefined;
    },
    60_000,
  );
  const catalog = new Catalog(
    'landfall-catalog',
    new DynamoDBClient({
      endpoint: `http://127.0.0.1:${info.ports.catalog}`,
      region: 'eu-west-1',
      credentials: info.catalogCredentials,
    }),
  );
  stateDirOfCatalog.set(catalog, stateDir);
  return { child, info, catalog, output: () => output, exited };
}

/** Writes a generated run into the share one file after another, as an instrument does (markers last). */
export async function dropRun(shareDir: string, team: string, run: Pick<GeneratedRun, 'runId' | 'files'>): Promise<string> {
  const folder = path.join(shareDir, team, run.runId);
  await mkdir(folder, { recursive: true });
  for (const file of run.files) await copyFile(file.path, path.join(folder, file.name));
  return folder;
}

/** The state dir behind each catalog handed out by {@link startRuntimeProcess}, to read its bus log. */
const stateDirOfCatalog = new WeakMap<Catalog, string>();

const TERMINAL_FACT: Partial<Record<SampleRecord['status'], string>> = {
  COMPLETED: 'Sample Completed',
  REJECTED: 'Sample Rejected',
  FAILED: 'Sample Failed',
};

/**
 * Waits until a run has `count` samples, all terminal in the catalog — and, for a runtime started here,
 * until each one's terminal fact reached the bus log too (the catalog turns terminal just before the fact
 * is emitted; a test counting facts right away would race it). The second wait is bounded and lenient:
 * a missing fact is left for the test's own assertion to report.
 */
export async function waitForTerminalSamples(
  catalog: Catalog,
  team: string,
  runId: string,
  count: number,
  timeoutMs = 180_000,
): Promise<SampleRecord[]> {
  let last: SampleRecord[] = [];
  const samples = await waitFor(
    `${count} terminal samples in ${team}/${runId}`,
    async () => {
      const samples = await catalog.samples.listInRun(team, runId).catch(() => last);
      last = samples;
      return samples.length === count && samples.every((sample) => TERMINAL_SAMPLE_STATUSES.includes(sample.status)) ? samples : undefined;
    },
    timeoutMs,
    250,
  ).catch((error: Error) => {
    // Say where each sample stopped: a timeout alone does not tell a hang from a slow run.
    throw new Error(
      `${error.message}; last seen: ${last.map((sample) => `${sample.sampleId} ${sample.status} (${sample.detail ?? ''})`).join('; ') || 'no samples'}`,
    );
  });
  const stateDir = stateDirOfCatalog.get(catalog);
  if (stateDir) {
    const announced = () => {
      const log = readBusLog(stateDir);
      return samples.every((sample) => {
        const fact = TERMINAL_FACT[sample.status];
        return (
          !fact ||
          log.some(
            (e) =>
              e['detail-type'] === fact &&
              e.detail.runId === runId &&
              e.detail.sampleId === sample.sampleId &&
              e.detail.version === sample.currentVersion,
          )
        );
      });
    };
    await waitFor('terminal facts on the bus', () => announced() || undefined, 15_000, 100).catch(() => undefined);
  }
  return samples;
}

export function readBusLog(stateDir: string): Array<{ source: string; 'detail-type': string; detail: Record<string, unknown> }> {
  const file = path.join(stateLayout(stateDir).bus, 'events.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return []; // a line an append cut short (a full disk): the bus never delivered it
      }
    });
}

/**
 * A run's story as the bus log tells it, one line per event, for a failure message: each file's landing (S3's
 * "Object Created", in the order the runtime published them) and every Landfall fact of the run ("File Landed" with
 * its file, each "Sample Landed" with its files). A sample concluded on part of its files shows which file landed after which fact.
 */
export function runHistory(stateDir: string, runId: string): string {
  const clock = (time: unknown) => String(time ?? '').slice(11, 23);
  return readBusLog(stateDir)
    .flatMap((event) => {
      const { detail } = event;
      const type = event['detail-type'];
      const time = clock((event as { time?: string }).time);
      const key = String((detail.object as { key?: string } | undefined)?.key ?? '');
      if (type === 'Object Created' && key.includes(`/${runId}/`)) return [`${time} landed ${key.split(`/${runId}/`)[1]}`];
      if (event.source === 'aws.s3' || detail.runId !== runId) return [];
      const what = [detail.sampleId ?? detail.name, detail.version === undefined ? undefined : `v${detail.version}`]
        .filter(Boolean)
        .join(' ');
      const files = type === 'Sample Landed' && Array.isArray(detail.files) ? ` [${detail.files.join(', ')}]` : '';
      return [`${time} ${type}${what ? ` ${what}` : ''}${files}`];
    })
    .join('\n');
}

/**
 * One live runtime for a describe block: started in a fresh state dir before its tests, stopped with
 * SIGTERM and its state dir removed after them. `onStart` receives both (assign them to the block's lets).
 *
 * @example
 * let stateDir: string; let runtime: RuntimeProcess;
 * withLiveRuntime('landfall-once-', (live) => ({ stateDir, runtime } = live));
 */
export function withLiveRuntime(
  prefix: string,
  onStart: (live: { stateDir: string; runtime: RuntimeProcess }) => void,
  options: { configPath?: string; env?: Record<string, string> } = {},
): void {
  let live: { stateDir: string; runtime?: RuntimeProcess } | undefined;
  beforeAll(async () => {
    live = { stateDir: await mkdtemp(path.join(os.tmpdir(), prefix)) };
    live.runtime = await startRuntimeProcess(live.stateDir, options.configPath, options.env);
    onStart({ stateDir: live.stateDir, runtime: live.runtime });
  }, 90_000);
  afterAll(() => stopRuntimeProcess(live?.runtime, live?.stateDir));
}

/**
 * Stops a runtime started here (SIGTERM, waits for it to exit) and removes its state dir (kept with
 * LANDFALL_KEEP_TEST_STATE=1, to look into a failure); either may be absent.
 */
export async function stopRuntimeProcess(runtime: RuntimeProcess | undefined, stateDir: string | undefined): Promise<void> {
  if (runtime && runtime.child.exitCode === null) {
    runtime.child.kill('SIGTERM');
    await runtime.exited;
  }
  if (stateDir && !process.env.LANDFALL_KEEP_TEST_STATE) await rm(stateDir, { recursive: true, force: true });
}

/**
 * Drops a run on the share with one file corrupted on the way: `line` (1-based) of the gunzipped FASTQ
 * replaced by `X`, which breaks the record's `+` separator when it is a record's third line (11 = record 3).
 * @returns the run folder on the share and the name of the corrupted file.
 */
export async function dropRunWithCorruptLine(
  shareDir: string,
  team: string,
  run: GeneratedRun,
  file: { name: string; path: string },
  line = 11,
): Promise<{ folder: string; corrupted: string }> {
  const lines = gunzipSync(readFileSync(file.path)).toString('latin1').split('\n');
  lines[line - 1] = 'X';
  const folder = path.join(shareDir, team, run.runId);
  await mkdir(folder, { recursive: true });
  for (const each of run.files) {
    if (each.name === file.name) await writeFile(path.join(folder, each.name), gzipSync(Buffer.from(lines.join('\n'), 'latin1')));
    else await copyFile(each.path, path.join(folder, each.name));
  }
  return { folder, corrupted: file.name };
}
