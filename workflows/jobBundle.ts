/**
 * How Landfall's TypeScript becomes the JavaScript that runs: one esbuild definition for the programs of the
 * step image (`landfall-step`, `landfall-validate`, `landfall-stage-in`, `landfall-stage-out`) and the plugin the
 * CLI build shares. The job programs are bundled WITH their packages, so the bundle folder alone is what the
 * image holds (workflows/steps/Dockerfile copies `dist/job/` and nothing else): nothing a program imports can be
 * left out of the image. `npm ci` builds it (scripts/build.ts); the embedded runtime runs the same bundle.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

/** Commands of the step image and the source each runs. */
export const JOB_PROGRAMS = {
  'landfall-step': 'workflows/steps/runStep.ts',
  'landfall-validate': 'workflows/steps/validateJob.ts',
  'landfall-stage-in': 'workflows/job/stageIn.ts',
  'landfall-stage-out': 'workflows/job/stageOut.ts',
} as const;

export type JobProgram = keyof typeof JOB_PROGRAMS;

/** The bundle of the job programs, relative to the repository root: the step image's whole file set. */
export const JOB_BUNDLE_DIR = 'dist/job';

/** File beside the bundle naming the sources digest it was built from (not in the bundle: the image does not need it). */
export const JOB_BUNDLE_DIGEST_FILE = 'dist/job.sources';

/** The file of a program inside a bundle folder. */
export const jobProgramFile = (program: JobProgram) => `${program}.mjs`;

/** Folders whose sources a job program may import (the layers below runtime/). */
const JOB_SOURCE_FOLDERS = ['config', 'contracts', 'layouts', 'validation', 'seams', 'events', 'workflows', 'functions'];

/**
 * A digest of every source file under `folders` (paths, sizes, modification times) and of the lockfile: a build
 * made from other sources than the working tree's is stale.
 */
export function sourcesDigest(projectRoot: string, folders: string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|mjs|js|json)$/.test(entry.name)) {
        const stat = statSync(full);
        hash.update(`${path.relative(projectRoot, full)}\0${stat.size}\0${stat.mtimeMs}\0`);
      }
    }
  };
  for (const folder of folders) walk(path.join(projectRoot, folder));
  hash.update(statSync(path.join(projectRoot, 'package-lock.json')).mtimeMs.toString());
  return hash.digest('hex').slice(0, 16);
}

/** {@link sourcesDigest} of everything a job program may import. */
export const jobSourcesDigest = (projectRoot: string) => sourcesDigest(projectRoot, JOB_SOURCE_FOLDERS);

/**
 * The expression the plugin below rewrites, spelled so this module holds no literal of it: the plugin rewrites
 * every occurrence, strings included, and this module is bundled into the CLI too.
 */
const META_URL = ['import', 'meta', 'url'].join('.');

/**
 * Gives every bundled source module its own `import.meta.url` (its file in the repository) instead of the
 * bundle file's: modules that find files beside them (`new URL('./warmWorker.mjs', import.meta.url)`, the
 * dashboard's public folder) keep finding them, and `isMain(import.meta.url)` stays true only in the entry a
 * program was started with. `entries` keep the bundle's own URL (they are the main). Packages are left alone.
 */
export function sourceUrlPlugin(projectRoot: string, outdir: string, entries: string[] = []): Plugin {
  const keep = new Set(entries.map((entry) => path.resolve(projectRoot, entry)));
  return {
    name: 'landfall-source-url',
    setup(builder) {
      builder.onLoad({ filter: /\.[cm]?ts$/ }, (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`) || keep.has(args.path)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes(META_URL)) return undefined;
        // Every output file lies directly in `outdir` (no subfolders), so one relative path fits every chunk.
        const relative = path.relative(outdir, args.path).split(path.sep).join('/');
        return {
          contents: source.replaceAll(META_URL, `new URL(${JSON.stringify(relative)}, ${META_URL}).href`),
          loader: 'ts',
        };
      });
    },
  };
}

/**
 * Bundles the four job programs with everything they import, packages included, into `outdir` (one
 * `<program>.mjs` each, with its source map), replacing what was there.
 *
 * @example await bundleJobPrograms(root, path.join(root, JOB_BUNDLE_DIR));
 */
export async function bundleJobPrograms(projectRoot: string, outdir: string): Promise<string[]> {
  const entryPoints = Object.fromEntries(
    (Object.keys(JOB_PROGRAMS) as JobProgram[]).map((program) => [program, path.join(projectRoot, JOB_PROGRAMS[program])]),
  );
  const result = await build({
    entryPoints,
    outdir,
    bundle: true,
    // One self-contained file per program. (With shared chunks, esbuild hands a dynamic import of a CommonJS
    // package, such as the S3 client stage-in loads only in AWS, only its default export.)
    splitting: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    // Stack traces name the TypeScript file and line; the sources themselves need not ship.
    sourcesContent: false,
    // CommonJS packages inside an ES module bundle call require() for Node's own modules.
    banner: {
      js: `import { createRequire as __landfallCreateRequire } from 'node:module'; const require = __landfallCreateRequire(${META_URL});`,
    },
    plugins: [sourceUrlPlugin(projectRoot, outdir, Object.values(JOB_PROGRAMS))],
    define: { LANDFALL_COMPILED: 'true' },
    metafile: true,
    logLevel: 'warning',
  });
  return Object.keys(result.metafile.outputs);
}
