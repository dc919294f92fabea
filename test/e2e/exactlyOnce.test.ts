/**
 * Exactly once, however events arrive, and re-running without re-uploading — on a live embedded runtime:
 * a duplicate storm from two OS processes, a changed re-upload, reprocess from a step, and replay.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import { executionNameOf, jobNameOf } from '../../functions/workflow/executionName.ts';
import { DEFAULT_PRICES } from '../../functions/workflow/jobCost.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import e2eConfig from '../fixtures/landfall.e2e.config.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';
import {
  dropRun,
  landfallCommand,
  projectRoot,
  readBusLog,
  withLiveRuntime,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';

const run = promisify(execFile);
const TEAM = 'genomics';
/** The CLI as installed (the compiled bin): through tsx each command took seconds to start on a busy machine. */
const landfall = (stateDir: string, ...args: string[]) =>
  run(landfallCommand[0]!, [...landfallCommand.slice(1), ...args, '--state-dir', stateDir], { cwd: projectRoot });

describe('exactly once on the embedded runtime', () => {
  let stateDir: string;
  let runtime: RuntimeProcess;
  const facts = (detailType: string, runId: string) =>
    readBusLog(stateDir).filter((e) => e['detail-type'] === detailType && e.detail.runId === runId);

  withLiveRuntime('landfall-once-', (live) => ({ stateDir, runtime } = live));

  it('starts one execution and emits one of each notification under a duplicate storm from two processes', async () => {
    // Prepare: the run's objects are in the landing bucket (as S3 has them), with no event sent yet
    const runId = '261123_LH00417_0400_B22STORM1';
    const generated = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 41,
      samples: 2,
      readsPerSample: 200,
      team: TEAM,
    });
    const storage = new FolderStorage(path.join(stateDir, 'buckets'));
    const events = [];
    for (const file of generated.files) {
      const key = `incoming/${TEAM}/${runId}/${file.name}`;
      const info = await storage.put('landfall-landing', key, readFileSync(file.path));
      events.push(
        {
          source: 'aws.s3',
          'detail-type': 'Object Created',
          resources: ['arn:aws:s3:::landfall-landing'],
          detail: {
            version: '0',
            bucket: { name: 'landfall-landing' },
            object: { key, size: info.size, etag: info.etag.replaceAll('"', ''), 'version-id': info.versionId },
            reason: 'PutObject',
          },
        },
        {
          source: 'aws.storagegateway',
          'detail-type': 'Storage Gateway Object Upload Event',
          resources: [],
          detail: {
            'object-size': info.size,
            'modification-time': new Date().toISOString(),
            'object-key': key,
            'event-type': 'object-upload-complete',
            prefix: `incoming/${TEAM}/${runId}/`,
            'bucket-name': 'landfall-landing',
          },
        },
      );
    }
    const eventsFile = path.join(stateDir, 'storm.json');
    await writeFile(eventsFile, JSON.stringify(events));
    const token = (JSON.parse(readFileSync(path.join(stateDir, 'tokens.json'), 'utf8')) as { operator: string }).operator;
    const storm = () =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(projectRoot, 'test/support/stormProcess.ts'),
          String(runtime.info.ports.control),
          token,
          eventsFile,
          '20',
        ],
        { cwd: projectRoot },
      );
    // Act: two OS processes, 20 copies of every S3 and Storage Gateway event each, all at once
    await Promise.all([storm(), storm()]);
    const samples = await waitForTerminalSamples(runtime.catalog, TEAM, runId, 2);
    // Assess
    expect(samples.map((sample) => (sample.status === 'COMPLETED' ? sample.status : `${sample.status}: ${sample.detail}`))).toEqual([
      'COMPLETED',
      'COMPLETED',
    ]);
    const delivered = readBusLog(stateDir).filter(
      (e) => e['detail-type'] === 'Object Created' && String((e.detail.object as { key: string }).key).includes(runId),
    );
    expect(delivered.length).toBeGreaterThanOrEqual(2 * 20 * generated.files.length);
    for (const [detailType, perSample] of [
      ['Sample Cataloged', 1],
      ['Workflow Started', 1],
      ['Step Output Published', 3],
      ['Sample Completed', 1],
    ] as const) {
      for (const sample of generated.samples) {
        expect(
          facts(detailType, runId).filter((e) => e.detail.sampleId === sample.sampleId),
          `${detailType} of ${sample.sampleId}`,
        ).toHaveLength(perSample);
      }
    }
    for (const sample of generated.samples) {
      expect(
        (await runtime.catalog.executions.list({ team: TEAM, runId, sampleId: sample.sampleId, version: 1 })).map((e) => e.generation),
      ).toEqual([0]);
      expect(await runtime.catalog.samples.listVersions({ team: TEAM, runId, sampleId: sample.sampleId })).toHaveLength(1);
      // cost figures of every step are cataloged with its lineage
      for (const step of await runtime.catalog.steps.list({ team: TEAM, runId, sampleId: sample.sampleId, version: 1 })) {
        expect(step.cost?.vcpuSeconds, `${sample.sampleId}/${step.step} cost`).toBeGreaterThan(0);
        // Priced at its capacity type's rates, to the micro-dollar it is kept at: a step of under 0.14 s on spot
        // costs less than one, so "more than 0" failed once a quick step rounded to 0 (CI, 2026-12-06).
        const cost = step.cost!;
        const price = DEFAULT_PRICES[cost.capacityType];
        const recounted = (cost.vcpuSeconds / 3600) * price.vcpuHour + (cost.memoryGbSeconds / 3600) * price.gbHour + cost.transferUsd;
        // Kept to 6 decimals (half a micro-dollar either way), recounted from figures kept to 3 (a nano-dollar)
        expect(Math.abs(cost.estimatedUsd - recounted), `${sample.sampleId}/${step.step} cost`).toBeLessThanOrEqual(0.000000501);
      }
    }
  }, 180_000);

  it('makes a changed re-upload a new version with its own execution; the old outputs remain, superseded', async () => {
    // Prepare
    const runId = '261123_LH00417_0401_B22RELAND';
    const generated = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 42,
      samples: 1,
      readsPerSample: 200,
      team: TEAM,
    });
    const folder = await dropRun(runtime.info.shareDir, TEAM, generated);
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 1);
    const r1 = generated.samples[0]!.fastqs.find((fastq) => fastq.read === 'R1')!;
    const r2 = generated.samples[0]!.fastqs.find((fastq) => fastq.read === 'R2')!;
    // Act: the instrument re-exports the sample with the last pair removed (R1 and R2 stay paired)
    const dropLast = (file: string) =>
      gzipSync(Buffer.from(`${gunzipSync(readFileSync(file)).toString('latin1').split('\n').slice(0, -5).join('\n')}\n`, 'latin1'));
    await writeFile(path.join(folder, r1.name), dropLast(r1.path));
    await writeFile(path.join(folder, r2.name), dropLast(r2.path));
    await waitFor(
      'v2 to complete',
      async () =>
        (await runtime.catalog.samples.getVersion({ team: TEAM, runId, sampleId: 'Sample01', version: 2 }))?.status === 'COMPLETED'
          ? true
          : undefined,
      90_000,
    );
    // Assess
    const versions = await runtime.catalog.samples.listVersions({ team: TEAM, runId, sampleId: 'Sample01' });
    expect(versions.map((v) => [v.version, v.status, v.executionName])).toEqual([
      [1, 'SUPERSEDED', executionNameOf({ team: TEAM, runId, sampleId: 'Sample01', version: 1 })],
      [2, 'COMPLETED', executionNameOf({ team: TEAM, runId, sampleId: 'Sample01', version: 2 })],
    ]);
    const sampleDir = path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', runId, 'samples', 'Sample01');
    for (const version of ['v1', 'v2']) expect(existsSync(path.join(sampleDir, version, 'trim', 'trim.json')), version).toBe(true);
    const v1Qc = JSON.parse(readFileSync(path.join(sampleDir, 'v1', 'qc', 'qc.json'), 'utf8')) as { files: Array<{ reads: number }> };
    const v2Qc = JSON.parse(readFileSync(path.join(sampleDir, 'v2', 'qc', 'qc.json'), 'utf8')) as { files: Array<{ reads: number }> };
    expect(v1Qc.files[0]!.reads - v2Qc.files[0]!.reads).toBe(1);
    expect(
      facts('Unexpected File', runId)
        .map((e) => [e.detail.file, e.detail.kind])
        .sort(),
    ).toEqual([
      [r1.name, 'changed'],
      [r2.name, 'changed'],
    ]);
    expect((await runtime.catalog.samples.get({ team: TEAM, runId, sampleId: 'Sample01' }))!.currentVersion).toBe(2);
  }, 180_000);

  it('reprocesses from a step with a linked execution that runs no job for the earlier steps', async () => {
    // Prepare
    const runId = '261123_LH00417_0402_B22REPROC';
    const generated = await generateRun({
      dir: path.join(stateDir, 'instrument', runId),
      runId,
      seed: 43,
      samples: 1,
      readsPerSample: 200,
      team: TEAM,
    });
    await dropRun(runtime.info.shareDir, TEAM, generated);
    await waitForTerminalSamples(runtime.catalog, TEAM, runId, 1);
    const ref = { team: TEAM, runId, sampleId: 'Sample01', version: 1 };
    const qcBefore = (await runtime.catalog.steps.get(ref, 'qc'))!;
    // Act: through the CLI, as an operator would
    await landfall(stateDir, 'reprocess', `${TEAM}/${runId}/Sample01`, '--from-step', 'trim');
    await waitFor(
      'generation 1 to complete',
      async () => {
        const version = await runtime.catalog.samples.getVersion(ref);
        return version?.generation === 1 && version.status === 'COMPLETED' ? true : undefined;
      },
      90_000,
    );
    // Assess: the executor ran trim, and only trim, for the new execution
    const jobLogs = readdirSync(path.join(stateDir, 'executor', 'logs')).filter((name) => name.includes(runId));
    expect(jobLogs.sort()).toEqual(
      [
        jobNameOf(executionNameOf(ref, 0), 'profile'),
        jobNameOf(executionNameOf(ref, 0), 'qc'),
        jobNameOf(executionNameOf(ref, 0), 'trim'),
        jobNameOf(executionNameOf(ref, 1), 'trim'),
      ].sort(),
    );
    expect(await runtime.catalog.steps.get(ref, 'qc')).toEqual(qcBefore); // reused, untouched
    expect((await runtime.catalog.executions.list(ref)).map((e) => [e.generation, e.reason, e.rerunFrom])).toEqual([
      [0, 'automatic', undefined],
      [1, 'reprocess', 'trim'],
    ]);
    expect(
      facts('Step Output Published', runId)
        .map((e) => e.detail.step)
        .sort(),
    ).toEqual(['profile', 'qc', 'trim', 'trim']);
  }, 180_000);

  it('replays what landed since a time as a no-op for cataloged versions', async () => {
    // Prepare: the bus is quiet (a run's last events, such as "Run Completed", may still be on their way)
    const landfallEvents = () =>
      readBusLog(stateDir).filter((e) => e.source === 'landfall' && e['detail-type'] !== 'Object Replayed').length;
    let before = landfallEvents();
    for (let quietSince = Date.now(); Date.now() - quietSince < 1500; ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (landfallEvents() !== before) [before, quietSince] = [landfallEvents(), Date.now()];
    }
    const versionsBefore = await runtime.catalog.samples.listVersions({
      team: TEAM,
      runId: '261123_LH00417_0402_B22REPROC',
      sampleId: 'Sample01',
    });
    // Act
    const { stdout } = await landfall(stateDir, 'replay', '--since', '2000-01-01T00:00:00Z');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Assess
    expect(stdout).toMatch(/replayed \d+ landed object/);
    const replayed = Number(/replayed (\d+)/.exec(stdout)![1]);
    expect(replayed).toBeGreaterThan(0);
    expect(readBusLog(stateDir).filter((e) => e['detail-type'] === 'Object Replayed')).toHaveLength(replayed);
    expect(landfallEvents()).toBe(before);
    expect(
      await runtime.catalog.samples.listVersions({ team: TEAM, runId: '261123_LH00417_0402_B22REPROC', sampleId: 'Sample01' }),
    ).toEqual(versionsBefore);
  }, 120_000);

  it('answers "what happened to my sample?" from the catalog: status, samples and sample, as text and JSON', async () => {
    // Act
    const status = JSON.parse((await landfall(stateDir, 'status', '--json')).stdout) as {
      teams: Array<{ team: string; counts: Record<string, number> }>;
      regions: Array<{ region: string; home: boolean; runningJobs: number }>;
      runsInFlight: unknown[];
      lastErrors: unknown[];
      deadLetters: { count: number };
    };
    const completed = JSON.parse((await landfall(stateDir, 'samples', '--team', TEAM, '--status', 'COMPLETED', '--json')).stdout) as Array<{
      runId: string;
      sampleId: string;
    }>;
    const relanded = JSON.parse(
      (await landfall(stateDir, 'sample', `${TEAM}/261123_LH00417_0401_B22RELAND/Sample01`, '--json')).stdout,
    ) as {
      versions: Array<{
        version: number;
        status: string;
        files: Array<{ key: string; md5: string }>;
        executions: Array<{ generation: number; reason: string }>;
        steps: Array<{ step: string; outputs: Array<{ key: string; md5: string }>; cost: { vcpuSeconds: number } }>;
      }>;
    };
    const text = (await landfall(stateDir, 'status')).stdout;
    // Assess
    expect(status.teams.find((team) => team.team === TEAM)!.counts.COMPLETED).toBe(completed.length);
    expect(completed.map((sample) => `${sample.runId}/${sample.sampleId}`)).toContain('261123_LH00417_0402_B22REPROC/Sample01');
    expect(status.regions.map((region) => [region.region, region.home, region.runningJobs])).toEqual(
      e2eConfig.regions.map((region) => [region.name, region.name === e2eConfig.homeRegion, 0]),
    );
    expect(status.lastErrors).toEqual([]);
    expect(status.deadLetters.count).toBe(0);
    expect(relanded.versions.map((version) => [version.version, version.status])).toEqual([
      [1, 'SUPERSEDED'],
      [2, 'COMPLETED'],
    ]);
    for (const version of relanded.versions) {
      // lineage: every output of the version back to the exact input files and checksums
      expect(version.files.every((file) => /^[0-9a-f]{32}$/.test(file.md5) && file.key.startsWith('incoming/'))).toBe(true);
      expect(version.executions.map((execution) => [execution.generation, execution.reason])).toEqual([[0, 'automatic']]);
      expect(version.steps.map((step) => step.step).sort()).toEqual(['profile', 'qc', 'trim']);
      for (const step of version.steps) {
        expect(step.outputs.length).toBeGreaterThan(0);
        expect(step.outputs.every((output) => output.key.includes(`/v${version.version}/${step.step}/`))).toBe(true);
        expect(step.cost.vcpuSeconds).toBeGreaterThan(0);
      }
    }
    for (const heading of ['team', 'region', 'jobs running', 'dead letters: 0']) expect(text).toContain(heading);
    // cost per run and team, from every job the storm run ran
    const costs = JSON.parse(
      (await landfall(stateDir, 'costs', '--team', TEAM, '--run', '261123_LH00417_0400_B22STORM1', '--json')).stdout,
    ) as {
      runs: Array<{ jobs: number; failedJobs: number; estimatedUsd: number; vcpuSeconds: number }>;
      teams: Array<{ team: string; runs: number }>;
    };
    expect(costs.runs).toHaveLength(1);
    expect(costs.runs[0]).toMatchObject({ jobs: 2 * demoPipeline.steps.length, failedJobs: 0 });
    expect(costs.runs[0]!.estimatedUsd).toBeGreaterThan(0);
    expect(costs.teams.map((team) => [team.team, team.runs])).toEqual([[TEAM, 1]]);
    expect((await landfall(stateDir, 'costs')).stdout).toContain('estimated total $');
  }, 120_000);
});
