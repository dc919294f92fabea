/**
 * The local DynamoDB-compatible catalog server (dynalite) restarted under load: while a run's samples are
 * landing, validating and running jobs, the runtime's `catalog.restartOnTouch` fault drops every catalog
 * connection, closes LevelDB, stays down, and listens again on the same port. Every sample still completes,
 * exactly once, with nothing lost.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { dropRun, readBusLog, waitFor, waitForTerminalSamples, withLiveRuntime, type RuntimeProcess } from '../support/runtimeProcess.ts';
import { expectNoLossNoDuplicates } from './faultAssertions.ts';

const TEAM = 'genomics';
const DOWN_MS = 1500;

describe('fault: the catalog server restarted under load', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  const touchFile = path.join(os.tmpdir(), `landfall-catalog-restart-${process.pid}`);
  afterAll(() => {
    for (const suffix of ['', '.taken', '.done']) rmSync(`${touchFile}${suffix}`, { force: true });
  });
  withLiveRuntime('landfall-fault-catalog-', (live) => ({ stateDir, runtime } = live), {
    env: { LANDFALL_FAULTS: JSON.stringify({ 'catalog.restartOnTouch': { touchFile, downMs: DOWN_MS } }) },
  });

  it('completes every sample exactly once after dynalite restarts twice mid-run', async () => {
    // Prepare
    const runId = '261123_LH00417_0500_B22CATRST';
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 50,
      samples: 3,
      readsPerSample: 3000,
      team: TEAM,
    });
    const restart = async (count: number) => {
      writeFileSync(touchFile, 'restart');
      // the fault bites: while the server is down, this test's own catalog reads are refused too
      let refused = 0;
      await waitFor(
        `catalog restart ${count} to finish`,
        async () => {
          if (existsSync(`${touchFile}.done`) && Number(readFileSync(`${touchFile}.done`, 'utf8')) === count) return true;
          if (!existsSync(touchFile))
            refused += await runtime.catalog.samples.listInRun(TEAM, runId).then(
              () => 0,
              () => 1,
            );
          return undefined;
        },
        30_000,
        100,
      );
      expect(refused, `catalog reads refused during restart ${count}`).toBeGreaterThan(0);
    };
    // Act: restart while files land (the landing handler writes the catalog), then again while jobs run
    const dropping = dropRun(runtime.info.shareDir, TEAM, run);
    await waitFor(
      'the first file of the run to land',
      () =>
        readBusLog(stateDir).some(
          (e) => e['detail-type'] === 'Object Created' && String((e.detail.object as { key: string }).key).includes(runId),
        ) || undefined,
      30_000,
      20,
    );
    await restart(1);
    await dropping;
    await waitFor(
      'a step job running',
      () =>
        readBusLog(stateDir).some(
          (e) => e['detail-type'] === 'Batch Job State Change' && e.detail.status === 'RUNNING' && String(e.detail.jobName).includes(runId),
        ) || undefined,
      60_000,
      20,
    );
    await restart(2);
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 3, 150_000);
    // Assess
    expect(runtime.child.exitCode, 'the runtime survived its catalog restarts').toBeNull();
    await expectNoLossNoDuplicates({
      stateDir,
      catalog: runtime.catalog,
      team: TEAM,
      runId,
      statuses: { Sample01: 'COMPLETED', Sample02: 'COMPLETED', Sample03: 'COMPLETED' },
    });
    const published = readBusLog(stateDir).filter((e) => e['detail-type'] === 'Step Output Published' && e.detail.runId === runId);
    expect(published).toHaveLength(3 * 3);
  }, 240_000);
});
