/**
 * The sweep's re-drive of landed objects the catalog never saw: everything at start (the process that was
 * landing them is gone), only settled objects on schedule (a young object's own event may be in flight).
 * And its re-evaluation of runs whose sample never got past RECEIVING (a "Sample Landed" a dead process
 * claimed but never published).
 */
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweep } from '../support/sweep.ts';
import { runIndexKey, runReportPrefix } from '../../contracts/keys.ts';
import { catalogRun } from '../support/catalogRuns.ts';
import { startServicesHarness } from '../support/servicesHarness.ts';

describe('reconciliation sweep re-drives unseen objects', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const key = 'incoming/genomics/261123_LH00417_0900_B22SWEEP1/notes.txt';
  // Landfall's own event, the catalog's write its guard (PutEvents refuses S3's source: the harness refuses it too).
  const redriven = () =>
    harness.published.filter(
      (e) =>
        e.source === 'landfall' &&
        e['detail-type'] === 'Object Replayed' &&
        (e.detail as { key: string; redrive?: boolean }).key === key &&
        (e.detail as { redrive?: boolean }).redrive === true,
    ).length;

  beforeAll(async () => {
    harness = await startServicesHarness();
    await harness.folders.put(harness.names.landing, key, 'never announced\n');
  });
  afterAll(async () => harness?.stop());

  it('leaves a just-landed object to its own event on a scheduled sweep', async () => {
    expect((await sweep(false)).redriven).toBe(0);
    expect(redriven()).toBe(0);
  });

  it('re-drives it once it has settled for two sweep intervals', async () => {
    const old = new Date(Date.now() - 10 * 60_000);
    await utimes(path.join(harness.bucketsDir, harness.names.landing, key), old, old);
    expect((await sweep(false)).redriven).toBe(1);
    expect(redriven()).toBe(1);
  });

  it('re-drives every unseen object at start, however young', async () => {
    await harness.folders.put(harness.names.landing, key, 'never announced, again\n');
    expect((await sweep(true)).redriven).toBe(1);
    expect(redriven()).toBe(2);
  });

  it('clears staging a dead publish left: at start what predates the process, on schedule what is over an hour old', async () => {
    // Prepare: a dead publish's staged copy (two hours old) and one of a publish in flight now
    const stale = 'publishing/genomics-RUN-S1-v1-g0/qc/qc.json';
    const fresh = 'publishing/genomics-RUN-S2-v1-g0/qc/qc.json';
    await harness.folders.put(harness.names.results, stale, '{}');
    await harness.folders.put(harness.names.results, fresh, '{}');
    const old = new Date(Date.now() - 2 * 3_600_000);
    await utimes(path.join(harness.bucketsDir, harness.names.results, stale), old, old);
    const staged = async () => (await harness.folders.list(harness.names.results, 'publishing/')).map((object) => object.key).sort();
    // Act + Assess: a scheduled sweep clears only the one over an hour old
    expect((await sweep(false)).staged).toBe(1);
    expect(await staged()).toEqual([fresh]);
    // a start-up sweep clears what was written before the process started, and keeps what came after
    expect((await sweep(true, new Date(Date.now() - 60_000).toISOString())).staged).toBe(0);
    expect((await sweep(true, new Date(Date.now() + 1_000).toISOString())).staged).toBe(1);
    expect(await staged()).toEqual([]);
  });
});

describe('reconciliation sweep re-evaluates runs with a sample still waiting for "Sample Landed"', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const TEAM = 'genomics';
  // A: complete, a sample still RECEIVING (its "Sample Landed" claimed by a process that died);
  // B: incomplete with a RECEIVING sample (usually just incomplete); C: complete, its sample validating.
  const runs = { A: '261123_LH00417_0901_B22SWEEPA', B: '261123_LH00417_0902_B22SWEEPB', C: '261123_LH00417_0903_B22SWEEPC' };
  const arrange = async () => {
    for (const [name, runId] of Object.entries(runs))
      await harness.services.catalog.runs.update(TEAM, runId, { status: name === 'B' ? 'INCOMPLETE' : 'COMPLETE' });
  };

  beforeAll(async () => {
    harness = await startServicesHarness();
    for (const [name, runId] of Object.entries(runs)) {
      await harness.services.catalog.runs.recordFile(TEAM, runId, {
        name: 'notes.txt',
        bucket: harness.names.landing,
        key: `incoming/${TEAM}/${runId}/notes.txt`,
        size: 1,
        etag: '"e"',
        landedAt: new Date().toISOString(),
      });
      await harness.services.catalog.samples.setStatus({ team: TEAM, runId, sampleId: 'S1' }, name === 'C' ? 'VALIDATING' : 'RECEIVING');
    }
  });
  afterAll(async () => harness?.stop());

  it('on schedule, only a complete run with a receiving sample', async () => {
    // Prepare
    await arrange();
    // Act
    const { evaluated } = await sweep(false);
    // Assess: A was evaluated (its status recomputed from its files), B and C left as they were
    expect(evaluated).toBe(1);
    expect((await harness.services.catalog.runs.get(TEAM, runs.A))?.status).not.toBe('COMPLETE');
    expect((await harness.services.catalog.runs.get(TEAM, runs.B))?.status).toBe('INCOMPLETE');
    expect((await harness.services.catalog.runs.get(TEAM, runs.C))?.status).toBe('COMPLETE');
  });

  it('at start, every run with a receiving sample', async () => {
    // Prepare
    await arrange();
    // Act
    const { evaluated } = await sweep(true);
    // Assess
    expect(evaluated).toBe(2);
    expect((await harness.services.catalog.runs.get(TEAM, runs.C))?.status).toBe('COMPLETE');
  });
});

describe("reconciliation sweep re-drives a run's end when the facts that should have driven it were lost", () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const TEAM = 'genomics';
  const RUN = '261123_LH00417_0904_B22SWEEPD';
  const completedFacts = () => harness.published.filter((e) => e['detail-type'] === 'Run Completed');
  const reportKey = `${runReportPrefix(TEAM, RUN)}report.json`;

  beforeAll(async () => {
    // Prepare: a run whose two samples ended while no index fact reached the writer (none was delivered)
    harness = await startServicesHarness();
    const { catalog } = harness.services;
    await catalogRun(
      catalog,
      TEAM,
      RUN,
      { status: 'PROCESSING', expectedSamples: ['S1', 'S2'] },
      { bucket: harness.names.landing, etag: '"e"' },
    );
    for (const [sampleId, status] of [
      ['S1', 'COMPLETED'],
      ['S2', 'FAILED'],
    ] as const) {
      await catalog.samples.claimVersion({ team: TEAM, runId: RUN, sampleId }, `hash-${sampleId}`, [], 'READY');
      await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId }, status, { currentVersion: 1 });
    }
  });
  afterAll(async () => harness?.stop());

  it('leaves a run whose samples just ended to its own facts on a scheduled sweep', async () => {
    // Act
    const { completions } = await sweep(false);
    // Assess
    expect(completions).toBe(0);
    expect((await harness.services.catalog.runs.get(TEAM, RUN))?.status).toBe('PROCESSING');
  });

  it('makes a settled run whose samples are all terminal DONE and emits "Run Completed" once', async () => {
    // Act: at start every run counts as settled
    const { completions } = await sweep(true);
    // Assess
    expect(completions).toBe(1);
    expect((await harness.services.catalog.runs.get(TEAM, RUN))?.status).toBe('DONE');
    const index = JSON.parse((await harness.folders.getBytes(harness.names.results, runIndexKey(TEAM, RUN))).toString()) as {
      complete: boolean;
      counts: Record<string, number>;
    };
    expect(index).toMatchObject({ complete: true, counts: { COMPLETED: 1, FAILED: 1 } });
    expect(completedFacts().map((e) => e.detail)).toMatchObject([
      {
        team: TEAM,
        runId: RUN,
        samples: [
          { sampleId: 'S1', status: 'COMPLETED' },
          { sampleId: 'S2', status: 'FAILED' },
        ],
      },
    ]);
  });

  it('writes the report of a DONE run that has none (its "Run Completed" was never acted on), then leaves the run alone', async () => {
    // Act
    const first = await sweep(true);
    const again = await sweep(true);
    // Assess: the report written once, from the catalog; no second "Run Completed"
    expect(first.completions).toBe(1);
    expect(again.completions).toBe(0);
    const report = JSON.parse((await harness.folders.getBytes(harness.names.results, reportKey)).toString()) as {
      samples: Array<{ sampleId: string; status: string }>;
    };
    expect(report.samples.map((sample) => [sample.sampleId, sample.status])).toEqual([
      ['S1', 'COMPLETED'],
      ['S2', 'FAILED'],
    ]);
    expect((await harness.services.catalog.runs.get(TEAM, RUN))?.reportedAt).toBeDefined();
    expect(completedFacts()).toHaveLength(1);
  });
});

describe('reconciliation sweep at start frees the run index lease of a killed runtime', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const TEAM = 'genomics';
  const RUN = '261123_LH00417_0905_B22DEADWR';

  beforeAll(async () => {
    // Prepare: both samples ended; a writer of the previous process took the run's index lease and was killed
    harness = await startServicesHarness();
    const { catalog } = harness.services;
    await catalogRun(
      catalog,
      TEAM,
      RUN,
      { status: 'PROCESSING', expectedSamples: ['S1', 'S2'] },
      { bucket: harness.names.landing, etag: '"e"' },
    );
    for (const sampleId of ['S1', 'S2']) {
      await catalog.samples.claimVersion({ team: TEAM, runId: RUN, sampleId }, `hash-${sampleId}`, [], 'READY');
      await catalog.samples.setStatus({ team: TEAM, runId: RUN, sampleId }, 'COMPLETED', { currentVersion: 1 });
    }
    await catalog.runIndex.markChanged(TEAM, RUN, 'S2');
    await catalog.runIndex.acquire(TEAM, RUN, 'killed-runtime/writer', 60_000);
  });
  afterAll(async () => harness?.stop());

  it('a scheduled sweep leaves the run to the lease holder while its lease lasts', async () => {
    // Act
    const { completions } = await sweep(false);
    // Assess
    expect(completions).toBe(0);
    expect((await harness.services.catalog.runs.get(TEAM, RUN))?.status).toBe('PROCESSING');
  });

  it('the start-up sweep lets the dead writer’s lease go and concludes the run at once: DONE, "Run Completed" once', async () => {
    // Act
    const { completions } = await sweep(true);
    // Assess
    expect(completions).toBe(1);
    const run = await harness.services.catalog.runs.get(TEAM, RUN);
    expect(run).toMatchObject({ status: 'DONE' });
    expect(run?.indexLeaseOwner).toBeUndefined();
    expect(run?.indexWrittenRevision).toBe(run?.indexRevision);
    expect(harness.published.filter((e) => e['detail-type'] === 'Run Completed' && e.detail.runId === RUN)).toHaveLength(1);
  });
});
