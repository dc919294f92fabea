/**
 * A step that fails as an application error (fault injection) is not retried: the step jobs' evaluateOnExit
 * rules retry only lost hosts. The sample ends FAILED with the reason, the other step still publishes.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { runLandfall } from '../support/cli.ts';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import type { TokensFile } from '../../runtime/identity/identity.ts';
import { stateLayout } from '../../runtime/stateLayout.ts';
import { CHROMIUM, CHROMIUM_ARGS, hasChromium } from '../support/chromium.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const exec = promisify(execFile);
const projectRoot = path.resolve(import.meta.dirname, '../..');

describe('step failure: an application error exits without retry and fails the sample', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: GeneratedRun;

  beforeAll(async () => {
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-stepfail-'));
    runtime = await startRuntimeProcess(stateDir, undefined, { LANDFALL_FAULTS: JSON.stringify({ 'step.fail': { step: 'trim' } }) });
    run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261123_LH00417_0053_B22FJKLT3'),
      runId: '261123_LH00417_0053_B22FJKLT3',
      seed: 17,
      samples: 1,
      readsPerSample: 200,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitForTerminalSamples(runtime.catalog, TEAM, run.runId, 1);
  }, 240_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it("fails trim after one attempt with the program's exit code, publishes qc, and fails the sample", async () => {
    // Act
    const [sample] = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    const ref = { team: TEAM, runId: run.runId, sampleId: sample!.sampleId, version: sample!.currentVersion! };
    const trim = await runtime.catalog.steps.get(ref, 'trim');
    const qc = await runtime.catalog.steps.get(ref, 'qc');
    const trimEvents = readBusLog(stateDir).filter(
      (event) => event['detail-type'] === 'Batch Job State Change' && event.detail.jobName === trim?.jobName,
    );
    const failed = trimEvents.find((event) => event.detail.status === 'FAILED');
    const log = path.join(stateLayout(stateDir).executor, 'logs', trim!.jobName, 'attempt-1.log');
    // Assess
    expect(sample?.status).toBe('FAILED');
    expect(qc?.publishedAt).toBeDefined();
    expect(trim).toMatchObject({ status: 'FAILED', attempt: 1 });
    expect(failed?.detail.attempts).toHaveLength(1);
    expect((failed?.detail.container as { exitCode?: number } | undefined)?.exitCode).toBe(1);
    expect(existsSync(path.join(stateLayout(stateDir).executor, 'logs', trim!.jobName, 'attempt-2.log'))).toBe(false);
    expect(readFileSync(log, 'utf8')).toContain('fault injection: step trim fails');
    expect(readBusLog(stateDir).filter((event) => event['detail-type'] === 'Sample Failed')).toHaveLength(1);
  });

  it("records the program's own last stderr lines, not Batch's reason, on the step, the sample and its failure event", async () => {
    // Act
    const [sample] = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    const ref = { team: TEAM, runId: run.runId, sampleId: sample!.sampleId, version: sample!.currentVersion! };
    const trim = await runtime.catalog.steps.get(ref, 'trim');
    const failedEvent = readBusLog(stateDir).find((event) => event['detail-type'] === 'Sample Failed');
    // Assess
    expect(trim?.error).toBe('the trim command exited with code 1');
    expect(trim?.logTail?.length).toBeGreaterThan(0);
    expect(trim?.logTail?.length).toBeLessThanOrEqual(20);
    expect(trim?.logTail?.join('\n')).toContain('fault injection: step trim fails (LANDFALL_FAULTS step.fail)');
    expect(sample?.detail).toContain('fault injection: step trim fails');
    expect(sample?.detail).not.toContain('Essential container in task exited');
    expect(String(failedEvent?.detail.cause)).toContain('the trim command exited with code 1');
    // landfall sample prints the reason and the program's own lines under the step
    const { stdout } = await exec(process.execPath, [
      '--import',
      'tsx',
      path.join(projectRoot, 'cli/landfall.ts'),
      'sample',
      `${TEAM}/${run.runId}/${sample!.sampleId}`,
      '--state-dir',
      stateDir,
    ]);
    expect(stdout).toContain('  step trim: FAILED');
    expect(stdout).toContain('    error: the trim command exited with code 1');
    expect(stdout).toContain('    | Error: fault injection: step trim fails (LANDFALL_FAULTS step.fail)');
  });

  it("landfall logs shows the failing step's own stderr, from the job's log through the control API (issue 19)", async () => {
    // Prepare
    const [sample] = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    const name = `${TEAM}/${run.runId}/${sample!.sampleId}`;
    // Act: the step named, the failed step by default, an attempt that does not exist, a step that never ran
    const trim = await runLandfall(stateDir, ['logs', name, '--step', 'trim']);
    const byDefault = await runLandfall(stateDir, ['logs', name, '--json']);
    const noAttempt = await runLandfall(stateDir, ['logs', name, '--step', 'trim', '--attempt', '2']);
    const noStep = await runLandfall(stateDir, ['logs', name, '--step', 'align']);
    const noSample = await runLandfall(stateDir, ['logs', `${TEAM}/${run.runId}/NOSAMPLE`]);
    // Assess
    expect(trim.code).toBe(0);
    expect(trim.stdout).toContain('Error: fault injection: step trim fails (LANDFALL_FAULTS step.fail)');
    expect(trim.stderr).toContain(`${name} v1 step trim, attempt 1 of 1 (FAILED)`);
    expect(JSON.parse(byDefault.stdout)).toMatchObject({ step: 'trim', status: 'FAILED', attempt: 1, finished: true });
    expect((JSON.parse(byDefault.stdout) as { lines: string[] }).lines.join('\n')).toContain('fault injection: step trim fails');
    expect(noAttempt).toMatchObject({ code: 1 });
    expect(noAttempt.stderr).toContain('step trim of');
    expect(noStep.code).toBe(1);
    expect(noStep.stderr).toMatch(/has no step align; steps that ran: .*qc.*trim/);
    expect(noSample.code).toBe(1);
    expect(noSample.stderr).toContain(`no sample NOSAMPLE in run ${TEAM}/${run.runId}; known samples: ${sample!.sampleId}`);
  });

  it('reprocess refuses an unknown step, pipeline or sample at once (exit 1, with the known names); nothing reaches a dead letter', async () => {
    // Prepare
    const [sample] = await runtime.catalog.samples.listInRun(TEAM, run.runId);
    const name = `${TEAM}/${run.runId}/${sample!.sampleId}`;
    const requestsBefore = readBusLog(stateDir).filter((event) => event['detail-type'] === 'Reprocess Requested').length;
    // Act
    const bogusStep = await runLandfall(stateDir, ['reprocess', name, '--from-step', 'bogus']);
    const nopePipeline = await runLandfall(stateDir, ['reprocess', name, '--pipeline', 'nope']);
    const noSample = await runLandfall(stateDir, ['reprocess', `${TEAM}/${run.runId}/NOSAMPLE`]);
    const noRun = await runLandfall(stateDir, ['reprocess', '--run', `${TEAM}/NORUN`]);
    // Assess
    expect(bogusStep.code).toBe(1);
    expect(bogusStep.stderr).toContain('pipeline demo has no step bogus; its steps: qc, trim, profile');
    expect(nopePipeline.code).toBe(1);
    expect(nopePipeline.stderr).toContain('no pipeline nope; known pipelines: demo, dna-align');
    expect(noSample.code).toBe(1);
    expect(noSample.stderr).toContain(`known samples: ${sample!.sampleId}`);
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toContain(`no run NORUN for team ${TEAM}; known runs: ${run.runId}`);
    for (const result of [bogusStep, nopePipeline, noSample, noRun]) expect(result.stdout).not.toContain('reprocess accepted');
    expect(readBusLog(stateDir).filter((event) => event['detail-type'] === 'Reprocess Requested')).toHaveLength(requestsBefore);
    expect(existsSync(path.join(stateLayout(stateDir).bus, 'dead-letters.jsonl'))).toBe(false);
  });

  it.skipIf(!hasChromium)(
    "shows the reason and the program's own lines in the run's timeline on the dashboard",
    async () => {
      // Prepare: the operator signed in to the runtime's dashboard in Chromium
      const tokens = JSON.parse(readFileSync(path.join(stateDir, 'tokens.json'), 'utf8')) as TokensFile;
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      try {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${runtime.info.ports.dashboard}/?token=${encodeURIComponent(tokens.operator)}`);
        // Act: open the run's timeline
        await page.getByRole('button', { name: `Show timeline of run ${run.runId}` }).click();
        const tail = page.getByLabel('Last output lines of trim');
        await tail.waitFor();
        // Assess: under the failed trim step, the reason and the tail, not Batch's words
        const step = page.locator('#timeline-body li', { has: tail });
        expect(await step.locator('.step-error').textContent()).toBe('the trim command exited with code 1');
        expect(await tail.textContent()).toContain('Error: fault injection: step trim fails (LANDFALL_FAULTS step.fail)');
        expect(await page.locator('#timeline-body').textContent()).not.toContain('Essential container in task exited');
      } finally {
        await browser.close();
      }
    },
    60_000,
  );
});
