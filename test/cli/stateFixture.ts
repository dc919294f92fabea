import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import type { LandfallConfigInput } from '../../config/schema.ts';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { exitCodeOf } from '../../cli/errors.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';

export const RESULTS = 'lftest-results';

export const configInput: LandfallConfigInput = {
  app: 'lftest',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
  teams: [
    { id: 'lab-a', pipeline: 'demo' },
    { id: 'lab-b', pipeline: 'demo' },
  ],
};

export interface PreparedState {
  stateDir: string;
  configPath: string;
  storage: FolderStorage;
  cleanup: () => Promise<void>;
}

/**
 * A state dir as `landfall up` leaves it, without a runtime: bucket folders written through the real
 * FolderStorage, and a config file (a plain default export, which loadConfig validates).
 */
export async function prepareState(): Promise<PreparedState> {
  // A LANDFALL_TOKEN in the environment running the tests would change who the commands think is asking.
  vi.stubEnv('LANDFALL_TOKEN', undefined);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-cli-'));
  const configPath = path.join(stateDir, 'landfall.config.mjs');
  await writeFile(configPath, `export default ${JSON.stringify(configInput)};\n`);
  const storage = new FolderStorage(path.join(stateDir, 'buckets'));
  await storage.createBucket(RESULTS);
  const cleanup = async () => {
    vi.unstubAllEnvs();
    await rm(stateDir, { recursive: true, force: true });
  };
  return { stateDir, configPath, storage, cleanup };
}

export const md5 = (content: string) => createHash('md5').update(content).digest('hex');

/**
 * Publishes steps of one sample version the way the publisher lays them out:
 * `teams/<team>/runs/<run>/samples/<sample>/v<N>/<step>/<file>` plus the version's manifest.json,
 * whose steps record each file's key, size and MD5. Steps already in the manifest are kept.
 */
export async function publishSteps(
  storage: FolderStorage,
  ref: { team: string; run: string; sample: string; version?: number },
  steps: Record<string, Record<string, string>>,
  previous?: SampleManifest,
): Promise<SampleManifest> {
  const version = ref.version ?? 1;
  const base = `teams/${ref.team}/runs/${ref.run}/samples/${ref.sample}/v${version}/`;
  const manifest: SampleManifest = previous ?? {
    team: ref.team,
    runId: ref.run,
    sampleId: ref.sample,
    version,
    status: 'RUNNING',
    pipeline: 'demo',
    versionHash: 'f'.repeat(64),
    inputs: [],
    steps: {},
    revision: 0,
    updatedAt: new Date().toISOString(),
  };
  for (const [step, files] of Object.entries(steps)) {
    const recorded = [];
    for (const [name, content] of Object.entries(files)) {
      const key = `${base}${step}/${name}`;
      await storage.put(RESULTS, key, content);
      recorded.push({ key, size: Buffer.byteLength(content), md5: md5(content) });
    }
    manifest.steps[step] = {
      status: 'SUCCEEDED',
      sequence: Object.keys(manifest.steps).length + 1,
      region: 'eu-west-1',
      attempt: 1,
      publishedAt: '2026-11-23T10:00:00.000Z',
      files: recorded,
    };
  }
  manifest.revision += 1;
  await storage.put(RESULTS, `${base}manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`, { contentType: 'application/json' });
  return manifest;
}

export interface Captured {
  code?: number;
  /** The error the command failed with, when the CLI explains it in one line (cli/errors.ts exitCodeOf). */
  error?: Error;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command function in-process, capturing what it writes and its exit code (or the error the CLI reports);
 * `current()` shows the output so far, for commands that keep running (`--watch`).
 */
export function startCapture(run: () => Promise<number>): { current: () => Captured; result: Promise<Captured> } {
  const live: Captured = { stdout: '', stderr: '' };
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((live.stdout += chunk.toString()), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((live.stderr += chunk.toString()), true));
  const result = (async () => {
    try {
      live.code = await run();
    } catch (error) {
      const code = exitCodeOf(error);
      if (code === undefined) throw error;
      live.code = code;
      live.error = error as Error;
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    return live;
  })();
  return { current: () => live, result };
}

export function capture(run: () => Promise<number>): Promise<Captured> {
  return startCapture(run).result;
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
