/**
 * The programs of Landfall's step image (workflows/steps/Dockerfile), as the embedded runtime runs them: host
 * processes started for every job phase (stage-in, stage-out), built-in step and large-sample validation. They
 * run from the very bundle the image holds (workflows/jobBundle.ts): `dist/job/`, built by `npm ci` / `npm run
 * build`, while it matches the sources; after a source edit, a bundle of the edited sources built once under
 * `node_modules/.cache/landfall-job-programs/<digest>/`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  bundleJobPrograms,
  JOB_BUNDLE_DIGEST_FILE,
  JOB_BUNDLE_DIR,
  JOB_PROGRAMS,
  type JobProgram,
  jobProgramFile,
  jobSourcesDigest,
} from '../workflows/jobBundle.ts';

export { JOB_PROGRAMS };

/** The folder of a job bundle built from the working tree's sources, building one when none is current. */
export async function currentJobBundle(projectRoot: string): Promise<string> {
  const digest = jobSourcesDigest(projectRoot);
  const built = path.join(projectRoot, JOB_BUNDLE_DIR);
  const builtDigest = path.join(projectRoot, JOB_BUNDLE_DIGEST_FILE);
  if (existsSync(builtDigest) && readFileSync(builtDigest, 'utf8').trim() === digest) return built;
  const cache = path.join(projectRoot, 'node_modules', '.cache', 'landfall-job-programs');
  const dir = path.join(cache, digest);
  if (!existsSync(dir)) {
    // Built aside and renamed into place: several runtimes may start at once.
    const building = `${dir}.building-${process.pid}-${Date.now()}`;
    await mkdir(building, { recursive: true });
    await bundleJobPrograms(projectRoot, building);
    await rename(building, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another runtime put the same bundle in place first: use it.
      await rm(building, { recursive: true, force: true });
      if (!existsSync(dir)) throw error;
    });
  }
  return dir;
}

/** The step image's commands mapped to `node <bundled program>` (with source maps, as in the image). */
export async function jobProgramCommands(projectRoot: string): Promise<Record<JobProgram, string[]>> {
  const dir = await currentJobBundle(projectRoot);
  return Object.fromEntries(
    (Object.keys(JOB_PROGRAMS) as JobProgram[]).map((program) => [
      program,
      [process.execPath, '--enable-source-maps', path.join(dir, jobProgramFile(program))],
    ]),
  ) as Record<JobProgram, string[]>;
}
