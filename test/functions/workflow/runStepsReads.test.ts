/**
 * How many catalog reads the run-wide decisions taken at every step make, against the real local catalog.
 * Deciding on a run's run steps: the run is concluded at each of its steps published, and listing every
 * sample's steps each time made a run's conclusions quadratic in its sample count; only unfinished samples are
 * looked at first, and none past the first that still lacks a step the run steps need. Deciding whether an
 * early step is pending (every later step's submission asks): early steps start in sample order, so the last
 * samples are the likeliest pending and are looked at first.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import { firstPendingEarlyStep, markEarlyStepsIfDone } from '../../../functions/workflow/earlySteps.ts';
import { startRunStepsIfReady } from '../../../functions/workflow/runSteps.ts';
import dnaAlignConfig from '../../fixtures/landfall.dna-align.config.ts';
import { catalogRun } from '../../support/catalogRuns.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = 'RUN-STEPS-READS';
const IDS = Array.from({ length: 40 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);

/** Counts the calls of one catalog method from here on. */
function countCalls<T extends object, K extends keyof T>(target: T, method: K): { count: number } {
  const counter = { count: 0 };
  const real = (target[method] as (...args: unknown[]) => unknown).bind(target);
  target[method] = (async (...args: unknown[]) => {
    counter.count++;
    return real(...args);
  }) as T[K];
  return counter;
}

/** A dna-align run of 40 samples at v1, each with the steps `published(sampleId)` published and `status`. */
async function runOf40(
  catalog: Catalog,
  sample: (sampleId: string) => { published: string[]; status: 'RUNNING' | 'COMPLETED' },
): Promise<void> {
  await catalogRun(catalog, TEAM, RUN, { status: 'PROCESSING', expectedSamples: IDS });
  for (const sampleId of IDS) {
    const ref = { team: TEAM, runId: RUN, sampleId, version: 1 };
    const { published, status } = sample(sampleId);
    await catalog.samples.claimVersion(ref, `hash-${sampleId}`, [], 'READY');
    await catalog.samples.updateVersion(ref, { pipeline: 'dna-align' });
    for (const step of published) await catalog.steps.recordPublished(ref, step, [{ key: `x/${sampleId}/${step}`, size: 1, md5: 'm' }], 1);
    await catalog.samples.setStatus(ref, status, { currentVersion: 1 });
  }
}

describe('run-wide decisions of a 40-sample run', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  /** A services harness whose catalog holds {@link runOf40}'s run (stopped after the test). */
  async function harnessWith40(sample: Parameters<typeof runOf40>[1]) {
    const harness = await startServicesHarness({ config: dnaAlignConfig });
    stop = harness.stop;
    await runOf40(harness.services.catalog, sample);
    return { harness, catalog: harness.services.catalog };
  }

  it.each([
    { unfinished: ['S040'], reason: '1 sample has not published fastp, stats yet' },
    { unfinished: ['S039', 'S040'], reason: 'S039 has not published fastp, stats yet (and 1 more sample unfinished)' },
  ])(
    'run steps: reads one unfinished sample’s steps while it holds the run steps back, not every sample’s ($unfinished)',
    async ({ unfinished, reason }) => {
      // Prepare: the unfinished samples RUNNING with fastp published only, the others COMPLETED with fastp and stats
      const { harness, catalog } = await harnessWith40((sampleId) =>
        unfinished.includes(sampleId)
          ? { published: ['fastp'], status: 'RUNNING' }
          : { published: ['fastp', 'stats'], status: 'COMPLETED' },
      );
      const lists = countCalls(catalog.steps, 'list');

      // Act
      const state = await startRunStepsIfReady(harness.services, TEAM, RUN);

      // Assess
      expect(state).toEqual({ kind: 'waiting', reason });
      expect(lists.count).toBe(1);
    },
  );

  it('run steps: reads nothing when the index just written shows a sample that still owes a step they need', async () => {
    // Prepare: S040 RUNNING with fastp published only, in the catalog and in the index its conclusion just wrote
    const harness = await startServicesHarness({ config: dnaAlignConfig });
    stop = harness.stop;
    const { catalog } = harness.services;
    const publishedOf = (sampleId: string) => (sampleId === 'S040' ? ['fastp'] : ['fastp', 'stats']);
    await runOf40(catalog, (sampleId) => ({ published: publishedOf(sampleId), status: sampleId === 'S040' ? 'RUNNING' : 'COMPLETED' }));
    const shown = (owing: boolean) => ({
      samples: IDS.map((sampleId) => ({
        sampleId,
        status: (sampleId === 'S040' && owing ? 'RUNNING' : 'COMPLETED') as 'RUNNING' | 'COMPLETED',
        version: 1,
        steps: (owing ? publishedOf(sampleId) : ['fastp', 'stats']).map((step) => ({
          step,
          publishedAt: '2026-12-06T00:00:00Z',
          files: 1,
          bytes: 1,
        })),
      })),
    });
    const reads = [countCalls(catalog.runs, 'get'), countCalls(catalog.samples, 'listInRun'), countCalls(catalog.steps, 'list')];

    // Act
    const fromIndex = await startRunStepsIfReady(harness.services, TEAM, RUN, { shown: shown(true) });
    const readsFromIndex = reads.map((read) => read.count);
    // An index that shows nothing owed does not start them: the catalog decides (here it still knows S040 owes stats).
    const fromCatalog = await startRunStepsIfReady(harness.services, TEAM, RUN, { shown: shown(false) });

    // Assess
    expect(fromIndex).toEqual({ kind: 'waiting', reason: 'S040 has not published fastp, stats yet' });
    expect(readsFromIndex).toEqual([0, 0, 0]);
    expect(fromCatalog).toEqual({ kind: 'waiting', reason: '1 sample has not published fastp, stats yet' });
    expect(reads.map((read) => read.count)).toEqual([1, 1, 1]);
  });

  it('early steps: finds the last sample’s pending fastp with one read, not one per sample before it', async () => {
    // Prepare: every sample RUNNING; fastp (dna-align's early step) published for all but the last
    const { harness, catalog } = await harnessWith40((sampleId) => ({
      published: sampleId === 'S040' ? [] : ['fastp'],
      status: 'RUNNING',
    }));
    const reads = countCalls(catalog.steps, 'versionWithSteps');

    // Act
    const pending = await firstPendingEarlyStep(harness.services, TEAM, RUN);

    // Assess
    expect(pending).toBe('S040/fastp');
    expect(reads.count).toBe(1);
  });

  it('early steps: reads no sample whose early steps were marked done at its current version, and reads one marked at an older version', async () => {
    // Prepare: every sample RUNNING with fastp published and marked done as its publish marks it; S001 then re-landed as v2
    const { harness, catalog } = await harnessWith40(() => ({ published: ['fastp'], status: 'RUNNING' }));
    for (const sampleId of IDS) {
      const ref = { team: TEAM, runId: RUN, sampleId, version: 1 };
      await markEarlyStepsIfDone(harness.services, ref, 'dna-align', 'fastp', []);
    }
    const reads = countCalls(catalog.steps, 'versionWithSteps');

    // Act
    const allDone = await firstPendingEarlyStep(harness.services, TEAM, RUN);
    const readsAllDone = reads.count;
    await catalog.samples.claimVersion({ team: TEAM, runId: RUN, sampleId: 'S001' }, 'hash-S001-v2', [], 'READY');
    await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId: 'S001' }, 'READY', { currentVersion: 2 });
    await catalog.samples.updateVersion({ team: TEAM, runId: RUN, sampleId: 'S001', version: 2 }, { pipeline: 'dna-align' });
    const afterReland = await firstPendingEarlyStep(harness.services, TEAM, RUN);

    // Assess
    expect(allDone).toBeUndefined();
    expect(readsAllDone).toBe(0);
    expect(afterReland).toBe('S001/fastp');
    expect(reads.count).toBe(1);
  });

  it('early steps: a reprocessed early step clears its version’s mark, and only its version’s', async () => {
    // Prepare
    const { harness, catalog } = await harnessWith40(() => ({ published: ['fastp'], status: 'RUNNING' }));
    const ref = { team: TEAM, runId: RUN, sampleId: 'S007', version: 1 };
    await markEarlyStepsIfDone(harness.services, ref, 'dna-align', 'fastp', []);

    // Act
    await catalog.samples.clearEarlyStepsDone({ ...ref, version: 2 });
    const afterOtherVersion = (await catalog.samples.get(ref))?.earlyStepsDoneVersion;
    await catalog.samples.clearEarlyStepsDone(ref);
    const afterOwnVersion = (await catalog.samples.get(ref))?.earlyStepsDoneVersion;

    // Assess
    expect(afterOtherVersion).toBe(1);
    expect(afterOwnVersion).toBeUndefined();
  });

  it('early steps: a sample is marked done only by its last early step to publish (a later step marks nothing)', async () => {
    // Prepare
    const { harness, catalog } = await harnessWith40(() => ({ published: [], status: 'RUNNING' }));
    const ref = { team: TEAM, runId: RUN, sampleId: 'S003', version: 1 };

    // Act
    await markEarlyStepsIfDone(harness.services, ref, 'dna-align', 'align', []);
    const afterLaterStep = (await catalog.samples.get(ref))?.earlyStepsDoneVersion;
    // A pipeline gone from the config (an execution older than a deploy): nothing marked, nothing thrown
    await markEarlyStepsIfDone(harness.services, ref, 'retired-pipeline', 'fastp', []);
    const afterRetired = (await catalog.samples.get(ref))?.earlyStepsDoneVersion;
    await markEarlyStepsIfDone(harness.services, ref, 'dna-align', 'fastp', []);

    // Assess
    expect(afterLaterStep).toBeUndefined();
    expect(afterRetired).toBeUndefined();
    expect((await catalog.samples.get(ref))?.earlyStepsDoneVersion).toBe(1);
  });
});
