import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestCatalog } from '../../support/catalogServer.ts';
import { projectRoot } from '../../support/runtimeProcess.ts';

const run = promisify(execFile);

describe('writeManifest from separate processes', () => {
  let cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('loses no step when a stale writer finishes last (delay injected between read and write)', async () => {
    // Prepare: a shared catalog server and bucket folder; one sample version
    const catalog = await startTestCatalog();
    cleanup.push(catalog.stop);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-manifest-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await mkdir(path.join(dir, 'buckets', 'landfall-results'), { recursive: true });
    await catalog.catalog.samples.claimVersion({ team: 'genomics', runId: 'R1', sampleId: 'S1' }, 'hash', [], 'RUNNING');
    const script = path.join(projectRoot, 'test/support/manifestWriterProcess.ts');
    const reached = path.join(dir, 'qc-has-read');
    const writer = (step: string, env: Record<string, string>, waitFor?: string) =>
      run(
        process.execPath,
        ['--import', 'tsx', script, catalog.server.endpoint, path.join(dir, 'buckets'), step, ...(waitFor ? [waitFor] : [])],
        {
          cwd: projectRoot,
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: catalog.server.credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: catalog.server.credentials.secretAccessKey,
            ...env,
          },
        },
      );

    // Act: qc reads the catalog, then stalls 1.5 s before writing; trim publishes and writes meanwhile
    await Promise.all([
      writer('qc', { LANDFALL_FAULTS: JSON.stringify({ 'manifest.betweenReadAndWrite': { delayMs: 1500, touchFile: reached } }) }),
      writer('trim', {}, reached),
    ]);

    // Assess
    const manifest = JSON.parse(
      await readFile(path.join(dir, 'buckets/landfall-results/teams/genomics/runs/R1/samples/S1/v1/manifest.json'), 'utf8'),
    ) as { steps: Record<string, { sequence: number }>; revision: number };
    expect(Object.keys(manifest.steps).sort()).toEqual(['qc', 'trim']);
    expect(
      Object.values(manifest.steps)
        .map((step) => step.sequence)
        .sort(),
    ).toEqual([1, 2]);
    expect(manifest.revision).toBe(2);
  }, 60_000);
});
