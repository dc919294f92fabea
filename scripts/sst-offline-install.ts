/**
 * Creates `.sst/platform` (SST's components, their types and the pinned `@pulumi/aws`) without AWS
 * and without downloading Pulumi: the only network it needs is the npm registry. `tsc -p tsconfig.stacks.json`
 * and the offline stack tests need it. Idempotent: when the platform matches the installed `sst` and the
 * provider version pinned in `sst.config.ts`, it returns at once without touching the network.
 *
 * Runs as the `postinstall`, `sst:install` and `pretypecheck:stacks` scripts; the stack tests call
 * {@link ensureSstPlatform} too, so `npx vitest` on a clone installed with `--ignore-scripts` still works.
 *
 * @example
 * npm run sst:install            # install if missing or stale
 * npm run sst:install -- --force # reinstall
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Raised when `.sst/platform` cannot be created; the message says what to do. */
export class SstInstallError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SstInstallError';
  }
}

export interface EnsureSstPlatformOptions {
  /** Project root holding `sst.config.ts`. @default the parent of `scripts/` */
  root?: string;
  /** Reinstall even when the platform looks current. @default false */
  force?: boolean;
  /** Where progress lines go. @default process.stderr */
  log?: (line: string) => void;
}

export interface SstPlatformState {
  /** Absolute path of `.sst/platform`. */
  platform: string;
  /** False when the platform was already current. */
  installed: boolean;
  sstVersion: string;
  awsProviderVersion: string;
}

const defaultRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** A lock older than this is from a killed install. */
const staleLockMs = 10 * 60_000;

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The `@pulumi/aws` version `sst.config.ts` pins in `providers: { aws: { version: '…' } }`. */
export function pinnedAwsProviderVersion(root: string): string {
  const file = join(root, 'sst.config.ts');
  const source = readText(file);
  if (source === undefined) throw new SstInstallError(`${file} not found: run this from the Landfall repository root`);
  const match = /\baws:\s*\{[^}]*\bversion:\s*['"]([^'"]+)['"]/.exec(source);
  if (!match?.[1]) {
    throw new SstInstallError(`${file}: expected the aws provider pinned as "providers: { aws: { version: 'x.y.z' } }", found none`);
  }
  return match[1];
}

function installedSstVersion(root: string): string {
  const pkg = readJson(join(root, 'node_modules', 'sst', 'package.json'));
  if (typeof pkg?.version !== 'string') {
    throw new SstInstallError(`node_modules/sst is missing in ${root}: run "npm ci" first (sst is a pinned devDependency)`);
  }
  return pkg.version;
}

/** Why the platform is not usable as it is, or `undefined` when it is current. */
function staleness(platform: string, sstVersion: string, awsVersion: string): string | undefined {
  const platformVersion = readText(join(platform, 'version'));
  if (platformVersion === undefined) return 'no platform yet';
  if (platformVersion !== sstVersion) return `platform is ${platformVersion}, sst is ${sstVersion}`;
  if (!existsSync(join(platform, 'config.d.ts'))) return 'config.d.ts missing';
  if (!existsSync(join(platform, 'node_modules', '@pulumi', 'pulumi', 'package.json'))) return '@pulumi/pulumi missing';
  const aws = readJson(join(platform, 'node_modules', '@pulumi', 'aws', 'package.json'));
  if (aws?.version !== awsVersion) return `@pulumi/aws is ${String(aws?.version ?? 'missing')}, sst.config.ts pins ${awsVersion}`;
  return undefined;
}

async function withLock<T>(lock: string, log: (line: string) => void, work: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lock), { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = statSync(lock, { throwIfNoEntry: false });
      if (!holder) continue;
      if (Date.now() - holder.mtimeMs > staleLockMs) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() - started > staleLockMs) throw new SstInstallError(`timed out waiting for another SST install (lock ${lock})`);
      if (Date.now() - started < 1000) log(`waiting for another SST install to finish (lock ${lock})`);
      await new Promise((done) => setTimeout(done, 500));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function runSstInstall(root: string): Promise<{ code: number | null; output: string }> {
  const bin = join(root, 'node_modules', 'sst', 'bin', 'sst.mjs');
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, 'install', '--print-logs', '--stage', process.env.SST_STAGE ?? 'offline'], {
      cwd: root,
      // Without the first two, the CLI downloads Pulumi and Bun from outside the npm registry.
      env: { ...process.env, SST_SKIP_DEPENDENCY_CHECK: '1', SST_NO_BUN: '1', SST_TELEMETRY_DISABLED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output }));
  });
}

/**
 * Makes sure `.sst/platform` exists and matches the installed `sst` and the pinned AWS provider,
 * running `sst install` offline (npm registry only) when it does not.
 *
 * @example
 * const { platform } = await ensureSstPlatform();
 */
export async function ensureSstPlatform(options: EnsureSstPlatformOptions = {}): Promise<SstPlatformState> {
  const root = options.root ?? defaultRoot;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const platform = join(root, '.sst', 'platform');
  const sstVersion = installedSstVersion(root);
  const awsProviderVersion = pinnedAwsProviderVersion(root);
  const state = { platform, sstVersion, awsProviderVersion };
  if (!options.force && staleness(platform, sstVersion, awsProviderVersion) === undefined) return { ...state, installed: false };

  return withLock(join(root, '.sst', 'install.lock'), log, async () => {
    // Another process may have finished the install while this one waited for the lock.
    const reason = options.force ? 'forced' : staleness(platform, sstVersion, awsProviderVersion);
    if (reason === undefined) return { ...state, installed: false };
    log(`installing SST ${sstVersion} platform with @pulumi/aws ${awsProviderVersion} into .sst/platform (${reason})`);
    const { code, output } = await runSstInstall(root);
    const after = staleness(platform, sstVersion, awsProviderVersion);
    if (code !== 0 || after !== undefined) {
      throw new SstInstallError(
        `"sst install" ${code === 0 ? `finished but the platform is still not usable (${after})` : `failed with exit code ${code}`}. ` +
          'It needs the npm registry (set NPM_REGISTRY for a mirror). The end of its log:\n' +
          output.trim().split('\n').slice(-30).join('\n'),
      );
    }
    return { ...state, installed: true };
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now();
  // As npm's postinstall, an install without devDependencies (no sst) is not an error: nothing needs the platform.
  if (process.argv.includes('--postinstall') && !existsSync(join(defaultRoot, 'node_modules', 'sst', 'package.json'))) {
    process.stderr.write('sst is not installed (no devDependencies?): skipping .sst/platform\n');
    process.exit(0);
  }
  try {
    const { installed, sstVersion, awsProviderVersion } = await ensureSstPlatform({ force: process.argv.includes('--force') });
    const what = `SST ${sstVersion} platform with @pulumi/aws ${awsProviderVersion}`;
    process.stderr.write(
      installed ? `installed ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s\n` : `${what} already in .sst/platform\n`,
    );
  } catch (error) {
    process.stderr.write(`sst-offline-install: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
