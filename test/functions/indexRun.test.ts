import { afterEach, describe, expect, it } from 'vitest';
import { landfallEventDetails, type RUN_INDEX_DETAIL_TYPES } from '../../contracts/events/landfall.ts';
import { handler as indexRun } from '../../functions/indexRun.ts';
import { runIndexKey } from '../../contracts/keys.ts';
import type { RunIndex } from '../../functions/publishing/runIndex.ts';
import { localContext } from '../../runtime/lambda/invokeLocally.ts';
import { catalogRun } from '../support/catalogRuns.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = 'RUN-IDX';
/** A run fact as the bus delivers it to the run-index function. */
const fact = (detailType: (typeof RUN_INDEX_DETAIL_TYPES)[number], sampleId: string) => ({
  version: '0',
  source: 'landfall' as const,
  'detail-type': detailType,
  resources: [],
  detail: { team: TEAM, runId: RUN, sampleId, version: 1, dedupeKey: `${detailType}:${sampleId}` },
});

describe('indexRun handler', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  it('renders index.json from the catalog and emits "Run Completed" once, only when every sample is terminal', async () => {
    // Prepare: a complete run of two samples; S1 completed with qc published, S2 still running
    const harness = await startServicesHarness();
    stop = harness.stop;
    const { catalog } = harness.services;
    await catalogRun(catalog, TEAM, RUN, { status: 'COMPLETE', expectedSamples: ['S1', 'S2'] });
    for (const sampleId of ['S1', 'S2'])
      await catalog.samples.claimVersion({ team: TEAM, runId: RUN, sampleId }, `hash-${sampleId}`, [], 'READY');
    const s1 = { team: TEAM, runId: RUN, sampleId: 'S1', version: 1 };
    await catalog.steps.recordPublished(s1, 'qc', [{ key: `teams/${TEAM}/runs/${RUN}/samples/S1/v1/qc/qc.json`, size: 11, md5: 'm' }], 1);
    await catalog.samples.setStatus(s1, 'COMPLETED', { currentVersion: 1 });
    await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId: 'S2' }, 'RUNNING', { currentVersion: 1 });
    const readIndex = async () =>
      JSON.parse((await harness.folders.getBytes(harness.names.results, runIndexKey(TEAM, RUN))).toString()) as RunIndex;

    // Act: S1's completion
    await indexRun(fact('Sample Completed', 'S1'), localContext('indexRun'));

    // Assess: indexed, not complete, nothing emitted
    const partial = await readIndex();
    expect(partial).toMatchObject({ team: TEAM, runId: RUN, status: 'COMPLETE', complete: false, counts: { COMPLETED: 1, RUNNING: 1 } });
    expect(
      partial.samples.map((s) => [s.sampleId, s.status, s.steps.map((step) => [step.step, step.sequence, step.files, step.bytes])]),
    ).toEqual([
      ['S1', 'COMPLETED', [['qc', 1, 1, 11]]],
      ['S2', 'RUNNING', []],
    ]);
    expect(harness.published).toEqual([]);

    // Act: S2 fails; its event arrives three times, two of them at once
    await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId: 'S2' }, 'FAILED', { currentVersion: 1 });
    await Promise.all([
      indexRun(fact('Sample Failed', 'S2'), localContext('indexRun')),
      indexRun(fact('Sample Failed', 'S2'), localContext('indexRun')),
    ]);
    await indexRun(fact('Sample Failed', 'S2'), localContext('indexRun'));

    // Assess
    const done = await readIndex();
    expect(done).toMatchObject({ status: 'DONE', complete: true, counts: { COMPLETED: 1, FAILED: 1 } });
    expect((await catalog.runs.get(TEAM, RUN))?.status).toBe('DONE');
    expect(harness.published).toHaveLength(1);
    expect(harness.published[0]).toMatchObject({ source: 'landfall', 'detail-type': 'Run Completed' });
    const detail = landfallEventDetails['Run Completed'].parse(harness.published[0]!.detail);
    expect(detail).toMatchObject({
      team: TEAM,
      runId: RUN,
      samples: [
        { sampleId: 'S1', version: 1, status: 'COMPLETED' },
        { sampleId: 'S2', version: 1, status: 'FAILED' },
      ],
      indexKey: runIndexKey(TEAM, RUN),
      keys: [
        runIndexKey(TEAM, RUN),
        `teams/${TEAM}/runs/${RUN}/samples/S1/v1/manifest.json`,
        `teams/${TEAM}/runs/${RUN}/samples/S2/v1/manifest.json`,
      ],
    });
    expect(detail.dedupeKey).toMatch(new RegExp(`^run-completed:${TEAM}/${RUN}:[0-9a-f]{16}$`));
  });

  it('waits for samples the run expects but the catalog does not know yet', async () => {
    // Prepare
    const harness = await startServicesHarness();
    stop = harness.stop;
    const { catalog } = harness.services;
    await catalogRun(catalog, TEAM, RUN, { status: 'COMPLETE', expectedSamples: ['S1', 'S2'] });
    await catalog.samples.claimVersion({ team: TEAM, runId: RUN, sampleId: 'S1' }, 'hash', [], 'READY');
    await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId: 'S1' }, 'REJECTED', { currentVersion: 1 });
    // Act
    const result = await indexRun(fact('Sample Rejected', 'S1'), localContext('indexRun'));
    // Assess
    expect(result).toMatchObject({ outcome: 'indexed' });
    expect(harness.published).toEqual([]);
  });
});
