import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFastqGz } from './fastqGenerator.ts';
import { installedCommand } from './liveRuntime.ts';
import type { BenchContext, BenchModule, BenchRow } from './types.ts';

const BARE_PASS = fileURLToPath(new URL('./barePass.mjs', import.meta.url));

/** 2.1 M reads × 150 bp: about 330 MB gzip-compressed, 770 MB of FASTQ (the issue asks for ≥ 300 MB). */
const DEFAULT_READS = 2_100_000;
/** About 2.1 GB compressed, for the peak-RSS case (skipped with `--skip-large`). */
const LARGE_READS = 13_500_000;

const MB = 1024 * 1024;

interface PassResult {
  ms: number;
  peakRssMb: number;
  result: { md5: string; reads: number; reasons: unknown[] };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

function which(command: string): Promise<boolean> {
  return new Promise((resolve) => execFile('sh', ['-c', `command -v ${command}`], (error) => resolve(!error)));
}

/** The process's peak resident set so far (VmHWM), or 0 once it has gone. */
async function peakRssMbOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : 0;
}

/**
 * One whole process, from spawn to exit, as a person runs it: wall time, its stdout, and its peak RSS (VmHWM,
 * sampled every 20 ms while it runs: the high-water mark only grows, so the last sample is within 20 ms of the end).
 */
function wholeProcess(argv: string[]): Promise<{ ms: number; stdout: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peakRssMb = 0;
    const sampler = setInterval(() => {
      if (child.pid) void peakRssMbOf(child.pid).then((mb) => (peakRssMb = Math.max(peakRssMb, mb)));
    }, 20);
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', (error) => {
      clearInterval(sampler);
      reject(error);
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      clearInterval(sampler);
      if (code !== 0) reject(new Error(`${argv.join(' ')} exited with ${code}: ${stderr.slice(0, 400)}`));
      else resolve({ ms, stdout, peakRssMb });
    });
  });
}

/** `landfall validate <file> --json` as installed (package.json bin, started through its #! line). */
async function validateWithCli(path: string): Promise<PassResult> {
  const run = await wholeProcess([installedCommand(), 'validate', path, '--json']);
  const verdict = JSON.parse(run.stdout) as { files: Array<{ md5: string; stats: { reads: number } | null; reasons: unknown[] }> };
  const file = verdict.files[0]!;
  return { ms: run.ms, peakRssMb: run.peakRssMb, result: { md5: file.md5, reads: file.stats?.reads ?? 0, reasons: file.reasons } };
}

/** The bare pass as a whole Node process (plain JavaScript, so no start-up work beyond Node's own). */
async function barePass(path: string): Promise<PassResult> {
  const run = await wholeProcess([process.execPath, BARE_PASS, path]);
  const result = JSON.parse(run.stdout) as { md5: string; reads: number };
  return { ms: run.ms, peakRssMb: run.peakRssMb, result: { ...result, reasons: [] } };
}

/** Wall time of `seqkit stats -a -j 2` (its start-up is a few milliseconds). */
function seqkit(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('seqkit', ['stats', '-a', '-j', '2', path], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`seqkit exited with ${code}: ${stderr}`)),
    );
  });
}

async function ensureFixture(context: BenchContext, reads: number): Promise<string> {
  await mkdir(context.cacheDir, { recursive: true });
  const path = join(context.cacheDir, `reads-${reads}.fastq.gz`);
  const existing = await stat(path).catch(() => undefined);
  if (existing) return path;
  const pigz = await which('pigz');
  context.log(`generating ${path} (${reads.toLocaleString('en')} reads × 150 bp, ${pigz ? 'pigz' : 'zlib'}) — once, it is cached`);
  const started = performance.now();
  await writeFastqGz(path, { reads, pigz });
  context.log(`  ${round((await stat(path)).size / MB, 0)} MB in ${round((performance.now() - started) / 1000, 1)} s`);
  return path;
}

function check(pass: PassResult, reads: number, what: string): void {
  if (pass.result.reads !== reads || pass.result.reasons.length > 0) {
    throw new Error(
      `${what} did not read the fixture correctly: ${pass.result.reads} reads, reasons ${JSON.stringify(pass.result.reasons).slice(0, 300)}`,
    );
  }
}

/**
 * `landfall validate` as a user runs it (the installed bin, one whole process: start, config, validation,
 * output) against the practical limit (a bare gunzip + MD5 + newline-count pass, also a whole Node process)
 * and against `seqkit stats -a -j 2`, medians of interleaved runs on a ≥ 300 MB .fastq.gz, plus the CLI
 * process's peak RSS, on a 2 GB file too unless `--skip-large`.
 */
export const validationBench: BenchModule = {
  name: 'validation',
  description: 'landfall validate as a whole process: time vs a bare stream pass and seqkit, peak RSS',
  async run(context) {
    const path = await ensureFixture(context, DEFAULT_READS);
    const size = (await stat(path)).size;
    const hasSeqkit = await which('seqkit');
    if (!hasSeqkit) context.log('seqkit is not installed (apt-get install seqkit): the seqkit comparison is skipped');
    const times = { validate: [] as number[], bare: [] as number[], seqkit: [] as number[] };
    let peakRss = 0;
    const contenders: Record<'validate' | 'bare' | 'seqkit', () => Promise<void>> = {
      validate: async () => {
        const validated = await validateWithCli(path);
        check(validated, DEFAULT_READS, 'the validator');
        times.validate.push(validated.ms);
        peakRss = Math.max(peakRss, validated.peakRssMb);
      },
      bare: async () => {
        const bare = await barePass(path);
        check(bare, DEFAULT_READS, 'the bare pass');
        times.bare.push(bare.ms);
      },
      seqkit: async () => {
        if (hasSeqkit) times.seqkit.push(await seqkit(path));
      },
    };
    const order = ['validate', 'bare', 'seqkit'] as const;
    const load = [loadavg()[0]!];
    for (let run = 1; run <= context.runs; run++) {
      // Interleaved, and the order rotates each run, so a slow minute on a shared machine (or the
      // page cache warming) hurts every contender alike.
      for (let i = 0; i < order.length; i++) await contenders[order[(run - 1 + i) % order.length]!]();
      load.push(loadavg()[0]!);
      context.log(
        `  run ${run}/${context.runs}: validator ${round(times.validate.at(-1)! / 1000)} s, bare ${round(times.bare.at(-1)! / 1000)} s${hasSeqkit ? `, seqkit ${round(times.seqkit.at(-1)! / 1000)} s` : ''}`,
      );
    }
    const validator = median(times.validate) / 1000;
    const bare = median(times.bare) / 1000;
    const rows: BenchRow[] = [
      {
        name: `input: ${round(size / MB, 0)} MB .fastq.gz, ${DEFAULT_READS.toLocaleString('en')} reads`,
        value: round(size / MB, 0),
        unit: 'MB',
        target: '≥ 300',
        ok: size >= 300 * 1000 * 1000,
      },
      { name: `landfall validate, whole process (median of ${context.runs})`, value: round(validator), unit: 's', target: '' },
      { name: `bare pass: gunzip + MD5 + newlines, whole process (median of ${context.runs})`, value: round(bare), unit: 's', target: '' },
      { name: 'validator / bare pass', value: round(validator / bare), unit: '×', target: '≤ 1.20', ok: validator / bare <= 1.2 },
      { name: 'validator throughput (stored bytes)', value: round(size / MB / validator, 0), unit: 'MB/s', target: '' },
    ];
    if (hasSeqkit) {
      const seqkitSeconds = median(times.seqkit) / 1000;
      rows.push(
        { name: `seqkit stats -a -j 2 (median of ${context.runs})`, value: round(seqkitSeconds), unit: 's', target: '' },
        {
          name: 'seqkit / validator (speed-up)',
          value: round(seqkitSeconds / validator),
          unit: '×',
          target: '≥ 1.50',
          ok: seqkitSeconds / validator >= 1.5,
        },
      );
    } else {
      rows.push({
        name: 'seqkit / validator (speed-up)',
        value: null,
        unit: '×',
        target: '≥ 1.50',
        note: 'seqkit not installed (apt-get install seqkit)',
      });
    }
    rows.push({
      name: 'load average (1 min) during the runs: min / max',
      value: null,
      unit: '',
      target: '',
      note: `${round(Math.min(...load))} / ${round(Math.max(...load))} (the targets are for an idle machine)`,
    });
    rows.push({
      name: `landfall validate peak RSS, ${round(size / MB, 0)} MB file`,
      value: round(peakRss, 0),
      unit: 'MB',
      target: '< 200',
      ok: peakRss < 200,
    });
    if (context.large) {
      const large = await ensureFixture(context, LARGE_READS);
      const largeSize = (await stat(large)).size;
      const pass = await validateWithCli(large);
      check(pass, LARGE_READS, 'the validator (large file)');
      context.log(`  large: ${round(largeSize / MB, 0)} MB in ${round(pass.ms / 1000)} s, peak RSS ${round(pass.peakRssMb, 0)} MB`);
      rows.push({
        name: `landfall validate peak RSS, ${round(largeSize / MB, 0)} MB file`,
        value: round(pass.peakRssMb, 0),
        unit: 'MB',
        target: '< 200',
        ok: pass.peakRssMb < 200,
      });
    } else {
      rows.push({
        name: 'landfall validate peak RSS, 2 GB file',
        value: null,
        unit: 'MB',
        target: '< 200',
        note: 'skipped (--skip-large or LANDFALL_BENCH_SKIP_LARGE=1)',
      });
    }
    return rows;
  },
};
