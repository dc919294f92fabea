/**
 * One bad run cannot stop the others (issue 22, finding 3), against the real local catalog and folder storage:
 * a 10,000-row SampleSheet.csv once made the run item too large for the catalog (over DynamoDB's 400 KB), the
 * run stuck at "waiting for SampleSheet.csv" and, the sweep having no per-run isolation, every sweep failed, so
 * crash recovery and re-upload versioning stopped for every team.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSampleSheetV2 } from '../../../demo/sampleSheet.ts';
import { evaluateRun } from '../../../functions/landing/evaluateRun.ts';
import { sweep } from '../../support/sweep.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const BIG = '261123_LH00417_0950_B22BIGSHT';
const SAMPLES = 10_000;

/** A distinct 10-base index per sample number (base 4). */
const indexOf = (n: number) => Array.from({ length: 10 }, (_, i) => 'ACGT'[Math.floor(n / 4 ** i) % 4]).join('');

describe('a run with a 10,000-row sample sheet', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const ids = Array.from({ length: SAMPLES }, (_, i) => `Sample${String(i + 1).padStart(5, '0')}`);

  beforeAll(async () => {
    harness = await startServicesHarness();
    const sheet = renderSampleSheetV2({
      runName: BIG,
      data: ids.map((sampleId, i) => ({ lane: 1, sampleId, index: indexOf(i), index2: indexOf(SAMPLES + i) })),
      cloud: [],
    });
    const key = `incoming/${TEAM}/${BIG}/SampleSheet.csv`;
    const object = await harness.folders.put(harness.names.landing, key, sheet);
    await harness.services.catalog.runs.recordFile(TEAM, BIG, {
      name: 'SampleSheet.csv',
      bucket: harness.names.landing,
      key,
      size: object.size,
      etag: object.etag,
      landedAt: new Date().toISOString(),
    });
  });
  afterAll(async () => harness?.stop());

  it('is evaluated into small catalog items: the expected ids beside the run, the first missing files named, all counted', async () => {
    // Act
    await evaluateRun(harness.services, TEAM, BIG);

    // Assess: the run item is small and says what it waits for
    const run = (await harness.services.catalog.runs.get(TEAM, BIG))!;
    expect(Buffer.byteLength(JSON.stringify(run))).toBeLessThan(20_000);
    expect(run.status).toBe('RECEIVING');
    expect(run.waitingFor).not.toMatch(/SampleSheet/);
    expect(run.expectedSampleCount).toBe(SAMPLES);
    expect(run.missing).toHaveLength(20);
    expect(run.missingCount).toBeGreaterThanOrEqual(2 * SAMPLES); // at least R1 and R2 of every sample
    expect(await harness.services.catalog.runs.expectedSamples(TEAM, BIG)).toEqual(ids);
    expect(await harness.services.catalog.samples.listInRun(TEAM, BIG)).toHaveLength(SAMPLES);
  }, 300_000);

  it('leaves the sweep working: no run fails it', async () => {
    // Act
    const result = await sweep();
    // Assess
    expect(result.failedRuns).toEqual([]);
    expect(result.evaluated).toBe(1);
  }, 300_000);
});

describe('a run the sweep cannot handle', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const BAD = '261123_LH00417_0951_B22BADRUN';
  const GOOD = '261123_LH00417_0952_B22GOODRN';

  beforeAll(async () => {
    harness = await startServicesHarness();
    for (const runId of [BAD, GOOD]) {
      await harness.services.catalog.runs.recordFile(TEAM, runId, {
        name: 'notes.txt',
        bucket: harness.names.landing,
        key: `incoming/${TEAM}/${runId}/notes.txt`,
        size: 1,
        etag: '"e"',
        landedAt: new Date().toISOString(),
      });
    }
    // The catalog fails every read of BAD's files (a collaborator faked to reach the error path)
    const listFiles = harness.services.catalog.runs.listFiles.bind(harness.services.catalog.runs);
    harness.services.catalog.runs.listFiles = async (team, runId) => {
      if (runId === BAD) throw new Error('injected: this run cannot be read');
      return listFiles(team, runId);
    };
  });
  afterAll(async () => harness?.stop());

  it('is recorded against that run while the sweep goes on with the others, and cleared once the run is handled', async () => {
    // Act
    const result = await sweep();

    // Assess: the other run was evaluated; the failure is on the bad run
    expect(result.failedRuns).toEqual([`${TEAM}/${BAD}`]);
    expect(result.evaluated).toBe(1);
    expect((await harness.services.catalog.runs.get(TEAM, GOOD))?.sweepError).toBeUndefined();
    expect((await harness.services.catalog.runs.get(TEAM, BAD))?.sweepError?.message).toMatch(/injected: this run cannot be read/);

    // Act: the run can be read again
    delete (harness.services.catalog.runs as { listFiles?: unknown }).listFiles;
    const next = await sweep();

    // Assess
    expect(next.failedRuns).toEqual([]);
    expect((await harness.services.catalog.runs.get(TEAM, BAD))?.sweepError).toBeUndefined();
  });
});
