/**
 * The step image is the job-program bundle (workflows/jobBundle.ts) and nothing else; its tag hashes exactly
 * what the image holds. That the programs run from that file set alone is test/workflows/jobBundle.test.ts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { STEP_DOCKERFILE, STEP_IMAGE_SOURCES, stepImageTag } from '../../stacks/stepImage.ts';
import { JOB_BUNDLE_DIGEST_FILE, JOB_BUNDLE_DIR, jobSourcesDigest } from '../../workflows/jobBundle.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = readFileSync(join(root, STEP_DOCKERFILE), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'landfall-step-image-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A copy of what stepImageTag reads: the Dockerfile, the bundle and its digest, and the sources the digest covers. */
function copyOfTree(name: string): string {
  const base = join(scratch, name);
  for (const part of [STEP_DOCKERFILE, JOB_BUNDLE_DIR, JOB_BUNDLE_DIGEST_FILE, 'package-lock.json'])
    cpSync(join(root, part), join(base, part), { recursive: true });
  for (const folder of ['config', 'contracts', 'layouts', 'validation', 'seams', 'events', 'workflows', 'functions'])
    cpSync(join(root, folder), join(base, folder), { recursive: true });
  // As `npm run build` records it for this tree (a copy's modification times are its own).
  writeFileSync(join(base, JOB_BUNDLE_DIGEST_FILE), `${jobSourcesDigest(base)}\n`);
  return base;
}

describe('The step image and its tag', () => {
  it('copies exactly the sources stepImageTag hashes: the job-program bundle', () => {
    const copied = dockerfile
      .split('\n')
      .filter((line) => line.startsWith('COPY '))
      .flatMap((line) => line.split(/\s+/).slice(1, -1));
    expect(copied).toEqual([...STEP_IMAGE_SOURCES]);
    expect(STEP_IMAGE_SOURCES).toEqual([JOB_BUNDLE_DIR]);
  });

  it('changes the tag when a bundled program changes, and only then', () => {
    const base = copyOfTree('changed');
    const before = stepImageTag(base);
    expect(stepImageTag(base)).toBe(before);
    writeFileSync(join(base, JOB_BUNDLE_DIR, 'landfall-step.mjs'), '// another program\n', { flag: 'a' });
    expect(stepImageTag(base)).not.toBe(before);
  });

  it('refuses a bundle built from other sources than the working tree, and a missing one', () => {
    const stale = copyOfTree('stale');
    const edited = join(stale, 'workflows/steps/qc.ts');
    utimesSync(edited, new Date(), new Date(Date.now() + 60_000));
    expect(() => stepImageTag(stale)).toThrow(/built from other sources than these: run "npm run build"/);
    const missing = copyOfTree('missing');
    rmSync(join(missing, JOB_BUNDLE_DIR), { recursive: true });
    expect(() => stepImageTag(missing)).toThrow(/dist\/job\/ is missing: run "npm run build"/);
  });
});
