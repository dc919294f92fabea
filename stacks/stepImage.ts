/**
 * The step image: built from `workflows/steps/Dockerfile` and pushed to each region's repository before a
 * deploy (README "Deploy to AWS"); the stacks only reference it. The image holds the job-program bundle
 * (`dist/job/`, workflows/jobBundle.ts) and nothing else; its tag is a hash of the Dockerfile and that bundle,
 * so a changed step program gets a new tag and the job definitions a new revision.
 * Plain module (no SST globals).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_BUNDLE_DIGEST_FILE, JOB_BUNDLE_DIR, jobSourcesDigest } from '../workflows/jobBundle.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Dockerfile, relative to the repository root (the build context). */
export const STEP_DOCKERFILE = 'workflows/steps/Dockerfile';

/** What the Dockerfile copies into the image: the job-program bundle alone. Keep in step with its COPY line. */
export const STEP_IMAGE_SOURCES = [JOB_BUNDLE_DIR] as const;

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/**
 * `sha-<16 hex>` over the Dockerfile and the bundle (paths and contents), in a stable order. Refuses a bundle
 * that is missing or was built from other sources than the working tree's: the image would not hold this code.
 *
 * @example stepImageTag(); // 'sha-3f2a…'
 */
export function stepImageTag(base: string = root): string {
  const digestFile = join(base, JOB_BUNDLE_DIGEST_FILE);
  if (!existsSync(join(base, JOB_BUNDLE_DIR)) || !existsSync(digestFile))
    throw new Error(`${JOB_BUNDLE_DIR}/ is missing: run "npm run build" (npm ci runs it) before a deploy or a docker build`);
  if (readFileSync(digestFile, 'utf8').trim() !== jobSourcesDigest(base))
    throw new Error(`${JOB_BUNDLE_DIR}/ was built from other sources than these: run "npm run build" before a deploy or a docker build`);
  const hash = createHash('sha256');
  for (const file of [join(base, STEP_DOCKERFILE), ...STEP_IMAGE_SOURCES.flatMap((source) => files(join(base, source)))]) {
    hash.update(relative(base, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return `sha-${hash.digest('hex').slice(0, 16)}`;
}

/** Repository name of the step image in every region. */
export function stepRepositoryName(app: string): string {
  return `${app}-step`;
}
