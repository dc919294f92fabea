/**
 * Landing latency on a live embedded runtime (`landfall up` as a child process, bench config with a
 * 500 ms settle window): a generated 96-sample run (2 × ~5 MB FASTQ per sample) is written into the share
 * file after file at a steady rate, as an instrument's copy over the network does, twice:
 * - illumina profile: sample sheet, every FASTQ, then CopyComplete.txt. Per sample: the marker closing →
 *   its execution starting ("Workflow Started" in the bus log). All 96 complete at that one moment.
 * - marker profile: each sample's FASTQs then its own `<sample>.complete`. Per sample: its marker closing
 *   → its execution starting.
 * Then a third, `trickle`: a 24-sample run in illumina order written slowly, over 2 minutes (as a sequencer's
 * copy trickles in), marker last; every sample should start within settle + 1 s of the marker, since its
 * files had minutes to be validated before it.
 * Per order, that window's four parts (p50 and max): the marker's own landing (closed → its gateway upload: the
 * settle window, the copy, a marker waiting for the files before it), the sample's announcement (→ "Sample
 * Landed"), its validation (→ "Sample Cataloged") and its start (→ "Workflow Started"), so a miss says where; and
 * the time from the run's last file landing (its last gateway upload) to its last execution started.
 * Step jobs are held (`landfall up --hold-jobs`), so they do not compete with landing for this machine's cores.
 * The target — max under 1 s beyond the settle window — is reported, never asserted.
 * `LANDFALL_BENCH_SHARE_MBPS` sets the write rate (default 40 MB/s, a gateway share over 1 GbE);
 * `LANDFALL_BENCH_LANDING_SAMPLES` the sample count; `LANDFALL_BENCH_TRICKLE_SECONDS` how long the trickle's
 * write takes (default 120; 0 skips it).
 */
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { GeneratedRun } from '../demo/generateRun.ts';
import { BENCH_MARKER_RUN_PREFIX, BENCH_SETTLE_MS } from './landfall.bench.config.ts';
import { cachedRun, followBusLog, percentile, runIdOfEvent, startLiveRuntime, until, type LoggedEvent } from './liveRuntime.ts';
import type { BenchModule, BenchRow } from './types.ts';

const TEAM = 'genomics';
const RUN_ID = '261210_LH00417_0101_A22LATENCY';
const MARKER_RUN_ID = `${BENCH_MARKER_RUN_PREFIX}0102_A22LATENCY`;
const TRICKLE_RUN_ID = '261210_LH00417_0103_A22TRICKLE';
/** The issue's trickle: 24 samples whose copy takes 2 minutes, CopyComplete.txt last. */
const TRICKLE_SAMPLES = 24;
const DEFAULT_TRICKLE_SECONDS = 120;
/** ~150 bytes of gzip per read: 34,000 reads make a ~5 MB .fastq.gz. */
const READS_PER_SAMPLE = 34_000;

interface Written {
  /** Per sample: when the file that completes it (the run's marker, or its own) was closed. */
  completedAt: Map<string, number>;
  writeMs: number;
}

export const landingLatencyBench: BenchModule = {
  name: 'landing-latency',
  description:
    'completion marker closing → execution started, 96 samples × 2 × ~5 MB FASTQ written at a steady rate, live runtime (child process, step jobs held)',
  async run(context) {
    const samples = Number(process.env.LANDFALL_BENCH_LANDING_SAMPLES ?? 96);
    const mbps = Number(process.env.LANDFALL_BENCH_SHARE_MBPS ?? 40);
    const trickleSeconds = Number(process.env.LANDFALL_BENCH_TRICKLE_SECONDS ?? DEFAULT_TRICKLE_SECONDS);
    if (!Number.isFinite(trickleSeconds) || trickleSeconds < 0)
      throw new Error(
        `bench landing-latency: LANDFALL_BENCH_TRICKLE_SECONDS must be seconds ≥ 0, not ${process.env.LANDFALL_BENCH_TRICKLE_SECONDS}`,
      );
    context.log(`  generating (or reusing) a ${samples}-sample run in ${context.cacheDir} …`);
    const run = await cachedRun(path.join(context.cacheDir, `landing-${samples}`), {
      runId: RUN_ID,
      seed: 101,
      samples,
      readsPerSample: READS_PER_SAMPLE,
      team: TEAM,
    });
    const trickleRun =
      trickleSeconds > 0
        ? await cachedRun(path.join(context.cacheDir, `landing-trickle-${TRICKLE_SAMPLES}`), {
            runId: TRICKLE_RUN_ID,
            seed: 103,
            samples: TRICKLE_SAMPLES,
            readsPerSample: READS_PER_SAMPLE,
            team: TEAM,
          })
        : undefined;
    const stateDir = await mkdtemp(path.join(os.tmpdir(), 'landfall-bench-landing-'));
    // Jobs held (`landfall up --hold-jobs`): the window ends when the execution starts, and step jobs on these
    // same 2 cores would take the CPU landing needs (in AWS they run on Batch hosts, not beside the functions).
    const runtime = await startLiveRuntime(stateDir, undefined, ['--hold-jobs']);
    const rows: BenchRow[] = [];
    const orders: Array<{ profile: 'illumina' | 'marker' | 'trickle'; run: GeneratedRun; runId: string }> = [
      { profile: 'illumina', run, runId: RUN_ID },
      { profile: 'marker', run, runId: MARKER_RUN_ID },
      ...(trickleRun ? [{ profile: 'trickle' as const, run: trickleRun, runId: TRICKLE_RUN_ID }] : []),
    ];
    // The bus log read as it grows: parsing it whole four times a second took CPU beside the runtime measured.
    const newEvents = followBusLog(stateDir);
    const logged: LoggedEvent[] = [];
    try {
      for (const { profile, run: source, runId } of orders) {
        const folder = path.join(runtime.info.shareDir, TEAM, runId);
        await mkdir(folder, { recursive: true });
        const fastqBytes = fastqBytesOf(source);
        const totalBytes = source.files.reduce((total, file) => total + file.size, 0);
        // The trickle's rate spreads the whole run over its duration; the other two copy at the share's rate.
        const bytesPerMs = profile === 'trickle' ? totalBytes / (trickleSeconds * 1000) : (mbps * 1e6) / 1000;
        const writing =
          profile === 'marker'
            ? await writeSampleBySample(source, folder, bytesPerMs)
            : await writeRunThenMarker(source, folder, bytesPerMs);
        const rate = `${((bytesPerMs * 1000) / 1e6).toFixed(profile === 'trickle' ? 1 : 0)} MB/s`;
        context.log(`  ${profile}: wrote ${(fastqBytes / 1e6).toFixed(0)} MB of FASTQ into the share in ${writing.writeMs} ms (${rate})`);
        const count = source.samples.length;
        const events = await until(
          `${count} "Workflow Started" of ${runId}`,
          async () => {
            logged.push(...(await newEvents()));
            const ofRun = logged.filter((event) => runIdOfEvent(event) === runId);
            return ofRun.filter((event) => event['detail-type'] === 'Workflow Started').length >= count ? ofRun : undefined;
          },
          10 * 60_000,
          250,
        );
        rows.push(...latencyRows(profile, source, events, writing, `${(fastqBytes / 1e6).toFixed(0)} MB FASTQ at ${rate}`));
      }
    } finally {
      await runtime.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
    return rows;
  },
};

const fastqBytesOf = (run: GeneratedRun) => run.files.filter((file) => file.kind === 'fastq').reduce((total, file) => total + file.size, 0);

/** Copies `source` to `target`, then waits until the bytes written so far match the rate since `start`. */
async function pacedCopy(
  source: string,
  target: string,
  bytes: number,
  pace: { start: number; written: number; bytesPerMs: number },
): Promise<void> {
  await copyFile(source, target);
  pace.written += bytes;
  const due = pace.start + pace.written / pace.bytesPerMs;
  if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
}

/** Illumina order: sample sheet, every FASTQ, RTAComplete.txt, then CopyComplete.txt (which completes every sample). */
async function writeRunThenMarker(run: GeneratedRun, folder: string, bytesPerMs: number): Promise<Written> {
  const pace = { start: Date.now(), written: 0, bytesPerMs };
  for (const file of run.files) await pacedCopy(file.path, path.join(folder, file.name), file.size, pace);
  const closedAt = Date.now(); // CopyComplete.txt is the last file: copied and closed
  return { completedAt: new Map(run.samples.map((sample) => [sample.sampleId, closedAt])), writeMs: closedAt - pace.start };
}

/** Marker order: the sample sheet, then per sample its FASTQs and its own `<sample>.complete`. */
async function writeSampleBySample(run: GeneratedRun, folder: string, bytesPerMs: number): Promise<Written> {
  const pace = { start: Date.now(), written: 0, bytesPerMs };
  const completedAt = new Map<string, number>();
  for (const file of run.files.filter((candidate) => candidate.kind === 'samplesheet'))
    await pacedCopy(file.path, path.join(folder, file.name), file.size, pace);
  for (const sample of run.samples) {
    for (const fastq of sample.fastqs) {
      const file = run.files.find((candidate) => candidate.path === fastq.path)!;
      await pacedCopy(file.path, path.join(folder, file.name), file.size, pace);
    }
    await writeFile(path.join(folder, `${sample.sampleId}.complete`), '');
    completedAt.set(sample.sampleId, Date.now());
  }
  return { completedAt, writeMs: Date.now() - pace.start };
}

function latencyRows(profile: string, run: GeneratedRun, events: LoggedEvent[], written: Written, writeDescription: string): BenchRow[] {
  const firstAt = (type: string, sampleId: string) => {
    const found = events.find((event) => event['detail-type'] === type && event.detail.sampleId === sampleId);
    if (!found) throw new Error(`bench landing-latency: no "${type}" for ${sampleId} (${profile})`);
    return Date.parse(found.time);
  };
  // The gateway upload of the marker that completes a sample: its own `<sample>.complete`, or the run's CopyComplete.txt.
  const markerUploadedAt = (sampleId: string) => {
    const marker = `/${profile === 'marker' ? `${sampleId}.complete` : 'CopyComplete.txt'}`;
    const found = events.find(
      (event) => event['detail-type'] === 'Storage Gateway Object Upload Event' && String(event.detail['object-key']).endsWith(marker),
    );
    if (!found) throw new Error(`bench landing-latency: no gateway upload of ${marker.slice(1)} for ${sampleId} (${profile})`);
    return Date.parse(found.time);
  };
  const latency: number[] = [];
  // Where each sample's window went, so a miss says which part grew: the share (settle window, landing, a marker
  // waiting for the files before it), the run's evaluation announcing the sample, its validation, its start.
  const parts = { share: [] as number[], announced: [] as number[], validation: [] as number[], start: [] as number[] };
  for (const { sampleId } of run.samples) {
    const closed = written.completedAt.get(sampleId)!;
    const [uploaded, landed, cataloged, started] = [
      markerUploadedAt(sampleId),
      firstAt('Sample Landed', sampleId),
      firstAt('Sample Cataloged', sampleId),
      firstAt('Workflow Started', sampleId),
    ];
    latency.push(started - closed);
    parts.share.push(uploaded - closed);
    parts.announced.push(landed - uploaded);
    parts.validation.push(cataloged - landed);
    parts.start.push(started - cataloged);
  }
  const part = (name: string, values: number[]): BenchRow => ({
    name: `${profile}: ${name}, p50 / max`,
    value: percentile(values, 50),
    unit: 'ms',
    target: '',
    note: `max ${Math.max(...values)} ms`,
  });
  const bound = BENCH_SETTLE_MS + 1000;
  const max = Math.max(...latency);
  const signal = profile === 'marker' ? '<sample>.complete closed' : 'CopyComplete.txt closed';
  // The run's last file landed: its last gateway upload (the watcher lands a file once it settled).
  const lastAt = (type: string) =>
    Math.max(...events.filter((event) => event['detail-type'] === type).map((event) => Date.parse(event.time)));
  const lastLandedToLastStarted = lastAt('Workflow Started') - lastAt('Storage Gateway Object Upload Event');
  return [
    {
      name: `${profile}: ${signal} → execution started, p50 (${run.samples.length} samples)`,
      value: percentile(latency, 50),
      unit: 'ms',
      target: '',
    },
    { name: `${profile}: … p95`, value: percentile(latency, 95), unit: 'ms', target: '' },
    {
      name: `${profile}: … max`,
      value: max,
      unit: 'ms',
      target: `< ${bound}`,
      ok: max < bound,
      note: `settle ${BENCH_SETTLE_MS} ms + 1 s`,
    },
    part("the marker's landing inside that window (closed → its gateway upload)", parts.share),
    part('the announcement inside that window (that upload → Sample Landed)', parts.announced),
    part('validation inside that window (Sample Landed → Cataloged)', parts.validation),
    part('the start inside that window (Sample Cataloged → Workflow Started)', parts.start),
    {
      name: `${profile}: the run's last file landed → its last execution started`,
      value: lastLandedToLastStarted,
      unit: 'ms',
      target: '',
    },
    {
      name: `${profile}: share write of the run (${writeDescription})`,
      value: written.writeMs,
      unit: 'ms',
      target: '',
    },
  ];
}
