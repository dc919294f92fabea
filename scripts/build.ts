/**
 * Compiles Landfall into `dist/` (git-ignored), as `npm ci` does through the postinstall:
 * - `dist/cli/`: the `landfall` command and the embedded runtime it starts, one ES module bundle split per
 *   command (each command's chunk loads when it runs), packages left in node_modules. `dist/cli/landfall.mjs`
 *   is package.json's `bin`: it turns source maps on, so stack traces name the TypeScript file and line.
 * - `dist/job/`: the step image's programs bundled with their packages (workflows/jobBundle.ts), the one folder
 *   workflows/steps/Dockerfile copies; `dist/job.sources` names the sources it was built from.
 *
 * After editing sources: `npm run build` (about 5 s). Tests and `npm run landfall` run the sources through tsx.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import {
  bundleJobPrograms,
  JOB_BUNDLE_DIGEST_FILE,
  JOB_BUNDLE_DIR,
  jobSourcesDigest,
  sourcesDigest,
  sourceUrlPlugin,
} from '../workflows/jobBundle.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of the compiled CLI and its `bin`, relative to the repository root. */
export const CLI_BUILD_DIR = 'dist/cli';
export const CLI_BIN = `${CLI_BUILD_DIR}/landfall.mjs`;
/** Names the sources digest `dist/cli/` was built from. */
const CLI_DIGEST_FILE = 'dist/cli.sources';
/** Every folder the CLI bundle compiles (the command, the runtime, and all below them). */
const CLI_SOURCE_FOLDERS = [
  'cli',
  'demo',
  'runtime',
  'functions',
  'workflows',
  'validation',
  'layouts',
  'seams',
  'events',
  'config',
  'contracts',
];

const cliDigest = (projectRoot: string) => sourcesDigest(projectRoot, CLI_SOURCE_FOLDERS);
const recorded = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined);

/** Which parts of `dist/` were built from other sources than the working tree's (or not built at all). */
export function staleBuilds(projectRoot = root): Array<'cli' | 'job'> {
  const stale: Array<'cli' | 'job'> = [];
  if (!existsSync(path.join(projectRoot, CLI_BIN)) || recorded(path.join(projectRoot, CLI_DIGEST_FILE)) !== cliDigest(projectRoot))
    stale.push('cli');
  if (recorded(path.join(projectRoot, JOB_BUNDLE_DIGEST_FILE)) !== jobSourcesDigest(projectRoot)) stale.push('job');
  return stale;
}

/**
 * What the `bin` runs: source maps on and Node's on-disk compile cache (Node >= 22.1; a no-op before) before the
 * first bundled module loads, so a command's second start skips compiling its modules and their packages.
 */
const BIN = `#!/usr/bin/env node
// Built by scripts/build.ts (npm ci, npm run build): the landfall command, compiled from cli/landfall.ts.
import nodeModule from 'node:module';
nodeModule.enableCompileCache?.();
process.setSourceMapsEnabled(true);
await import('./main.mjs');
`;

/** Compiles the CLI (with the runtime) into `dist/cli/`, replacing what was there. */
export async function buildCli(projectRoot = root): Promise<void> {
  const outdir = path.join(projectRoot, CLI_BUILD_DIR);
  await rm(outdir, { recursive: true, force: true });
  const digest = cliDigest(projectRoot);
  await build({
    // Worker threads load entries of their own: the file-pass pool (runtime/validation/FilePassPool.ts) and the
    // catalog server's thread (runtime/catalog/startCatalogThread.ts) and the jobs' stager
    // (runtime/executor/startStager.ts), each beside the CLI's chunk.
    entryPoints: {
      main: path.join(projectRoot, 'cli/landfall.ts'),
      filePassWorker: path.join(projectRoot, 'runtime/validation/filePassWorker.ts'),
      catalogThread: path.join(projectRoot, 'runtime/catalog/catalogThread.ts'),
      stagerThread: path.join(projectRoot, 'runtime/executor/stagerThread.ts'),
    },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // Packages load from node_modules as they do from the sources: only Landfall's own code is compiled.
    packages: 'external',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]',
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [sourceUrlPlugin(projectRoot, outdir)],
    // config/loadConfig.ts: the compiled CLI loads a landfall.config.ts compiled, never through Node's type stripping.
    define: { LANDFALL_COMPILED: 'true' },
    logLevel: 'warning',
  });
  await writeFile(path.join(projectRoot, CLI_BIN), BIN);
  await chmod(path.join(projectRoot, CLI_BIN), 0o755);
  await writeFile(path.join(projectRoot, CLI_DIGEST_FILE), `${digest}\n`);
}

/** Bundles the job programs into `dist/job/` and records the sources they came from. */
export async function buildJobPrograms(projectRoot = root): Promise<void> {
  const outdir = path.join(projectRoot, JOB_BUNDLE_DIR);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const digest = jobSourcesDigest(projectRoot);
  await bundleJobPrograms(projectRoot, outdir);
  await writeFile(path.join(projectRoot, JOB_BUNDLE_DIGEST_FILE), `${digest}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    // --if-stale (the test setup): only what the sources changed since the last build.
    const parts = process.argv.includes('--if-stale') ? staleBuilds() : (['cli', 'job'] as const);
    await Promise.all(parts.map((part) => (part === 'cli' ? buildCli() : buildJobPrograms())));
    const built = parts.map((part) => (part === 'cli' ? `${CLI_BUILD_DIR}/` : `${JOB_BUNDLE_DIR}/`)).join(' and ');
    process.stderr.write(`${built ? `built ${built}` : 'dist/ is current'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    process.stderr.write(`build failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
