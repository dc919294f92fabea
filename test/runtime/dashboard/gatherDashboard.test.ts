/**
 * The dashboard's data, read from a real local catalog (dynalite) seeded through the Catalog's own writes:
 * identity scoping as in the CLI, statuses, quarantine reasons, costs over every version, per-region load
 * and a run's timeline in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityError } from '../../../runtime/identity/errors.ts';
import { costReport } from '../../../functions/catalog/costReport.ts';
import { DashboardData, runState } from '../../../runtime/dashboard/gatherDashboard.ts';
import { startTestCatalog } from '../../support/catalogServer.ts';
import { BAD_FILE, RUN_G, RUN_M, dashboardConfig, seedCatalog } from './seedCatalog.ts';

describe('dashboard data from the catalog', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  let data: DashboardData;

  beforeAll(async () => {
    test = await startTestCatalog();
    await seedCatalog(test.catalog);
    data = new DashboardData(test.client(), dashboardConfig);
  });
  afterAll(async () => test?.stop());

  /** One landed R1 of `sample`, in a run of the test's own. */
  const landOneFile = (sample: { team: string; runId: string; sampleId: string }, landedAt: string) =>
    test.catalog.runs.recordFile(sample.team, sample.runId, {
      name: `${sample.sampleId}_S1_L001_R1_001.fastq.gz`,
      bucket: 'landfall-landing',
      key: `incoming/${sample.team}/${sample.runId}/${sample.sampleId}_S1_L001_R1_001.fastq.gz`,
      size: 100,
      etag: sample.sampleId.toLowerCase(),
      landedAt,
    });

  it('shows a team only its own runs, and nothing that names another team', async () => {
    // Act
    const overview = await data.overview({ kind: 'team', team: 'genomics' });
    // Assess
    expect(overview.identity).toEqual({ kind: 'team', team: 'genomics' });
    expect(overview.teams.map((team) => team.team)).toEqual(['genomics']);
    const text = JSON.stringify(overview);
    expect(text).not.toContain('microbio');
    expect(text).not.toContain(RUN_M);
    expect(text).not.toContain('job-'); // region load shows counts, never whose jobs
  });

  it('shows the operator every team with each sample’s live status and detail', async () => {
    const overview = await data.overview({ kind: 'operator' });
    expect(overview.teams.map((team) => team.team)).toEqual(['genomics', 'microbio']);
    const run = overview.teams[0]!.runs[0]!;
    expect(run).toMatchObject({
      runId: RUN_G,
      status: 'PROCESSING',
      signal: 'CopyComplete.txt',
      counts: { COMPLETED: 1, RUNNING: 1, REJECTED: 1, RECEIVING: 1 },
    });
    expect(run.waitingFor, 'a complete run waits for nothing').toBeUndefined();
    expect(overview.teams[1]!.runs[0]).toMatchObject({ runId: RUN_M, status: 'INCOMPLETE', waitingFor: 'CopyComplete.txt' });
    expect(run.samples.map((sample) => [sample.sampleId, sample.status, sample.detail])).toEqual([
      ['S1', 'COMPLETED', 'v2 completed: qc, trim'],
      ['S2', 'RUNNING', 'running trim in eu-central-1'],
      ['S3', 'REJECTED', `${BAD_FILE} line 11: expected '+'`],
      ['S4', 'RECEIVING', 'waiting for S4_S4_L001_R1_001.fastq.gz'],
    ]);
  });

  it('adds up cost per sample over every version and every job, per run and per team', async () => {
    const overview = await data.overview({ kind: 'operator' });
    const genomics = overview.teams[0]!;
    // S1: v1's paid qc (10 vCPU·s) and its failed trim job (4) + v2's qc and trim (20 + 40)
    expect(genomics.runs[0]!.samples[0]!.cost).toEqual({ vcpuSeconds: 74, estimatedUsd: 0.000925 });
    expect(genomics.runs[0]!.cost).toEqual({ vcpuSeconds: 74, estimatedUsd: 0.000925 });
    expect(genomics.cost).toEqual({ vcpuSeconds: 74, estimatedUsd: 0.000925 });
    expect(overview.teams[1]!.cost).toEqual({ vcpuSeconds: 8, estimatedUsd: 0.0001 });
    // a second read (cached terminal samples) gives the same figures
    expect((await data.overview({ kind: 'operator' })).teams[0]!.cost).toEqual(genomics.cost);
  });

  it('gives the same totals as `landfall costs` for every run and team, failed jobs included (issue 19 defect 6)', async () => {
    // Act
    const overview = await data.overview({ kind: 'operator' });
    const report = await costReport(test.client(), ['genomics', 'microbio']);
    // Assess: the failed v1 trim job has no step output; both views count it
    for (const team of overview.teams) {
      expect(team.cost.estimatedUsd).toBe(report.teams.find((row) => row.team === team.team)!.estimatedUsd);
      expect(team.cost.vcpuSeconds).toBe(report.teams.find((row) => row.team === team.team)!.vcpuSeconds);
      for (const run of team.runs) {
        const reported = report.runs.find((row) => row.team === team.team && row.runId === run.runId)!;
        expect([run.cost.vcpuSeconds, run.cost.estimatedUsd]).toEqual([reported.vcpuSeconds, reported.estimatedUsd]);
      }
    }
    expect(overview.summary.estimatedUsd).toBe(report.total.estimatedUsd);
    const timeline = (await data.runTimeline({ kind: 'operator' }, 'genomics', RUN_G))!;
    expect(timeline.cost.estimatedUsd).toBe(report.runs.find((row) => row.runId === RUN_G)!.estimatedUsd);
  });

  it('tells landing apart from processing, with counts, on every run (issue 19 defect 9)', async () => {
    // Act
    const overview = await data.overview({ kind: 'operator' });
    // Assess: genomics landed completely but its samples are still on their way
    expect(overview.teams[0]!.runs[0]!.state).toEqual({
      landing: { state: 'complete', label: 'Landing: complete (CopyComplete.txt)' },
      processing: { state: 'active', label: 'Processing: 1 receiving, 1 running, 1 completed, 1 rejected of 4 samples' },
      inFlight: 2,
    });
    expect(overview.teams[1]!.runs[0]!.state).toEqual({
      landing: { state: 'incomplete', label: 'Landing: incomplete, waiting for CopyComplete.txt' },
      processing: { state: 'done', label: 'Done: 1 completed' },
      inFlight: 0,
    });
    expect(overview.summary).toEqual({
      runs: 2,
      runsInFlight: 1,
      samples: 5,
      counts: { COMPLETED: 2, RUNNING: 1, REJECTED: 1, RECEIVING: 1 },
      estimatedUsd: 0.001025,
    });
  });

  it('never calls a run whose samples all run "complete", nor one with a rejected sample plainly "done"', () => {
    // A run whose landing completed, every sample still running
    const running = runState({ status: 'COMPLETE', signal: 'CopyComplete.txt' }, { RUNNING: 2 });
    expect(running.processing).toEqual({ state: 'active', label: 'Processing: 2 running of 2 samples' });
    expect(running.landing.state).toBe('complete');
    // A DONE run with a rejected sample: done, with the problem counted
    const rejected = runState({ status: 'DONE', signal: 'CopyComplete.txt' }, { COMPLETED: 3, REJECTED: 1 });
    expect(rejected.processing).toEqual({ state: 'problems', label: 'Done with problems: 3 completed, 1 rejected' });
    expect(runState({ status: 'DONE' }, { COMPLETED: 1 }).processing).toEqual({ state: 'done', label: 'Done: 1 completed' });
    expect(runState({ status: 'RECEIVING' }, {})).toEqual({
      landing: { state: 'receiving', label: 'Landing: receiving files' },
      processing: { state: 'waiting', label: 'Processing: no sample yet' },
      inFlight: 0,
    });
  });

  it('lists the rejected sample in quarantine with file, line, what was expected and what to do', async () => {
    const [entry, ...rest] = (await data.overview({ kind: 'team', team: 'genomics' })).quarantine;
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({
      team: 'genomics',
      runId: RUN_G,
      sampleId: 'S3',
      version: 1,
      reasonCount: 1,
      location: `quarantine bucket genomics/${RUN_G}/S3/v1/`,
    });
    expect(entry!.reasons[0]).toMatchObject({ file: BAD_FILE, line: 11, record: 3, found: "'X'" });
    expect(entry!.whatToDo).toContain('copy them into the same run folder');
    expect((await data.overview({ kind: 'team', team: 'microbio' })).quarantine).toEqual([]);
  });

  it('shows per-region utilization, queue depth and whether a region is awake or scaled down', async () => {
    const regions = await data.regions();
    expect(regions).toEqual([
      {
        region: 'eu-west-1',
        home: true,
        vcpuQuota: 8,
        reservedVcpus: 0,
        utilization: 0,
        jobs: 0,
        running: 0,
        queueDepth: 0,
        state: 'scaled down',
      },
      {
        region: 'eu-central-1',
        home: false,
        vcpuQuota: 4,
        reservedVcpus: 3,
        utilization: 0.75,
        jobs: 2,
        running: 1,
        queueDepth: 1,
        state: 'awake',
      },
    ]);
  });

  it('gives a run timeline in order: landing, validation, each step with region and cost, publish', async () => {
    const timeline = (await data.runTimeline({ kind: 'operator' }, 'genomics', RUN_G))!;
    expect(timeline).toMatchObject({ runId: RUN_G, status: 'PROCESSING', files: 5 });
    const s1 = timeline.samples.find((sample) => sample.sampleId === 'S1')!;
    expect(s1.events.map((event) => [event.stage, event.label, event.status])).toEqual([
      ['landing', 'landed 2 files', 'done'],
      ['validation', 'validated v2', 'done'],
      ['step', 'qc in eu-west-1, attempt 1', 'done'],
      ['step', 'trim in eu-west-1, attempt 1', 'done'],
      ['publish', 'published v2: 2 steps', 'done'],
    ]);
    expect(s1.events[3]!.cost).toEqual({ vcpuSeconds: 40, estimatedUsd: 0.0005 });
    const s2 = timeline.samples.find((sample) => sample.sampleId === 'S2')!;
    expect(s2.events.at(-1)).toMatchObject({
      stage: 'step',
      label: 'trim in eu-central-1, attempt 1',
      status: 'active',
      region: 'eu-central-1',
    });
    const s3 = timeline.samples.find((sample) => sample.sampleId === 'S3')!;
    expect(s3.events.at(-1)).toMatchObject({ stage: 'validation', status: 'failed' });
    expect(s3.events.at(-1)!.label).toContain(`${BAD_FILE} line 11, record 3`);
    expect(timeline.samples.find((sample) => sample.sampleId === 'S4')!.events).toEqual([
      expect.objectContaining({ stage: 'landing', status: 'active' }),
    ]);
  });

  it('shows the files of a run that fit no sample on its header and in its timeline (issue 16)', async () => {
    // Act
    const overview = await data.overview({ kind: 'operator' });
    const timeline = (await data.runTimeline({ kind: 'operator' }, 'microbio', RUN_M))!;
    // Assess
    expect(overview.teams[1]!.runs[0]!.unexpectedFiles).toBe(1);
    expect(overview.teams[0]!.runs[0]!.unexpectedFiles).toBeUndefined();
    expect(timeline.unexpected).toEqual({ count: 1, files: [{ name: 'notes.txt', reason: expect.stringContaining('not processed') }] });
  });

  it('refuses a team another team’s run with the same words whether or not that team exists', async () => {
    const asGenomics = { kind: 'team', team: 'genomics' } as const;
    const refusal = async (team: string) =>
      data.runTimeline(asGenomics, team, RUN_M).then(
        () => 'allowed',
        (error: unknown) => error,
      );
    const real = await refusal('microbio');
    const made = await refusal('nosuchteam');
    expect(real).toBeInstanceOf(IdentityError);
    expect(made).toBeInstanceOf(IdentityError);
    expect((real as Error).message).toBe("team genomics cannot read team microbio's data (use that team's token, or the operator's)");
    expect((made as Error).message).toBe("team genomics cannot read team nosuchteam's data (use that team's token, or the operator's)");
    expect(await data.runTimeline({ kind: 'operator' }, 'microbio', RUN_M)).toMatchObject({ team: 'microbio', runId: RUN_M });
    expect(await data.runTimeline({ kind: 'operator' }, 'genomics', 'no-such-run')).toBeUndefined();
  });

  it('puts runs with samples on their way first, then the newest (runs it changes are its own)', async () => {
    // Prepare: a genomics run that finished after RUN_G last changed
    const done = '261202_LH00417_0203_BDONELATE';
    const sample = { team: 'genomics', runId: done, sampleId: 'D1' };
    await landOneFile(sample, '2026-12-02T10:00:00.000Z');
    await test.catalog.runs.update('genomics', done, { status: 'DONE', signal: 'CopyComplete.txt' });
    await test.catalog.samples.setStatus(sample, 'COMPLETED', { detail: 'v1 completed' });
    // Act
    const runs = (await data.overview({ kind: 'team', team: 'genomics' })).teams[0]!.runs;
    // Assess
    expect(runs.map((run) => run.runId)).toEqual([RUN_G, done]);
    expect(runs[1]!.updatedAt > runs[0]!.updatedAt).toBe(true);
  });

  it('shows a step stopped because another step of its sample failed as stopped, not as failed', async () => {
    // Prepare: a sample whose align failed while its qc ran; stopping the sample marked qc FAILED and stopped
    const runId = '261203_LH00417_0204_BSTOPPED';
    const sample = { team: 'genomics', runId, sampleId: 'F1' };
    await landOneFile(sample, '2026-12-03T10:00:00.000Z');
    const { version } = await test.catalog.samples.claimVersion(sample, 'hash-f1', [], 'READY');
    const ref = { ...sample, version: version.version };
    const step = { ...ref, region: 'eu-west-1', startedAt: '2026-12-03T10:01:00.000Z' };
    await test.catalog.steps.put({ ...step, step: 'align', status: 'FAILED', jobName: 'job-f1-align', error: 'bwa: index not found' });
    await test.catalog.steps.put({
      ...step,
      step: 'qc',
      status: 'FAILED',
      jobName: 'job-f1-qc',
      error: 'stopped: align failed',
      stopped: true,
    });
    await test.catalog.samples.updateVersion(ref, { status: 'FAILED', error: 'align failed' });
    await test.catalog.samples.setStatus(sample, 'FAILED', { currentVersion: version.version, detail: 'align failed' });
    // Act
    const timeline = (await data.runTimeline({ kind: 'operator' }, 'genomics', runId))!;
    // Assess
    const steps = timeline.samples[0]!.events.filter((event) => event.stage === 'step');
    expect(steps.map((event) => [event.step, event.status, event.error])).toEqual([
      ['align', 'failed', 'bwa: index not found'],
      ['qc', 'stopped', 'stopped: align failed'],
    ]);
  });
});
