/**
 * How many sample step lists deciding on a run's run steps reads, against the real local catalog: the run is
 * concluded at each of its steps published, and listing every sample's steps each time made a run's conclusions
 * quadratic in its sample count. Only unfinished samples are looked at first, and none past the first that
 * still lacks a step the run steps need.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRunStepsIfReady } from '../../../functions/workflow/runSteps.ts';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import dnaAlignConfig from '../../fixtures/landfall.dna-align.config.ts';
import { catalogRun } from '../../support/catalogRuns.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = 'RUN-STEPS-READS';

function countStepLists(catalog: Catalog): { count: number } {
  const counter = { count: 0 };
  const list = catalog.steps.list.bind(catalog.steps);
  catalog.steps.list = async (ref) => {
    counter.count++;
    return list(ref);
  };
  return counter;
}

describe('startRunStepsIfReady', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  it.each([
    { unfinished: ['S040'], reason: '1 sample has not published fastp, stats yet' },
    { unfinished: ['S039', 'S040'], reason: 'S039 has not published fastp, stats yet (and 1 more sample unfinished)' },
  ])(
    'reads one unfinished sample’s steps while it holds the run steps back, not every sample’s ($unfinished)',
    async ({ unfinished, reason }) => {
      // Prepare: 40 samples; the unfinished ones RUNNING with fastp published only, the others COMPLETED with fastp and stats
      const harness = await startServicesHarness({ config: dnaAlignConfig });
      stop = harness.stop;
      const { catalog } = harness.services;
      const ids = Array.from({ length: 40 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
      await catalogRun(catalog, TEAM, RUN, { status: 'PROCESSING', expectedSamples: ids });
      for (const sampleId of ids) {
        const ref = { team: TEAM, runId: RUN, sampleId, version: 1 };
        await catalog.samples.claimVersion(ref, `hash-${sampleId}`, [], 'READY');
        const steps = unfinished.includes(sampleId) ? ['fastp'] : ['fastp', 'stats'];
        for (const step of steps) await catalog.steps.recordPublished(ref, step, [{ key: `x/${sampleId}/${step}`, size: 1, md5: 'm' }], 1);
        await catalog.samples.setStatus(ref, unfinished.includes(sampleId) ? 'RUNNING' : 'COMPLETED', { currentVersion: 1 });
      }
      const lists = countStepLists(catalog);

      // Act
      const state = await startRunStepsIfReady(harness.services, TEAM, RUN);

      // Assess
      expect(state).toEqual({ kind: 'waiting', reason });
      expect(lists.count).toBe(1);
    },
  );
});
