/**
 * Landing latency on a live embedded runtime (`landfall up` as a child process, bench config with a
 * 500 ms settle window): a generated 96-sample run (2 × ~5 MB FASTQ per sample) is written into the
 * share file after file, markers last, as an instrument does. Per sample: the time from the run's
 * completion marker (CopyComplete.txt) closing to its execution starting ("Workflow Started" in the
 * bus log), and inside that window how long validation took ("Sample Landed" → "Sample Cataloged").
 * The target — max under 1 s beyond the settle window — is reported, never asserted.
 */
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BENCH_SETTLE_MS } from './landfall.bench.config.ts';
import { cachedRun, percentile, readBusLog, startLiveRuntime, until, type LoggedEvent } from './liveRuntime.ts';
import type { BenchModule, BenchRow } from './types.ts';

const TEAM = 'genomics';
const RUN_ID = '261210_LH00417_0101_A22LATENCY';
/** ~150 bytes of gzip per read: 34,000 reads make a ~5 MB .fastq.gz. */
const READS_PER_SAMPLE = 34_000;

export const landingLatencyBench: BenchModule = {
  name: 'landing-latency',
  description: 'completion marker closing → execution started, 96 samples × 2 × ~5 MB FASTQ, live runtime (child process)',
  async run(context) {
    const samples = Number(process.env.LANDFALL_BENCH_LANDING_SAMPLES ?? 96);
    context.log(`  generating (or reusing) a ${samples}-sample run in ${context.cacheDir} …`);
    const run = await cachedRun(path.join(context.cacheDir, `landing-${samples}`), { runId: RUN_ID, seed: 101, samples, readsPerSample: READS_PER_SAMPLE, team: TEAM });
    const fastqBytes = run.files.filter((file) => file.kind === 'fastq').reduce((total, file) => total + file.size, 0);
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-landing-'));
    const runtime = await startLiveRuntime(stateDir);
    let events: LoggedEvent[];
    let markerClosedAt: number;
    let writeMs: number;
    try {
      const folder = path.join(runtime.info.shareDir, TEAM, RUN_ID);
      await mkdir(folder, { recursive: true });
      const writeStart = Date.now();
      for (const file of run.files) await copyFile(file.path, path.join(folder, file.name));
      markerClosedAt = Date.now(); // CopyComplete.txt is the last file: copied and closed
      writeMs = markerClosedAt - writeStart;
      context.log(`  wrote ${run.files.length} files (${(fastqBytes / 1e6).toFixed(0)} MB of FASTQ) into the share in ${writeMs} ms`);
      events = await until(
        `${samples} "Workflow Started" of ${RUN_ID}`,
        async () => {
          const logged = await readBusLog(stateDir);
          const started = logged.filter((event) => event['detail-type'] === 'Workflow Started' && event.detail.runId === RUN_ID);
          return started.length >= samples ? logged : undefined;
        },
        15 * 60_000,
        250,
      );
    } finally {
      await runtime.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
    const mine = events.filter((event) => event.detail.runId === RUN_ID);
    const firstAt = (type: string, sampleId: string) => {
      const found = mine.find((event) => event['detail-type'] === type && event.detail.sampleId === sampleId);
      if (!found) throw new Error(`bench landing-latency: no "${type}" for ${sampleId}`);
      return Date.parse(found.time);
    };
    const latency: number[] = [];
    const validation: number[] = [];
    for (const sample of run.samples) {
      latency.push(firstAt('Workflow Started', sample.sampleId) - markerClosedAt);
      validation.push(firstAt('Sample Cataloged', sample.sampleId) - firstAt('Sample Landed', sample.sampleId));
    }
    const bound = BENCH_SETTLE_MS + 1000;
    const max = Math.max(...latency);
    const rows: BenchRow[] = [
      { name: `marker closed → execution started, p50 (${samples} samples)`, value: percentile(latency, 50), unit: 'ms', target: '' },
      { name: 'marker closed → execution started, p95', value: percentile(latency, 95), unit: 'ms', target: '' },
      { name: 'marker closed → execution started, max', value: max, unit: 'ms', target: `< ${bound}`, ok: max < bound, note: `settle ${BENCH_SETTLE_MS} ms + 1 s` },
      { name: 'validation inside that window (Sample Landed → Cataloged), p50', value: percentile(validation, 50), unit: 'ms', target: '' },
      { name: 'validation inside that window, p95', value: percentile(validation, 95), unit: 'ms', target: '' },
      { name: 'validation inside that window, max', value: Math.max(...validation), unit: 'ms', target: '' },
      { name: `share write of the run (${(fastqBytes / 1e6).toFixed(0)} MB FASTQ)`, value: writeMs, unit: 'ms', target: '' },
    ];
    return rows;
  },
};
