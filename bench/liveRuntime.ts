/**
 * Helpers of the benchmarks that drive a live embedded runtime: start `landfall up` as a child process
 * (the way a person runs it), read its bus log, percentiles, and generated runs cached between bench runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseLandingKey } from '../contracts/keys.ts';
import { generateRun, type GeneratedRun, type GenerateRunOptions } from '../demo/generateRun.ts';
import { stateLayout, type RuntimeInfo } from '../runtime/stateLayout.ts';
import { BUS_LOG_NAME } from '../runtime/bus/LocalEventBus.ts';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const benchConfigPath = path.join(projectRoot, 'bench/landfall.bench.config.ts');

/** The `landfall` command as `npm` installs it: package.json `bin` (the compiled build; bench/run.ts rebuilds it when stale). */
export function installedCommand(root = projectRoot): string {
  const { bin } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  return path.resolve(root, bin.landfall!);
}

export interface LiveRuntime {
  child: ChildProcess;
  info: RuntimeInfo;
  output: () => string;
  stop: (graceMs?: number) => Promise<void>;
}

export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** LANDFALL_BENCH_CPU_PROFILE=<dir>: a runtime the bench starts writes a V8 CPU profile there when it exits (where did the time go?). */
export function cpuProfileArgs(): string[] {
  const dir = process.env.LANDFALL_BENCH_CPU_PROFILE;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/**
 * LANDFALL_BENCH_HEAP_SNAPSHOT=<dir>: a runtime the bench starts writes a V8 heap snapshot there on SIGUSR2
 * (the soak bench sends one when idle before the day and one after it: what grew?).
 */
export function heapSnapshotArgs(): string[] {
  const dir = process.env.LANDFALL_BENCH_HEAP_SNAPSHOT;
  return dir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`] : [];
}

/** `landfall up --state-dir <stateDir> --config <configPath>` (the installed bin) as a child process; resolves once runtime.json names it. */
export async function startLiveRuntime(stateDir: string, configPath = benchConfigPath, extraArgs: string[] = []): Promise<LiveRuntime> {
  const layout = stateLayout(stateDir);
  const child = spawn(
    process.execPath,
    [...cpuProfileArgs(), ...heapSnapshotArgs(), installedCommand(), 'up', '--state-dir', stateDir, '--config', configPath, ...extraArgs],
    {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANDFALL_LOG_LEVEL: 'WARN' },
    },
  );
  // A bench stopped by Ctrl-C or SIGTERM must not leave its runtime running (and spinning up jobs) behind it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  // SIGTERM drains the bus first, which on a loaded machine can take minutes: SIGKILL after a grace period
  // (the runtime is built to survive that: the next start kills leftover job process groups).
  const stop = async (graceMs = 20_000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  try {
    const info = await until(
      'runtime.json of the live runtime',
      () => {
        if (child.exitCode !== null) throw new Error(`landfall up exited with ${child.exitCode}:\n${output}`);
        if (!existsSync(layout.runtimeFile)) return undefined;
        const parsed = JSON.parse(readFileSync(layout.runtimeFile, 'utf8')) as RuntimeInfo;
        return parsed.pid === child.pid ? parsed : undefined;
      },
      90_000,
    );
    return { child, info, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface LoggedEvent {
  'detail-type': string;
  time: string;
  detail: Record<string, unknown>;
}

/** Every event the runtime published so far (`<state-dir>/bus/events.jsonl`; a half-written last line is skipped). */
/**
 * The bus log read as it grows: each call returns the events appended since the last (a partial last line
 * waits for the next call). A bench that polls for an event with it reads each byte once, instead of parsing
 * the whole log at every poll beside the runtime it measures.
 */
export function followBusLog(stateDir: string): () => Promise<LoggedEvent[]> {
  const file = path.join(stateLayout(stateDir).bus, BUS_LOG_NAME);
  let offset = 0;
  let partial = '';
  return async () => {
    if (!existsSync(file)) return [];
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= offset) return [];
      const buffer = Buffer.alloc(size - offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      offset += bytesRead;
      const lines = (partial + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      return lines.filter((line) => line !== '').map((line) => JSON.parse(line) as LoggedEvent);
    } finally {
      await handle.close();
    }
  };
}

export async function readBusLog(stateDir: string): Promise<LoggedEvent[]> {
  const file = path.join(stateLayout(stateDir).bus, BUS_LOG_NAME);
  if (!existsSync(file)) return [];
  const events: LoggedEvent[] = [];
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line) continue;
    try {
      events.push(JSON.parse(line) as LoggedEvent);
    } catch {
      // the line being appended right now
    }
  }
  return events;
}

/**
 * The run an event is about: its `runId`, or for S3 "Object Created" and the gateway's upload event (which
 * name only the object) the run of the landing key `incoming/<team>/<run>/…`.
 */
export function runIdOfEvent(event: { detail: unknown }): string | undefined {
  const detail = event.detail as { runId?: unknown; object?: { key?: string }; 'object-key'?: string };
  if (typeof detail.runId === 'string') return detail.runId;
  const key = detail.object?.key ?? detail['object-key'];
  return key === undefined ? undefined : parseLandingKey(key)?.runId;
}

/** Nearest-rank percentile (p in 0–100) of a non-empty list. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * A generated run, kept in `dir` between bench runs (same options, same bytes): generated once, then
 * read back from `run.json`.
 */
export async function cachedRun(dir: string, options: Omit<GenerateRunOptions, 'dir'>): Promise<GeneratedRun> {
  const key = JSON.stringify(options);
  const manifest = path.join(dir, 'run.json');
  if (existsSync(manifest)) {
    const cached = JSON.parse(await readFile(manifest, 'utf8')) as { key: string; run: GeneratedRun };
    if (cached.key === key && cached.run.files.every((file) => existsSync(file.path))) return cached.run;
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const run = await generateRun({ ...options, dir: path.join(dir, options.runId) });
  await writeFile(manifest, JSON.stringify({ key, run }));
  return run;
}
