/**
 * Storage faults during publish on a live embedded runtime (LANDFALL_FAULTS, functions/shared/faults.ts):
 * the first copy into staging fails, then the first copy to the final key leaves other bytes (a checksum
 * mismatch). Nothing unverified stays at the final key, the manifest and `outputs` never offer it, and the
 * workflow's retry publishes the step exactly once.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listTeamOutputs } from '../../cli/commands/outputs.ts';
import { generateRun } from '../../demo/generateRun.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
  stopRuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const RUN = '261123_LH00417_0700_B22FAULTS';
const RESULTS = 'landfall-results';
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

describe('storage faults while publishing', () => {
  let stateDir: string | undefined;
  let runtime: RuntimeProcess | undefined;
  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('leaves nothing at the final key, in the manifest or in outputs, and the retry publishes once', async () => {
    // Prepare
    stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-faults-'));
    const stagingFailed = path.join(stateDir, 'fault-staging');
    const teamCorrupted = path.join(stateDir, 'fault-team');
    runtime = await startRuntimeProcess(stateDir, undefined, {
      LANDFALL_FAULTS: JSON.stringify({
        'publish.copyToStaging': { effect: 'throw', times: 1, touchFile: stagingFailed },
        'publish.copyToTeam': { effect: 'corrupt', times: 1, touchFile: teamCorrupted },
      }),
    });
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    const run = await generateRun({
      dir: path.join(stateDir, 'instrument', RUN),
      runId: RUN,
      seed: 71,
      samples: 1,
      readsPerSample: 200,
      team: TEAM,
    });
    // What `outputs` offers, sampled all along: every offered file must have the bytes its manifest records.
    const offeredProblems: string[] = [];
    let offered = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const { outputs } = await listTeamOutputs(storage, RESULTS, TEAM, RUN).catch(() => ({ outputs: [] }));
        for (const output of outputs.filter((o) => o.kind === 'output')) {
          offered++;
          const bytes = await storage.getBytes(RESULTS, output.key).catch((error: Error) => Buffer.from(`unreadable: ${error.message}`));
          if (md5(bytes) !== output.md5) offeredProblems.push(`${output.key}: offered with md5 ${output.md5}, bytes have ${md5(bytes)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();

    // Act
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitFor('the failed copy into staging', () => existsSync(stagingFailed) || undefined, 60_000);
    await waitFor('the corrupted copy to the final key', () => existsSync(teamCorrupted) || undefined, 30_000, 10);
    // Assess: the mismatched copy is removed at once, before the retry (2 s later) and before the catalog knows
    // qc is the pipeline's early step: with one sample it is the first (and only) publish before trim starts.
    const step = 'qc';
    const finalPrefix = `teams/${TEAM}/runs/${RUN}/samples/Sample01/v1/${step}/`;
    await waitFor(
      'nothing at the final key',
      async () => ((await storage.list(RESULTS, finalPrefix)).length === 0 ? true : undefined),
      1_500,
      10,
    );
    expect(
      (await runtime.catalog.steps.get({ team: TEAM, runId: RUN, sampleId: 'Sample01', version: 1 }, step))?.publishedAt,
    ).toBeUndefined();
    expect((await listTeamOutputs(storage, RESULTS, TEAM, RUN)).outputs.filter((o) => o.step === step)).toEqual([]);

    // Act: the workflow retries the publish
    const [sample] = await waitForTerminalSamples(runtime.catalog, TEAM, RUN, 1, 90_000);
    watching = false;
    await watcher;

    // Assess
    expect(sample!.status).toBe('COMPLETED');
    expect(offeredProblems).toEqual([]);
    expect(offered).toBeGreaterThan(0);
    const manifest = JSON.parse(
      (await storage.getBytes(RESULTS, `teams/${TEAM}/runs/${RUN}/samples/Sample01/v1/manifest.json`)).toString(),
    ) as { steps: Record<string, { files: Array<{ key: string; md5: string }> }> };
    const files = manifest.steps[step]!.files;
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) expect(md5(await storage.getBytes(RESULTS, file.key)), file.key).toBe(file.md5);
    const published = readBusLog(stateDir).filter((e) => e['detail-type'] === 'Step Output Published' && e.detail.runId === RUN);
    expect(published.map((e) => e.detail.step).sort()).toEqual(['profile', 'qc', 'trim']);
    expect(await storage.list(RESULTS, 'publishing/')).toEqual([]);
  }, 180_000);
});
