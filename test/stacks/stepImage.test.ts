import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { STEP_DOCKERFILE, STEP_IMAGE_SOURCES } from '../../stacks/stepImage.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = readFileSync(join(root, STEP_DOCKERFILE), 'utf8');

/** Sources the Dockerfile copies into /app (every `COPY <src…> <dest>` line). */
function copiedSources(): string[] {
  return dockerfile
    .split('\n')
    .filter((line) => line.startsWith('COPY '))
    .flatMap((line) => line.split(/\s+/).slice(1, -1));
}

/** Entry points the Dockerfile's wrapper scripts run (`node --import tsx /app/<file>`). */
function entryPoints(): string[] {
  return [...dockerfile.matchAll(/--import tsx \/app\/(\S+\.ts)/g)].map((match) => match[1]!);
}

/** Every repository file an entry point loads (relative imports, static and dynamic), and every package it names. */
function closureOf(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const { importedFiles } = ts.preProcessFile(readFileSync(join(root, file), 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (specifier.startsWith('.')) pending.push(relative(root, resolve(root, dirname(file), specifier)));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
  }
  return { files, packages };
}

describe('The step image holds everything its programs load', () => {
  it('copies exactly the sources stepImageTag hashes', () => {
    expect(copiedSources().sort()).toEqual([...STEP_IMAGE_SOURCES].sort());
  });

  it("runs a step job's phases, the built-in step programs and the large-sample validator", () => {
    expect(entryPoints().sort()).toEqual([
      'workflows/job/stageIn.ts',
      'workflows/job/stageOut.ts',
      'workflows/steps/runStep.ts',
      'workflows/steps/validateJob.ts',
    ]);
  });

  it("copies every module its programs load (the built-in steps' layouts/ included)", () => {
    const { files } = closureOf(entryPoints());
    expect(files.size).toBeGreaterThan(entryPoints().length);
    const copied = copiedSources();
    const missing = [...files].filter((file) => !copied.some((source) => file === source || file.startsWith(`${source}/`)));
    expect(missing, `add a COPY line to ${STEP_DOCKERFILE} (and the folder to STEP_IMAGE_SOURCES)`).toEqual([]);
  });

  it('installs every package the job programs import (the image runs npm ci --omit=dev)', () => {
    const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const missing = [...closureOf(entryPoints()).packages].filter((name) => !(name in dependencies));
    expect(missing).toEqual([]);
  });
});
