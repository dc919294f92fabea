/**
 * The step image: built from `workflows/steps/Dockerfile` and pushed to each region's repository before a
 * deploy (README "Deploy to AWS"); the stacks only reference it. Its tag is a hash of the Dockerfile and
 * every source it copies, so a changed step program gets a new tag and the job definitions a new revision.
 * Plain module (no SST globals).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The Dockerfile, relative to the repository root (the build context). */
export const STEP_DOCKERFILE = 'workflows/steps/Dockerfile';

/** What the Dockerfile copies into the image; keep in step with its COPY lines. */
export const STEP_IMAGE_SOURCES = [
  'package.json',
  'package-lock.json',
  'landfall.config.ts',
  'config',
  'contracts',
  'events',
  'functions',
  'layouts',
  'seams',
  'validation',
  'workflows',
] as const;

function files(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => files(join(path, name)));
}

/**
 * `sha-<16 hex>` over the Dockerfile and the sources (paths and contents), in a stable order.
 *
 * @example stepImageTag(); // 'sha-3f2a…'
 */
export function stepImageTag(base: string = root): string {
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
