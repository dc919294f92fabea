/**
 * How many sample versions deciding "is an early step of the run still pending" reads, against the real local
 * catalog: every later step's submission asks it, and every step published while steps are held. Early steps
 * start in sample order, so the last samples are the likeliest pending: looked at first, one read answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import { firstPendingEarlyStep } from '../../../functions/workflow/earlySteps.ts';
import dnaAlignConfig from '../../fixtures/landfall.dna-align.config.ts';
import { catalogRun } from '../../support/catalogRuns.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = 'EARLY-STEPS-READS';

function countVersionReads(catalog: Catalog): { count: number } {
  const counter = { count: 0 };
  const read = catalog.steps.versionWithSteps.bind(catalog.steps);
  catalog.steps.versionWithSteps = async (ref) => {
    counter.count++;
    return read(ref);
  };
  return counter;
}

describe('firstPendingEarlyStep', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  it('finds the last sample’s pending fastp with one read, not one per sample before it', async () => {
    // Prepare: 40 running samples of dna-align; fastp (its early step) published for all but the last
    const harness = await startServicesHarness({ config: dnaAlignConfig });
    stop = harness.stop;
    const { catalog } = harness.services;
    const ids = Array.from({ length: 40 }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
    await catalogRun(catalog, TEAM, RUN, { status: 'PROCESSING', expectedSamples: ids });
    for (const sampleId of ids) {
      const ref = { team: TEAM, runId: RUN, sampleId, version: 1 };
      await catalog.samples.claimVersion(ref, `hash-${sampleId}`, [], 'READY');
      await catalog.samples.updateVersion(ref, { pipeline: 'dna-align' });
      if (sampleId !== 'S040') await catalog.steps.recordPublished(ref, 'fastp', [{ key: `x/${sampleId}/fastp`, size: 1, md5: 'm' }], 1);
      await catalog.samples.setStatus(ref, 'RUNNING', { currentVersion: 1 });
    }
    const reads = countVersionReads(catalog);

    // Act
    const pending = await firstPendingEarlyStep(harness.services, TEAM, RUN);

    // Assess
    expect(pending).toBe('S040/fastp');
    expect(reads.count).toBe(1);
  });
});
