/**
 * The programs of Landfall's step image (workflows/steps/Dockerfile), as the embedded runtime runs them: host
 * processes started for every job phase (stage-in, stage-out), built-in step and large-sample validation.
 * The two phases every step job runs are bundled once with esbuild into plain JavaScript, so they start in a
 * fraction of the time `tsx` takes to transpile them on every start. The bundle is cached by the sources it
 * is built from and rebuilt when one changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';

/** Commands of the step image and the source each runs. */
export const JOB_PROGRAMS = {
  'landfall-step': 'workflows/steps/runStep.ts',
  'landfall-validate': 'workflows/steps/validateJob.ts',
  'landfall-stage-in': 'workflows/job/stageIn.ts',
  'landfall-stage-out': 'workflows/job/stageOut.ts',
} as const;

/**
 * The programs bundled: the phases every step job runs twice. The built-in step programs stay on `tsx`: the
 * modules they import are programs of their own too (`qc.ts`, `trim.ts` run their CLI when `isMain`), and a
 * bundle gives every module the entry's `import.meta.url`, so their mains would all run. The build refuses
 * such a module in a bundled program's graph.
 */
const BUNDLED: ReadonlyArray<keyof typeof JOB_PROGRAMS> = ['landfall-stage-in', 'landfall-stage-out'];

/** Folders whose sources a job program may import (the layers below runtime/). */
const SOURCE_FOLDERS = ['config', 'contracts', 'layouts', 'validation', 'seams', 'events', 'workflows', 'functions'];

/** A digest of every source file a bundle may include: paths, sizes and modification times. */
function sourcesDigest(projectRoot: string): string {
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
  for (const folder of SOURCE_FOLDERS) walk(path.join(projectRoot, folder));
  hash.update(statSync(path.join(projectRoot, 'package-lock.json')).mtimeMs.toString());
  return hash.digest('hex').slice(0, 16);
}

/**
 * The step image's commands mapped to `node <bundled program>`, building the bundle first unless a bundle of
 * the same sources exists under `node_modules/.cache/landfall-job-programs/` (where the project's packages
 * resolve). Safe for several runtimes starting at once: each builds aside and renames into place.
 */
export async function jobProgramCommands(projectRoot: string): Promise<Record<keyof typeof JOB_PROGRAMS, string[]>> {
  const cache = path.join(projectRoot, 'node_modules', '.cache', 'landfall-job-programs');
  const dir = path.join(cache, sourcesDigest(projectRoot));
  if (!existsSync(dir)) {
    const building = `${dir}.building-${process.pid}-${Date.now()}`;
    await mkdir(cache, { recursive: true });
    const result = await build({
      entryPoints: BUNDLED.map((name) => path.join(projectRoot, JOB_PROGRAMS[name])),
      metafile: true,
      outbase: projectRoot,
      outdir: building,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Packages stay imports: node resolves them from the project's node_modules above the cache.
      packages: 'external',
      outExtension: { '.js': '.mjs' },
      logLevel: 'warning',
    });
    const entries = new Set<string>(BUNDLED.map((name) => JOB_PROGRAMS[name]));
    const programs = Object.keys(result.metafile.inputs).filter(
      (input) => !entries.has(input) && /\bisMain\(import\.meta\.url\)/.test(readFileSync(path.join(projectRoot, input), 'utf8')),
    );
    if (programs.length > 0) {
      await rm(building, { recursive: true, force: true });
      throw new Error(`cannot bundle the job phases: ${programs.join(', ')} run their own main when imported into a bundle`);
    }
    await rename(building, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another runtime put the same bundle in place first: use it.
      await rm(building, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    });
  }
  const command = (name: keyof typeof JOB_PROGRAMS) =>
    BUNDLED.includes(name)
      ? [process.execPath, path.join(dir, JOB_PROGRAMS[name].replace(/\.ts$/, '.mjs'))]
      : [process.execPath, '--import', 'tsx', path.join(projectRoot, JOB_PROGRAMS[name])];
  return Object.fromEntries((Object.keys(JOB_PROGRAMS) as Array<keyof typeof JOB_PROGRAMS>).map((name) => [name, command(name)])) as Record<
    keyof typeof JOB_PROGRAMS,
    string[]
  >;
}
