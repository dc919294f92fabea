/**
 * Burst: 10,000 small FASTQ files (5,000 paired samples in 10 runs of 500) dropped into the share at
 * once — each run folder, written beforehand next to the share, is renamed into it — on a live embedded
 * runtime whose local executor is paused (jobs stay queued, so only landing, validation, cataloging and
 * execution starts are measured). Reported: files/s landed, cataloged (target ≥ 150 files/s, issue 20) and started, then, once the runtime
 * is quiet, the exactly-once proof from the catalog (files, samples, versions per run), the bus (one
 * "Sample Cataloged" and one "Workflow Started" per sample) and the executor (no job name twice).
 *
 * The runtime runs inside a fresh worker process (bench/burstWorker.ts, EmbeddedRuntime.start as the
 * idle-to-zero bench does) so the bench can hold the executor with its `pause()`; the catalog server,
 * share watcher, bus and functions are the real ones.
 * Full size by default (the 10,000 files); `LANDFALL_BENCH_BURST_SAMPLES=<n>` runs a smaller burst
 * (marked SCALED in the table). The executions started wait for queue room beyond
 * `placement.maxQueuedJobsPerRegion` (jobs stay queued while the executor is paused): that is the bound
 * working, not a failure.
 */
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedRuntime } from '../runtime/EmbeddedRuntime.ts';
import type { BusEvent } from '../seams/events/EventPublisher.ts';
import config from './landfall.bench.config.ts';
import { cachedRun, cpuProfileArgs, projectRoot, runIdOfEvent, until } from './liveRuntime.ts';
import type { BenchContext, BenchModule, BenchRow } from './types.ts';

const TEAM = 'genomics';
const RUNS = 10;
const QUIET_MS = 5_000;
const STOP_GRACE_MS = 30_000;
/** The burst: 5,000 paired samples, 10,000 FASTQ files. */
const FULL_SAMPLES = 5000;
const DEFAULT_SAMPLES = FULL_SAMPLES;
/** Issue 20: FASTQ files validated and cataloged per second from the drop, on this machine's 2 cores. */
const CATALOGED_FILES_PER_SECOND_TARGET = 150;

export const burstBench: BenchModule = {
  name: 'burst',
  description: 'small paired FASTQ files dropped at once, executor paused: landed, cataloged and started per second, exactly-once',
  run: (context) => runInChild(context),
};

/**
 * The burst in a fresh process (bench/burstWorker.ts): an embedded runtime started after another one
 * stopped in the same process (idle-to-zero's) would find process-wide state of the first.
 */
async function runInChild(context: BenchContext): Promise<BenchRow[]> {
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-burst-'));
  const child = spawn(
    process.execPath,
    [...cpuProfileArgs(), '--import', 'tsx', path.join(projectRoot, 'bench/burstWorker.ts'), context.cacheDir, stateDir],
    {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LANDFALL_LOG_LEVEL: 'WARN' },
    },
  );
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  // Progress lines only (Powertools and SDK warnings of the in-process functions stay out of the way).
  child.stderr!.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.startsWith('  ')) context.log(line);
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  await rm(stateDir, { recursive: true, force: true });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('[')) throw new Error(`bench burst: worker exited with ${code}: ${stdout.slice(-500)}`);
  return JSON.parse(last) as BenchRow[];
}

/** The burst itself, in the calling process (bench/burstWorker.ts runs it in a fresh one). */
export const burstInProcess = {
  async run(context: BenchContext, stateDir: string): Promise<BenchRow[]> {
    const samples = Number(process.env.LANDFALL_BENCH_BURST_SAMPLES ?? DEFAULT_SAMPLES);
    const perRun = Math.ceil(samples / RUNS);
    context.log(`  generating (or reusing) ${RUNS} runs × ${perRun} samples × 2 FASTQ in ${context.cacheDir} …`);
    const runs = [];
    for (let index = 0; index < RUNS; index++) {
      const runId = `261211_LH00417_${String(200 + index).padStart(4, '0')}_A22BURST${index}`;
      runs.push(
        await cachedRun(path.join(context.cacheDir, `burst-${perRun}`, runId), {
          runId,
          seed: 200 + index,
          samples: perRun,
          readsPerSample: 4,
          team: TEAM,
        }),
      );
    }
    const fastqs = runs.reduce((total, run) => total + run.files.filter((file) => file.kind === 'fastq').length, 0);
    const allFiles = runs.reduce((total, run) => total + run.files.length, 0);
    const sampleCount = runs.reduce((total, run) => total + run.samples.length, 0);
    const ours = new Set(runs.map((run) => run.runId));

    // Indexed by type as they arrive: the runtime measured runs in this process, and filtering every event at
    // each 200 ms look took 20 s of its thread in a 10,000-file burst.
    const eventsOfType = new Map<string, Array<{ at: number; event: BusEvent }>>();
    const startedKeys = new Set<string>();
    const runtime = await EmbeddedRuntime.start({
      config,
      configPath: 'bench/landfall.bench.config.ts',
      stateDir,
      onEvent: (event) => {
        if (!ours.has(runIdOfEvent(event) ?? '')) return;
        const type = event['detail-type'];
        let list = eventsOfType.get(type);
        if (!list) eventsOfType.set(type, (list = []));
        list.push({ at: Date.now(), event });
        if (type === 'Workflow Started') {
          const detail = event.detail as { sampleId: string; runId: string };
          startedKeys.add(`${detail.runId}/${detail.sampleId}`);
        }
      },
    });
    runtime.executor.pause();
    const of = (type: string) => eventsOfType.get(type) ?? [];
    try {
      // Written beforehand next to the share (same file system), then each run folder renamed in.
      const staging = path.join(stateDir, 'staging');
      for (const run of runs) await cp(run.dir, path.join(staging, run.runId), { recursive: true });
      await mkdir(path.join(runtime.shareDir, TEAM), { recursive: true });
      const droppedAt = Date.now();
      for (const run of runs) await rename(path.join(staging, run.runId), path.join(runtime.shareDir, TEAM, run.runId));
      context.log(`  dropped ${allFiles} files (${fastqs} FASTQ, ${sampleCount} samples) in ${Date.now() - droppedAt} ms; executor paused`);
      let lastLog = Date.now();
      await until(
        `${sampleCount} executions started`,
        () => {
          if (Date.now() - lastLog > 15_000) {
            lastLog = Date.now();
            context.log(
              `  … ${of('Object Created').length} landed, ${of('Sample Cataloged').length} cataloged, ${startedKeys.size} started`,
            );
          }
          return startedKeys.size >= sampleCount;
        },
        15 * 60_000,
        200,
      );
      const lastOf = (type: string) => Math.max(...of(type).map(({ at }) => at)) - droppedAt;
      // Landed: the share watcher's own upload events (the reconciliation sweep re-drives "Object Created"
      // for landed files the catalog has not recorded yet; those are counted apart).
      const uploads = of('Storage Gateway Object Upload Event');
      const landedMs = Math.max(...uploads.map(({ at }) => at)) - droppedAt;
      const catalogedMs = lastOf('Sample Cataloged');
      const startedMs = lastOf('Workflow Started');
      // Quiet period: rescans and late duplicates would show up here.
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));

      let catalogFiles = 0;
      let catalogSamples = 0;
      let notVersionOne = 0;
      for (const run of runs) {
        catalogFiles += (await runtime.services.catalog.runs.listFiles(TEAM, run.runId)).length;
        const listed = await runtime.services.catalog.samples.listInRun(TEAM, run.runId);
        catalogSamples += listed.length;
        notVersionOne += listed.filter((sample) => sample.currentVersion !== 1).length;
      }
      const perSample = (type: string) => {
        const keys = of(type).map(
          ({ event }) => `${(event.detail as { runId: string }).runId}/${(event.detail as { sampleId: string }).sampleId}`,
        );
        return { total: keys.length, distinct: new Set(keys).size };
      };
      const cataloged = perSample('Sample Cataloged');
      const started = perSample('Workflow Started');
      const jobs = runtime.executor.listJobs().filter((job) => [...ours].some((runId) => job.jobName.includes(runId.slice(-8))));
      const allJobs = runtime.executor.listJobs();
      const duplicateJobNames = allJobs.length - new Set(allJobs.map((job) => job.jobName)).size;
      const landedObjects = uploads.length;
      const landedDistinct = new Set(uploads.map(({ event }) => String((event.detail as { 'object-key'?: string })['object-key']))).size;
      const redriven = of('Object Created').filter(
        ({ event }) => String((event.detail as { 'request-id'?: string })['request-id']).startsWith('LOCAL') === false,
      ).length;
      const exactlyOnce =
        landedObjects === allFiles &&
        landedDistinct === allFiles &&
        catalogFiles === allFiles &&
        catalogSamples === sampleCount &&
        notVersionOne === 0 &&
        cataloged.total === sampleCount &&
        cataloged.distinct === sampleCount &&
        started.total === sampleCount &&
        started.distinct === sampleCount &&
        duplicateJobNames === 0;
      context.log(
        `  exactly-once: catalog ${catalogFiles}/${allFiles} files, ${catalogSamples}/${sampleCount} samples (${notVersionOne} not v1); ` +
          `"Sample Cataloged" ${cataloged.total} (${cataloged.distinct} distinct), "Workflow Started" ${started.total} (${started.distinct} distinct); ` +
          `${allJobs.length} queued jobs (${jobs.length} named after these runs), ${duplicateJobNames} duplicate job names; ` +
          `${landedObjects} gateway uploads (${landedDistinct} distinct keys), ${redriven} "Object Created" re-driven by the reconciliation sweep`,
      );
      const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);
      const catalogedRate = rate(2 * cataloged.distinct, catalogedMs);
      const scaled = sampleCount < FULL_SAMPLES ? `; SCALED down from ${2 * FULL_SAMPLES} FASTQ by LANDFALL_BENCH_BURST_SAMPLES` : '';
      const rows: BenchRow[] = [
        {
          name: `files landed per second (${allFiles}: ${fastqs} FASTQ + sheets, markers${scaled})`,
          value: rate(allFiles, landedMs),
          unit: 'files/s',
          target: '',
          note: `all ${allFiles} files in ${landedMs} ms; ${redriven} re-driven by the sweep`,
        },
        {
          name: 'FASTQ files cataloged per second (validated)',
          value: catalogedRate,
          unit: 'files/s',
          target: `≥ ${CATALOGED_FILES_PER_SECOND_TARGET}`,
          ok: catalogedRate >= CATALOGED_FILES_PER_SECOND_TARGET,
          note: `in ${catalogedMs} ms`,
        },
        {
          name: 'FASTQ files started per second (execution started)',
          value: rate(2 * started.distinct, startedMs),
          unit: 'files/s',
          target: '',
          note: `in ${startedMs} ms`,
        },
        {
          name: `exactly-once: uploads, catalog files/samples, cataloged/started events, jobs`,
          value: exactlyOnce ? 1 : 0,
          unit: '(1 = yes)',
          target: '1',
          ok: exactlyOnce,
          note: `${landedObjects} uploads, ${catalogFiles}/${allFiles} files, ${catalogSamples}/${sampleCount} samples, ${cataloged.total}+${started.total} events, ${duplicateJobNames} dup jobs`,
        },
      ];
      return rows;
    } finally {
      // A burst leaves thousands of executions waiting for queue room; a graceful stop would wind each down
      // (minutes). The figures are taken: give the stop a bounded time, then the worker process ends anyway.
      const stopped = await Promise.race([
        runtime.stop().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), STOP_GRACE_MS)),
      ]);
      if (!stopped) context.log(`  (the runtime had not stopped after ${STOP_GRACE_MS / 1000} s; the worker process ends it)`);
      // The bench process removes the state dir once this worker has exited.
    }
  },
};
