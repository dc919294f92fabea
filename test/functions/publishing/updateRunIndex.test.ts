/**
 * The run index writer against the real local catalog and folder storage (issue 22, finding 4): every event of
 * a run used to start a writer that re-read the whole run until its revision stood still, and hundreds of them
 * invalidated each other. Now one writer per run renders at a time, later changes join its next round, and a
 * round reads only the samples that changed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import { runIndexKey, runReportPrefix } from '../../../contracts/keys.ts';
import type { RunIndex } from '../../../functions/publishing/runIndex.ts';
import {
  announceRunCompleted,
  indexAndConcludeRun,
  samplesOfRunCompleted,
  updateRunIndex,
} from '../../../functions/publishing/updateRunIndex.ts';
import { writeRunReport } from '../../../functions/reporting/writeRunReport.ts';
import type { LandfallEventDetail } from '../../../contracts/events/landfall.ts';
import { catalogRun } from '../../support/catalogRuns.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = 'RUN-WRITER';

/** Counts the catalog reads of one sample's state (what a writer pays per sample it renders). */
function countSampleReads(catalog: Catalog): { count: number } {
  const counter = { count: 0 };
  const getSample = catalog.samples.get.bind(catalog.samples);
  const listRunSamples = catalog.samples.listInRun.bind(catalog.samples);
  catalog.samples.get = async (ref) => {
    counter.count++;
    return getSample(ref);
  };
  catalog.samples.listInRun = async (team, runId) => {
    const samples = await listRunSamples(team, runId);
    counter.count += samples.length;
    return samples;
  };
  return counter;
}

describe('updateRunIndex', () => {
  let stop: (() => Promise<void>) | undefined;
  afterEach(async () => stop?.());

  async function runOf(samples: number) {
    const harness = await startServicesHarness();
    stop = harness.stop;
    const { catalog } = harness.services;
    const ids = Array.from({ length: samples }, (_, i) => `S${String(i + 1).padStart(3, '0')}`);
    await catalogRun(catalog, TEAM, RUN, { status: 'PROCESSING', expectedSamples: ids });
    for (const sampleId of ids) {
      await catalog.samples.claimVersion({ team: TEAM, runId: RUN, sampleId }, `hash-${sampleId}`, [], 'READY');
      await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId }, 'RUNNING', { currentVersion: 1 });
    }
    const readIndex = async () =>
      JSON.parse((await harness.folders.getBytes(harness.names.results, runIndexKey(TEAM, RUN))).toString()) as RunIndex;
    return { harness, catalog, ids, readIndex };
  }

  it('coalesces 3 facts per sample of a 60-sample run, all at once, into one writer reading each changed sample a few times', async () => {
    // Prepare: every sample publishes three steps and completes, and each fact reaches the writer at once
    const { harness, catalog, ids, readIndex } = await runOf(60);
    await updateRunIndex(harness.services, TEAM, RUN); // the first index (all samples RUNNING)
    const reads = countSampleReads(catalog);
    for (const sampleId of ids) {
      const ref = { team: TEAM, runId: RUN, sampleId, version: 1 };
      for (const step of ['qc', 'trim', 'profile'])
        await catalog.steps.recordPublished(
          ref,
          step,
          [{ key: `teams/${TEAM}/runs/${RUN}/samples/${sampleId}/v1/${step}/x`, size: 1, md5: 'm' }],
          1,
        );
      await catalog.samples.setStatus(ref, 'COMPLETED', { currentVersion: 1 });
    }
    // Act: 4 facts per sample (3 steps published, completed), 240 concurrent invocations
    const outcomes = await Promise.all(
      ids.flatMap((sampleId) => [1, 2, 3, 4].map(() => indexAndConcludeRun(harness.services, TEAM, RUN, sampleId))),
    );
    // Assess: nothing failed, every change written by the writers that held the run, once complete, DONE
    expect(outcomes.filter((outcome) => outcome.outcome === 'unfinished')).toEqual([]);
    expect(outcomes.filter((outcome) => outcome.outcome !== 'coalesced').length).toBeGreaterThan(0);
    expect(outcomes.filter((outcome) => outcome.outcome === 'coalesced').length).toBeGreaterThan(200);
    const index = await readIndex();
    expect(index).toMatchObject({ status: 'DONE', complete: true, counts: { COMPLETED: 60 } });
    expect(index.samples.every((sample) => sample.steps.length === 3)).toBe(true);
    expect(reads.count).toBeLessThanOrEqual(3 * 60); // each changed sample read a few times, never the whole run per fact
    const run = await catalog.runs.get(TEAM, RUN);
    expect(run?.indexWrittenRevision).toBe(run?.indexRevision);
    expect(run?.indexLeaseOwner).toBeUndefined();
    expect(harness.published.filter((event) => event['detail-type'] === 'Run Completed')).toHaveLength(1);
  });

  it('counts a change and takes a free lease; with the lease held it only counts the change, which the holder then renders', async () => {
    // Prepare
    const { catalog } = await runOf(1);
    const before = (await catalog.runs.get(TEAM, RUN))!.indexRevision ?? 0;

    // Act: a free run; the same run while that first writer holds it; and once its lease has run out
    const first = await catalog.runIndex.markChangedAndAcquire(TEAM, RUN, 'S001', 'writer-1', 60_000);
    const second = await catalog.runIndex.markChangedAndAcquire(TEAM, RUN, 'S001', 'writer-2', 60_000);
    const holderLetGo = await catalog.runIndex.release(TEAM, RUN, 'writer-1', first.run!.indexRevision!);
    const afterExpiry = await catalog.runIndex.markChangedAndAcquire(TEAM, RUN, undefined, 'writer-3', 60_000, Date.now() + 120_000);

    // Assess
    expect(first).toMatchObject({ acquired: true, run: { indexRevision: before + 1, indexLeaseOwner: 'writer-1' } });
    expect(second).toEqual({ acquired: false });
    expect(holderLetGo).toBe(false); // it rendered revision before+1, the change made it before+2: it renders again
    expect(afterExpiry).toMatchObject({ acquired: true, run: { indexRevision: before + 3, indexLeaseOwner: 'writer-3' } });
  });

  it('leaves a change for the sweep while a dead writer’s lease lasts, and writes it once the lease has expired', async () => {
    // Prepare: a writer took the run and died
    const { harness, catalog, readIndex } = await runOf(2);
    await updateRunIndex(harness.services, TEAM, RUN);
    await catalog.runIndex.acquire(TEAM, RUN, 'dead-writer', 60_000);
    await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId: 'S001' }, 'COMPLETED', { currentVersion: 1 });
    // Act
    const whileHeld = await updateRunIndex(harness.services, TEAM, RUN, 'S001');
    const stale = await catalog.runs.get(TEAM, RUN);
    await catalog.runIndex.acquire(TEAM, RUN, 'dead-writer', -1); // its lease runs out
    const afterExpiry = await updateRunIndex(harness.services, TEAM, RUN); // the sweep's re-drive names no sample
    // Assess
    expect(whileHeld).toEqual({ outcome: 'coalesced' });
    expect(stale!.indexRevision).toBeGreaterThan(stale!.indexWrittenRevision ?? 0);
    expect(afterExpiry.outcome).toBe('written');
    expect((await readIndex()).samples.find((sample) => sample.sampleId === 'S001')?.status).toBe('COMPLETED');
  });

  /** A complete index of `count` samples, as index.json renders them. */
  const completeIndex = (count: number): RunIndex => ({
    team: TEAM,
    runId: RUN,
    status: 'DONE',
    complete: true,
    samples: Array.from({ length: count }, (_, i) => {
      const sampleId = `LIB${String(i + 1).padStart(5, '0')}`;
      return {
        sampleId,
        status: i % 50 === 7 ? ('FAILED' as const) : ('COMPLETED' as const),
        version: 1,
        manifestKey: `teams/${TEAM}/runs/${RUN}/samples/${sampleId}/v1/manifest.json`,
        steps: [],
      };
    }),
    counts: {},
    revision: 1,
    updatedAt: '',
  });

  it('"Run Completed" of a 1,536-sample run stays within an EventBridge entry: index.json first, 100 manifests named, all counted', async () => {
    // Prepare: a NovaSeq X lane's worth of samples
    const harness = await startServicesHarness();
    stop = harness.stop;
    // Act
    await announceRunCompleted(harness.services, completeIndex(1536));
    // Assess
    const event = harness.published.find((candidate) => candidate['detail-type'] === 'Run Completed')!;
    expect(Buffer.byteLength(JSON.stringify(event.detail))).toBeLessThan(256 * 1024);
    expect(event.detail).toMatchObject({ keyCount: 1537, indexKey: runIndexKey(TEAM, RUN), sampleCount: 1536 });
    expect((event.detail.keys as string[])[0]).toBe(runIndexKey(TEAM, RUN));
    expect(event.detail.keys).toHaveLength(100);
    expect(event.detail.samples).toHaveLength(1000);
  });

  it('announces a 7,000-sample run (amplicon plates): the event fits a team’s SNS message and the outbox item, and counts them all', async () => {
    // Prepare: listed whole, its samples alone made a 399 KB event: over SNS's 256 KB, a hair under DynamoDB's 400 KB item
    const harness = await startServicesHarness();
    stop = harness.stop;
    // Act
    const emitted = await announceRunCompleted(harness.services, completeIndex(7000));
    // Assess
    expect(emitted).toBe(true);
    const event = harness.published.find((candidate) => candidate['detail-type'] === 'Run Completed')!;
    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThan(256 * 1024);
    expect(event.detail).toMatchObject({ sampleCount: 7000, keyCount: 7001 });
    expect((event.detail.samples as Array<{ sampleId: string }>).map((sample) => sample.sampleId).slice(0, 2)).toEqual([
      'LIB00001',
      'LIB00002',
    ]);
  });

  it('reports a run of more samples than its event names, all of them, from index.json (as its run-done message counts them)', async () => {
    // Prepare: a 1,200-sample run's index, and its event as announced (1,000 named)
    const harness = await startServicesHarness();
    stop = harness.stop;
    const index = completeIndex(1200);
    await catalogRun(harness.services.catalog, TEAM, RUN, { status: 'DONE' });
    await harness.services.storage.put(harness.names.results, runIndexKey(TEAM, RUN), JSON.stringify(index));
    await announceRunCompleted(harness.services, index);
    const event = harness.published.find((candidate) => candidate['detail-type'] === 'Run Completed')!;
    // Act
    const all = await samplesOfRunCompleted(harness.services, event.detail as LandfallEventDetail<'Run Completed'>);
    await writeRunReport(harness.services, event.detail as LandfallEventDetail<'Run Completed'>);
    // Assess: the 200 samples past the event's list, and their failures, are in the report too
    expect(all).toHaveLength(1200);
    expect(all.filter((sample) => sample.status === 'FAILED')).toHaveLength(24);
    const report = JSON.parse(
      (await harness.services.storage.getBytes(harness.names.results, `${runReportPrefix(TEAM, RUN)}report.json`)).toString('utf8'),
    ) as { samples: Array<{ sampleId: string }> };
    expect(report.samples).toHaveLength(1200);
    expect(report.samples.at(-1)?.sampleId).toBe('LIB01200');
  });
});
