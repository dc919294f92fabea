/**
 * Operating a live runtime without reading logs (issue 19), through the real `landfall` bin:
 * - `landfall cancel` stops a sample whose step hangs (`step.hangOnce` on profile): its execution is aborted,
 *   its job killed, it becomes CANCELLED, nothing more is published for it, and `--follow` on its log ends;
 *   a finished sample is refused; `landfall reprocess` restarts the cancelled one to COMPLETED.
 * - `landfall runs --json` lists every run with sample counts that add up to the samples in the catalog
 *   (recounted here from the catalog, not from the command's totals).
 * - One rule for unknown names: exit 1 with the known names (samples/outputs/fetch --run, --team, --status).
 * - The terminal shows what a person needs: the handlers' JSON logs go to <state-dir>/logs/functions.jsonl, and the
 *   AWS SDK's Node-version warning is not printed (under Node 20, which the bin may run on).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import type { RunSummary } from '../../functions/operate/runSummaries.ts';
import { runLandfall } from '../support/cli.ts';
import {
  dropRun,
  landfallCommand,
  projectRoot,
  readBusLog,
  type RuntimeProcess,
  waitFor,
  withLiveRuntime,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const RUN_ID = '261203_LH00417_0901_B22CANCEL';
const touchFile = path.join(os.tmpdir(), `landfall-operate-hang-${process.pid}`);

describe('operate without logs: cancel, runs, unknown names', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-operate-', (live) => ({ stateDir, runtime } = live), {
    env: { LANDFALL_FAULTS: JSON.stringify({ 'step.hangOnce': { step: 'profile', touchFile } }) },
  });
  afterAll(() => rmSync(touchFile, { force: true }));

  let hung = '';
  let finished = '';

  it('cancels a sample whose step hangs: execution aborted, job killed, CANCELLED, nothing more published; --follow ends', async () => {
    // Prepare: two samples; the first profile attempt to start hangs until killed, the other sample completes
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', RUN_ID),
      runId: RUN_ID,
      seed: 91,
      samples: 2,
      readsPerSample: 200,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, run);
    const { jobId } = await waitFor(
      'a profile attempt to hang',
      () =>
        existsSync(touchFile) && readFileSync(touchFile, 'utf8').length > 0
          ? (JSON.parse(readFileSync(touchFile, 'utf8')) as { jobId: string })
          : undefined,
      180_000,
    );
    const samples = await waitFor(
      'one sample to finish beside the hung one',
      async () => {
        const all = await runtime.catalog.samples.listInRun(TEAM, RUN_ID);
        return all.filter((sample) => sample.status === 'COMPLETED').length === 1 ? all : undefined;
      },
      180_000,
    );
    hung = samples.find((sample) => sample.status !== 'COMPLETED')!.sampleId;
    finished = samples.find((sample) => sample.status === 'COMPLETED')!.sampleId;
    const ref = { team: TEAM, runId: RUN_ID, sampleId: hung, version: 1 };
    const follower = spawn(
      landfallCommand[0]!,
      [...landfallCommand.slice(1), 'logs', `${TEAM}/${RUN_ID}/${hung}`, '--step', 'profile', '--follow', '--state-dir', stateDir],
      {
        cwd: projectRoot,
        env: { ...process.env, LANDFALL_TOKEN: '' },
      },
    );
    let followed = '';
    follower.stderr.on('data', (chunk) => (followed += String(chunk)));
    const followerExit = new Promise<number | null>((resolve) => follower.on('close', resolve));

    // Act
    const cancel = await runLandfall(stateDir, ['cancel', `${TEAM}/${RUN_ID}/${hung}`]);
    const again = await runLandfall(stateDir, ['cancel', `${TEAM}/${RUN_ID}/${finished}`]);

    // Assess: the sample and its version
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`cancelled ${TEAM}/${RUN_ID}/${hung} v1 (1 job stopped)`);
    expect(await runtime.catalog.samples.get(ref)).toMatchObject({ status: 'CANCELLED' });
    expect(await runtime.catalog.samples.getVersion(ref)).toMatchObject({ status: 'CANCELLED' });
    expect(await runtime.catalog.steps.get(ref, 'profile')).toMatchObject({
      status: 'FAILED',
      error: expect.stringContaining('cancelled'),
    });
    // the job was killed, and the execution ends without completing or failing the sample
    await waitFor(
      'the hung job to end',
      () =>
        readBusLog(stateDir).some(
          (event) => event['detail-type'] === 'Batch Job State Change' && event.detail.jobId === jobId && event.detail.status === 'FAILED',
        ) || undefined,
    );
    expect(await Promise.race([followerExit, new Promise((resolve) => setTimeout(() => resolve('still following'), 30_000))])).toBe(0);
    expect(followed).toContain('step profile FAILED');
    await waitFor(
      'the run to be DONE',
      async () => ((await runtime.catalog.runs.get(TEAM, RUN_ID))?.status === 'DONE' ? true : undefined),
      60_000,
    );
    const about = (type: string) => readBusLog(stateDir).filter((event) => event['detail-type'] === type && event.detail.sampleId === hung);
    expect(about('Sample Failed')).toEqual([]);
    expect(about('Sample Completed')).toEqual([]);
    expect(about('Step Output Published').map((event) => event.detail.step)).not.toContain('profile');
    expect(await runtime.catalog.samples.get(ref)).toMatchObject({ status: 'CANCELLED' });
    // a finished sample is not cancelled
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`cannot cancel ${TEAM}/${RUN_ID}/${finished}: v1 is COMPLETED`);
  }, 420_000);

  it('runs --json lists every run with sample counts that add up to the catalog', async () => {
    // Act
    const result = await runLandfall(stateDir, ['runs', '--json']);
    const table = await runLandfall(stateDir, ['runs', '--team', TEAM]);
    // Assess: recount from the catalog
    expect(result.code, result.stderr).toBe(0);
    const runs = JSON.parse(result.stdout) as RunSummary[];
    const cataloged = await runtime.catalog.runs.listForTeam(TEAM);
    expect(runs.map((run) => `${run.team}/${run.runId}`).sort()).toEqual(cataloged.map((run) => `${TEAM}/${run.runId}`).sort());
    for (const run of runs) {
      const samples = await runtime.catalog.samples.listInRun(run.team, run.runId);
      const recount: Record<string, number> = {};
      for (const sample of samples) recount[sample.status] = (recount[sample.status] ?? 0) + 1;
      expect(run.counts).toEqual(recount);
      expect(run.samples).toBe(samples.length);
      expect(Object.values(run.counts).reduce((sum, count) => sum + (count ?? 0), 0)).toBe(samples.length);
    }
    expect(runs.find((run) => run.runId === RUN_ID)).toMatchObject({ status: 'DONE', counts: { COMPLETED: 1, CANCELLED: 1 } });
    expect(runs.find((run) => run.runId === RUN_ID)?.finishedAt).toBeDefined();
    expect(table.stdout).toMatch(new RegExp(`${RUN_ID}\\s+DONE\\s+2: 1 completed, 1 cancelled`));
  });

  it('one rule for unknown names: exit 1 with the known names', async () => {
    // Act
    const samplesRun = await runLandfall(stateDir, ['samples', '--run', 'NORUN']);
    const samplesTeam = await runLandfall(stateDir, ['samples', '--team', 'nosuch']);
    const samplesStatus = await runLandfall(stateDir, ['samples', '--status', 'BOGUS']);
    const outputsRun = await runLandfall(stateDir, ['outputs', '--team', TEAM, '--run', 'NORUN']);
    const fetchRun = await runLandfall(stateDir, ['fetch', path.join(stateDir, 'fetched'), '--team', TEAM, '--run', 'NORUN']);
    const sample = await runLandfall(stateDir, ['sample', `${TEAM}/${RUN_ID}/NOSAMPLE`]);
    const runsStatus = await runLandfall(stateDir, ['runs', '--status', 'FINISHED']);
    const costsRun = await runLandfall(stateDir, ['costs', '--team', TEAM, '--run', 'NORUN']);
    // Assess
    for (const result of [samplesRun, samplesTeam, samplesStatus, outputsRun, fetchRun, sample, runsStatus, costsRun])
      expect(result.code).toBe(1);
    expect(costsRun.stderr).toContain(`no run NORUN for ${TEAM}; known runs: ${RUN_ID}`);
    expect(samplesRun.stderr).toContain('no run NORUN');
    expect(samplesRun.stderr).toContain(RUN_ID);
    expect(samplesTeam.stderr).toContain('unknown team nosuch (teams: genomics, microbio)');
    expect(samplesStatus.stderr).toContain('known statuses: RECEIVING, VALIDATING');
    expect(outputsRun.stderr).toContain(`no run NORUN for team ${TEAM} in the results; runs with results: ${RUN_ID}`);
    expect(fetchRun.stderr).toContain(`no run NORUN for team ${TEAM} in the results`);
    expect(sample.stderr).toContain(`known samples: ${[hung, finished].sort().join(', ')}`);
    expect(runsStatus.stderr).toContain('known run statuses: RECEIVING, INCOMPLETE, COMPLETE, PROCESSING, DONE');
  });

  it("keeps the terminal for people: the handlers' JSON warnings go to logs/functions.jsonl, no SDK Node warning", async () => {
    // Prepare: a reprocess request that skipped the control API's check reaches the handler, which warns
    const tokens = JSON.parse(readFileSync(path.join(stateDir, 'tokens.json'), 'utf8')) as { operator: string };
    const functionLog = path.join(stateDir, 'logs', 'functions.jsonl');
    // Act
    const response = await fetch(`http://127.0.0.1:${runtime.info.ports.control}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.operator}` },
      body: JSON.stringify({
        Entries: [
          {
            source: 'landfall',
            'detail-type': 'Reprocess Requested',
            detail: { team: TEAM, runId: RUN_ID, sampleId: 'NOSAMPLE', dedupeKey: 'reprocess:unchecked' },
          },
        ],
      }),
    });
    const status = await runLandfall(stateDir, ['status']);
    // Assess: the warning is in the file, the terminal has no JSON, no SDK warning, nothing dead-lettered
    expect(response.status).toBe(200);
    await waitFor('the refusal in the structured log', () =>
      existsSync(functionLog) && readFileSync(functionLog, 'utf8').includes('reprocess refused') ? true : undefined,
    );
    expect(readFileSync(functionLog, 'utf8')).toContain('no sample NOSAMPLE');
    expect(runtime.output()).not.toMatch(/^\{"level"/m);
    expect(runtime.output()).not.toContain('No application metrics to publish');
    expect(runtime.output()).toContain(`logs:     ${functionLog}`);
    for (const output of [runtime.output(), status.stderr]) expect(output).not.toContain('NodeVersionSupportWarning');
    expect(status.code).toBe(0);
    expect(existsSync(path.join(stateDir, 'bus', 'dead-letters.jsonl'))).toBe(false);
  });

  it('up made a share folder for every team; a stray file is shown by status with its path and what to do', async () => {
    // Prepare
    const share = runtime.info.shareDir;
    // Act: a file dropped into the team folder, outside any run folder
    await writeFile(path.join(share, TEAM, 'notes.txt'), 'not a run');
    const entry = await waitFor(
      'the stray file in status',
      async () => {
        const result = await runLandfall(stateDir, ['status', '--json']);
        const status = JSON.parse(result.stdout) as { notLandedFromShare: { entries: Array<{ path: string; reason: string }> } };
        return status.notLandedFromShare.entries.find((skipped) => skipped.path === `${TEAM}/notes.txt`);
      },
      60_000,
    );
    const text = await runLandfall(stateDir, ['status']);
    // Assess
    for (const team of ['genomics', 'microbio']) expect(statSync(path.join(share, team)).isDirectory()).toBe(true);
    expect(entry.reason).toContain('move it into its run folder');
    expect(text.stdout).toMatch(new RegExp(`${TEAM}/notes\\.txt +outside a run folder: files land only from share/<team>/<run>/`));
  });

  it('reprocess restarts the cancelled sample to COMPLETED', async () => {
    // Act
    const result = await runLandfall(stateDir, ['reprocess', `${TEAM}/${RUN_ID}/${hung}`]);
    // Assess
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`reprocess accepted for ${TEAM}/${RUN_ID}/${hung}; follow it with: npx landfall sample`);
    const version = await waitFor(
      'the cancelled sample to complete',
      async () => {
        const current = await runtime.catalog.samples.getVersion({ team: TEAM, runId: RUN_ID, sampleId: hung, version: 1 });
        return current?.status === 'COMPLETED' && current.generation === 1 ? current : undefined;
      },
      180_000,
    );
    expect(version.status).toBe('COMPLETED');
    expect(
      (await runtime.catalog.steps.get({ team: TEAM, runId: RUN_ID, sampleId: hung, version: 1 }, 'profile'))?.publishedAt,
    ).toBeDefined();
  }, 240_000);
});
