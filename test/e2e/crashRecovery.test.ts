/**
 * SIGKILL of the embedded runtime at named points, then a restart: every sample reaches a terminal state,
 * published steps are not re-run, no execution is duplicated, no file is lost or half-published, no job
 * process outlives the runtime, and every notification is emitted once per fact.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateRun } from '../../demo/generateRun.ts';
import type { SampleManifest } from '../../functions/publishing/manifest.ts';
import { isAlive, processTree } from '../support/processTree.ts';
import {
  dropRun,
  readBusLog,
  startRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
  type RuntimeProcess,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const md5 = (file: string) => createHash('md5').update(readFileSync(file)).digest('hex');

/** `detailType` scopes an `emit.afterClaim` fault to one kind of fact (the first one emitted is killed). */
type Case = { case: string; fault?: string; detailType?: string; killWhen?: 'job-running' };

describe('crash recovery of the embedded runtime', () => {
  let stateDir: string | undefined;
  let runtimes: RuntimeProcess[] = [];
  afterEach(async () => {
    for (const runtime of runtimes) {
      if (runtime.child.exitCode === null && runtime.child.signalCode === null) {
        runtime.child.kill('SIGKILL');
        await runtime.exited;
      }
    }
    runtimes = [];
    if (stateDir && !process.env.LANDFALL_KEEP_TEST_STATE) await rm(stateDir, { recursive: true, force: true });
  });

  it.each<Case>([
    { case: 'while a job runs', killWhen: 'job-running' },
    { case: 'between an output copy and the manifest update', fault: 'publish.afterCopy' },
    { case: 'between StartExecution and the catalog write', fault: 'start.afterStartExecution' },
    // The version is COMPLETED, its sample still RUNNING, and no execution is left to end it.
    { case: 'after its version was completed', fault: 'finish.afterFinishVersion' },
    // Killed between claiming the first fact of a kind and publishing it (the case name stays under vitest's
    // 40-character title limit): the start-up sweep relays it from the outbox.
    // Nothing else would emit the later ones again: the sample is READY, COMPLETED, the run DONE.
    ...['Sample Landed', 'Sample Cataloged', 'Workflow Started', 'Sample Completed', 'Run Completed'].map((detailType) => ({
      case: `after claiming "${detailType}"`,
      fault: 'emit.afterClaim',
      detailType,
    })),
    // The version is READY, its fact not yet claimed: the recovery sweep announces it before starting it.
    { case: 'before claiming "Sample Cataloged"', fault: 'emit.beforeClaim', detailType: 'Sample Cataloged' },
    { case: 'before claiming "Sample Completed"', fault: 'emit.beforeClaim', detailType: 'Sample Completed' },
  ])(
    'SIGKILL $case, then restart: every sample completes, exactly once',
    async ({ fault, detailType, killWhen }) => {
      // Prepare
      stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-crash-'));
      const env: Record<string, string> = fault
        ? { LANDFALL_FAULTS: JSON.stringify({ [fault]: { kill: true, times: 1, ...(detailType && { detailType }) } }) }
        : {};
      const first = await startRuntimeProcess(stateDir, undefined, env);
      runtimes.push(first);
      const runId = '261123_LH00417_0300_B22CRASH1';
      const run = await generateRun({
        dir: path.join(stateDir, 'instrument', runId),
        runId,
        seed: 31,
        samples: 2,
        readsPerSample: killWhen ? 20_000 : 300,
        team: TEAM,
      });
      const seen = new Set<number>();
      const sampler = setInterval(() => {
        if (first.child.exitCode === null) for (const pid of processTree(first.child.pid!)) if (pid !== first.child.pid) seen.add(pid);
      }, 25);

      // Act: crash
      await dropRun(first.info.shareDir, TEAM, run);
      if (killWhen === 'job-running') {
        // Kill once a step has published AND another job is still running, so both kinds of work are cut.
        await waitFor(
          'a published step while a job runs',
          () => {
            const log = readBusLog(stateDir!);
            const jobs = log.filter((e) => e['detail-type'] === 'Batch Job State Change');
            const running = new Set(jobs.filter((e) => e.detail.status === 'RUNNING').map((e) => e.detail.jobName));
            for (const e of jobs) if (e.detail.status === 'SUCCEEDED' || e.detail.status === 'FAILED') running.delete(e.detail.jobName);
            return (log.some((e) => e['detail-type'] === 'Step Output Published') && running.size > 0) || undefined;
          },
          90_000,
          20,
        );
        first.child.kill('SIGKILL');
      }
      const death = await first.exited;
      clearInterval(sampler);
      expect(death.signal).toBe('SIGKILL');
      await waitFor('no process of the killed runtime to remain', () => [...seen].every((pid) => !isAlive(pid)) || undefined, 10_000);
      const publishedBeforeCrash = readBusLog(stateDir)
        .filter((e) => e['detail-type'] === 'Step Output Published')
        .map((e) => `${e.detail.sampleId}/${e.detail.step}`);
      if (killWhen) expect(publishedBeforeCrash.length).toBeGreaterThan(0);

      // Act: restart without faults
      const second = await startRuntimeProcess(stateDir);
      runtimes.push(second);
      const samples = await waitForTerminalSamples(second.catalog, TEAM, runId, 2, 180_000);

      // Assess: terminal and complete
      expect(samples.map((sample) => sample.status)).toEqual(['COMPLETED', 'COMPLETED']);
      // The catalog turns COMPLETED just before "Sample Completed" reaches the bus log: wait for the facts
      await waitFor(
        'both Sample Completed facts on the bus',
        () =>
          readBusLog(stateDir!).filter((e) => e['detail-type'] === 'Sample Completed' && e.detail.runId === runId).length >= 2
            ? true
            : undefined,
        15_000,
      );
      await waitFor(
        '"Run Completed" on the bus',
        () => (readBusLog(stateDir!).some((e) => e['detail-type'] === 'Run Completed' && e.detail.runId === runId) ? true : undefined),
        15_000,
      );
      const log = readBusLog(stateDir);
      const once = (detailType: string, key: (d: Record<string, unknown>) => string) => {
        const facts = log
          .filter((e) => e['detail-type'] === detailType && e.detail.runId === runId)
          .map((e) => key(e.detail))
          .sort();
        expect(new Set(facts).size, `${detailType} repeated: ${facts.join(', ')}`).toBe(facts.length);
        return facts;
      };
      expect(once('Step Output Published', (d) => `${d.sampleId}/${d.step}`)).toEqual([
        'Sample01/profile',
        'Sample01/qc',
        'Sample01/trim',
        'Sample02/profile',
        'Sample02/qc',
        'Sample02/trim',
      ]);
      expect(once('Sample Completed', (d) => String(d.sampleId))).toEqual(['Sample01', 'Sample02']);
      expect(once('Sample Landed', (d) => String(d.sampleId))).toEqual(['Sample01', 'Sample02']);
      const started = once('Workflow Started', (d) => String(d.executionName));
      expect(once('Sample Cataloged', (d) => `${d.sampleId}/v${d.version}`)).toEqual(['Sample01/v1', 'Sample02/v1']);
      expect(once('Run Completed', (d) => String(d.runId))).toEqual([runId]);

      for (const sample of run.samples) {
        const ref = { team: TEAM, runId, sampleId: sample.sampleId, version: 1 };
        // no duplicate executions: contiguous generations, each recorded once
        const executions = await second.catalog.executions.list(ref);
        expect(executions.map((execution) => execution.generation)).toEqual(executions.map((_, index) => index));
        expect(executions.length).toBeLessThanOrEqual(2);
        // every recorded execution was announced
        for (const execution of executions)
          expect(started, `Workflow Started for ${execution.executionName}`).toContain(execution.executionName);
        // published steps were not re-run by the recovery execution
        const jobLogs = existsSync(path.join(stateDir, 'executor', 'logs')) ? readdirSync(path.join(stateDir, 'executor', 'logs')) : [];
        for (const published of publishedBeforeCrash.filter((fact) => fact.startsWith(`${sample.sampleId}/`))) {
          const step = published.split('/')[1]!;
          expect(
            jobLogs.filter((name) => name.includes(sample.sampleId) && /-g[1-9]\d*-/.test(name) && name.endsWith(`-${step}`)),
            `${published} re-run`,
          ).toEqual([]);
        }
        // nothing lost or half-published: what is under the prefix is exactly what the manifest lists
        const dir = path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', runId, 'samples', sample.sampleId, 'v1');
        const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SampleManifest;
        const files = (await readdir(dir, { recursive: true, withFileTypes: true })).filter(
          (entry) => entry.isFile() && entry.name !== 'manifest.json',
        );
        const onDisk = Object.fromEntries(
          files.map((entry) => [
            path.relative(path.join(stateDir!, 'buckets', 'landfall-results'), path.join(entry.parentPath, entry.name)),
            md5(path.join(entry.parentPath, entry.name)),
          ]),
        );
        expect(onDisk).toEqual(
          Object.fromEntries(Object.values(manifest.steps).flatMap((step) => step.files.map((file) => [file.key, file.md5]))),
        );
        expect(manifest.status).toBe('COMPLETED');
      }
      expect(await readdir(path.join(stateDir, 'buckets', 'landfall-results', 'publishing')).catch(() => [])).toEqual([]);
    },
    300_000,
  );
});
