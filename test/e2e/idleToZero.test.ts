/**
 * Idle compute to zero on the embedded runtime (`landfall up` as a real process): while a run's jobs run,
 * the region has warm worker processes; after its last job the inactivity alarm fires and every worker
 * exits within the idle window plus one period; a newly landed sample wakes the region and completes.
 * Workers are observed as OS processes under the runtime (/proc), events in the bus log.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import idleConfig from '../fixtures/landfall.idle.config.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  waitFor,
  waitForTerminalSamples,
  withLiveRuntime,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';
import { processTree } from '../support/processTree.ts';

const TEAM = 'genomics';
const CONFIG = path.join(projectRoot, 'test/fixtures/landfall.idle.config.ts');
const { periodSeconds, evaluationPeriods } = idleConfig.idle;
const datapointsToAlarm = idleConfig.idle.datapointsToAlarm ?? evaluationPeriods;
/** The spec: idle window plus one period. */
const IDLE_BOUND_MS = (datapointsToAlarm + 1) * periodSeconds * 1000;
/** What a busy 2-core CI machine adds: the handler, the capacity call, processes exiting. Generous on purpose. */
const MARGIN_MS = 10_000;

/**
 * Whether a command line is a warm worker's: its script while Node starts, then the title it sets (setting
 * `process.title` rewrites /proc/<pid>/cmdline, so matching the script alone sees a worker only for its first
 * ~50 ms: a region's one worker was then missed between two polls).
 */
const isWarmWorkerCommand = (cmdline: string) => cmdline.startsWith('landfall-warm-worker') || cmdline.includes('warmWorker.mjs');

/** Live warm worker processes under the runtime, by pid. */
function warmWorkerPids(runtime: RuntimeProcess): number[] {
  return processTree(runtime.child.pid!).filter((pid) => {
    try {
      return isWarmWorkerCommand(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch {
      return false;
    }
  });
}

type LoggedEvent = ReturnType<typeof readBusLog>[number];
const ofType = (events: LoggedEvent[], detailType: string) => events.filter((event) => event['detail-type'] === detailType);

describe('idle to zero: warm workers exist while there is work, all exit after the inactivity alarm, new work wakes the region', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  withLiveRuntime('landfall-idle-', (live) => ({ stateDir, runtime } = live), { configPath: CONFIG });

  const workersDuringRun = new Set<number>();
  let lastJobEndedAt = 0;

  it("has warm worker processes while the run's jobs run", async () => {
    // Prepare
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261201_LH00417_0060_A22IDLE01'),
      runId: '261201_LH00417_0060_A22IDLE01',
      seed: 71,
      samples: 2,
      readsPerSample: 200,
      team: TEAM,
    });

    // Act: drop the run and watch the process tree until it is done.
    await dropRun(runtime.info.shareDir, TEAM, run);
    const done = waitForTerminalSamples(runtime.catalog, TEAM, run.runId, 2, 150_000);
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      for (const pid of warmWorkerPids(runtime)) workersDuringRun.add(pid);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const samples = await done;

    // Assess
    expect(samples.map((sample) => sample.status)).toEqual(['COMPLETED', 'COMPLETED']);
    expect(workersDuringRun.size).toBeGreaterThan(0);
    const ended = readBusLog(stateDir)
      .filter((event) => event['detail-type'] === 'Batch Job State Change' && ['SUCCEEDED', 'FAILED'].includes(String(event.detail.status)))
      .map((event) => Number(event.detail.stoppedAt));
    expect(ended.length).toBeGreaterThan(0);
    lastJobEndedAt = Math.max(...ended);
  }, 180_000);

  it('after the last job, the alarm scales the region down and every worker exits within the idle window plus one period', async () => {
    // Act: wait for the scale-down that follows the last job, then for the workers to be gone.
    const scaledDown = await waitFor(
      '"Region Scaled Down" after the last job',
      () => ofType(readBusLog(stateDir), 'Region Scaled Down').find((event) => Number(event.detail.scaledDownAt) >= lastJobEndedAt),
      IDLE_BOUND_MS + 30_000,
      100,
    );
    const goneAt = await waitFor(
      'every warm worker gone',
      () => (warmWorkerPids(runtime).length === 0 ? Date.now() : undefined),
      30_000,
      50,
    );

    // Assess: the alarm fired in time (its own evaluation time), and nothing of the run's workers is left.
    const scaledDownAt = Number(scaledDown.detail.scaledDownAt);
    expect(scaledDown.detail).toMatchObject({ region: 'eu-west-1', alarmName: 'landfall-idle-eu-west-1', warmVcpus: 0 });
    expect(scaledDownAt - lastJobEndedAt).toBeLessThanOrEqual(IDLE_BOUND_MS + MARGIN_MS);
    expect(goneAt - lastJobEndedAt).toBeLessThanOrEqual(IDLE_BOUND_MS + MARGIN_MS);
    expect([...workersDuringRun].filter((pid) => processTree(runtime.child.pid!).includes(pid))).toEqual([]);
    // The alarm that did it is the CloudWatch-shaped one, and it went there from OK (the run made it OK).
    const alarmChanges = ofType(readBusLog(stateDir), 'CloudWatch Alarm State Change').map(
      (event) => (event.detail as { state: { value: string } }).state.value,
    );
    expect(alarmChanges).toContain('OK');
    expect(alarmChanges.at(-1)).toBe('ALARM');
  }, 90_000);

  it('a newly landed sample wakes the scaled-down region and completes, with the wake-up latency recorded', async () => {
    // Prepare
    const before = ofType(readBusLog(stateDir), 'Region Woke Up').length;
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', '261202_LH00417_0061_A22IDLE02'),
      runId: '261202_LH00417_0061_A22IDLE02',
      seed: 72,
      samples: 1,
      readsPerSample: 200,
      team: TEAM,
    });
    const workers = new Set<number>();

    // Act
    await dropRun(runtime.info.shareDir, TEAM, run);
    const done = waitForTerminalSamples(runtime.catalog, TEAM, run.runId, 1, 150_000);
    let finished = false;
    void done.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      for (const pid of warmWorkerPids(runtime)) workers.add(pid);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const samples = await done;
    // The woken region's warm workers start beside its job, not before it: a one-sample job that finished
    // first (a spare task runner starts it within milliseconds) left them to appear just after.
    await waitFor(
      'a warm worker of the woken region',
      () => {
        for (const pid of warmWorkerPids(runtime)) workers.add(pid);
        return workers.size > 0 || undefined;
      },
      10_000,
      50,
    );

    // Assess: completed, new workers (not the old ones), and one wake with its latency.
    expect(samples.map((sample) => sample.status)).toEqual(['COMPLETED']);
    expect(workers.size).toBeGreaterThan(0);
    expect([...workers].filter((pid) => workersDuringRun.has(pid))).toEqual([]);
    const woke = ofType(readBusLog(stateDir), 'Region Woke Up').slice(before);
    expect(woke.length).toBeGreaterThanOrEqual(1);
    const first = woke[0]!.detail as { region: string; wokeAt: number; runningAt: number; wakeLatencyMs: number; warmVcpus: number };
    expect(first.region).toBe('eu-west-1');
    expect(first.warmVcpus).toBeGreaterThanOrEqual(1);
    expect(first.wakeLatencyMs).toBe(Math.round(first.runningAt - first.wokeAt));
    const state = await runtime.catalog.regionScale.get('eu-west-1');
    expect(state.wakeLatencyMs).toBeDefined();
  }, 180_000);
});
