/**
 * `cli-start`: how long the `landfall` command takes as a whole process, as a person runs it (the `bin` of
 * package.json, started through its own first line), beside `node -e 0` as the floor: `--help`, `validate` on a
 * 4,000-read file and `status` against a live runtime. Every contender runs once per round, in an order that
 * rotates each round, and the figures are medians of at least 5 rounds. When `bin` is the compiled build, the
 * same commands also run from the TypeScript sources through tsx (how development runs them), side by side.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { writeFastqGz } from './fastqGenerator.ts';
import { installedCommand, projectRoot, startLiveRuntime } from './liveRuntime.ts';
import type { BenchModule, BenchRow } from './types.ts';

/** Reads in the file `validate` checks: a small sample, so the figure is mostly the start. */
const VALIDATE_READS = 4_000;
/** The issue asks for medians of 5 whole-process runs at least. */
const MIN_ROUNDS = 5;

/** Milliseconds from spawn to exit of one whole process; a non-zero exit is an error naming the command. */
function timeProcess(argv: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LANDFALL_TOKEN: '' } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(performance.now() - started)
        : reject(new Error(`${argv.join(' ')} exited with ${code}: ${stderr.slice(0, 400)}`)),
    );
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const round2 = (ms: number) => round(ms / 1000);

export const cliStartBench: BenchModule = {
  name: 'cli-start',
  description: 'landfall as a whole process: --help, validate (4,000 reads), status on a live runtime, beside node -e 0',
  async run(context) {
    const rounds = Math.max(MIN_ROUNDS, context.runs);
    await mkdir(context.cacheDir, { recursive: true });
    const fastq = path.join(context.cacheDir, `cli-start-${VALIDATE_READS}.fastq.gz`);
    if (!(await stat(fastq).catch(() => undefined))) await writeFastqGz(fastq, { reads: VALIDATE_READS });

    const installed = installedCommand();
    const fromSources = path.join(projectRoot, 'cli/landfall.ts');
    const variants = [{ label: 'landfall', argv: [installed] }];
    if (installed !== fromSources) variants.push({ label: 'from sources (tsx)', argv: [process.execPath, '--import', 'tsx', fromSources] });

    const stateDir = await mkdtemp(path.join(tmpdir(), 'landfall-bench-cli-'));
    const load = [loadavg()[0]!];
    const runtime = await startLiveRuntime(stateDir);
    try {
      const contenders: Array<{ key: string; argv: string[] }> = [{ key: 'node -e 0', argv: [process.execPath, '-e', '0'] }];
      for (const variant of variants) {
        contenders.push(
          { key: `${variant.label} --help`, argv: [...variant.argv, '--help'] },
          { key: `${variant.label} validate`, argv: [...variant.argv, 'validate', fastq] },
          { key: `${variant.label} status`, argv: [...variant.argv, 'status', '--state-dir', stateDir] },
        );
      }
      const times = new Map<string, number[]>(contenders.map((contender) => [contender.key, []]));
      // One unmeasured pass warms the page cache (and tsx's transform cache) for every contender alike.
      for (const contender of contenders) await timeProcess(contender.argv, projectRoot);
      for (let round = 0; round < rounds; round++) {
        for (let i = 0; i < contenders.length; i++) {
          const contender = contenders[(round + i) % contenders.length]!;
          times.get(contender.key)!.push(await timeProcess(contender.argv, projectRoot));
        }
        load.push(loadavg()[0]!);
        context.log(
          `  round ${round + 1}/${rounds}: ${contenders.map((c) => `${c.key} ${round2(times.get(c.key)!.at(-1)!)} s`).join(', ')}`,
        );
      }
      const seconds = (key: string) => median(times.get(key)!) / 1000;
      const floor = seconds('node -e 0');
      const rows: BenchRow[] = [{ name: `node -e 0, the floor (median of ${rounds})`, value: round(floor), unit: 's', target: '' }];
      variants.forEach((variant, index) => {
        const help = seconds(`${variant.label} --help`);
        const status = seconds(`${variant.label} status`);
        const targets = index === 0;
        rows.push(
          {
            name: `${variant.label} --help`,
            value: round(help),
            unit: 's',
            target: targets ? '≤ 0.30' : '',
            ...(targets && { ok: help <= 0.3 }),
          },
          {
            name: `${variant.label} --help / node -e 0`,
            value: round(help / floor),
            unit: '×',
            target: targets ? '≤ 3.00' : '',
            ...(targets && { ok: help / floor <= 3 }),
          },
          {
            name: `${variant.label} validate, ${VALIDATE_READS.toLocaleString('en')} reads`,
            value: round(seconds(`${variant.label} validate`)),
            unit: 's',
            target: '',
          },
          {
            name: `${variant.label} status, live runtime`,
            value: round(status),
            unit: 's',
            target: targets ? '≤ 0.50' : '',
            ...(targets && { ok: status <= 0.5 }),
          },
        );
      });
      rows.push({
        name: 'load average (1 min) during the rounds: min / median / max',
        value: null,
        unit: '',
        target: '',
        note: `${round(Math.min(...load))} / ${round(median(load))} / ${round(Math.max(...load))} (the targets are for an idle machine)`,
      });
      return rows;
    } finally {
      await runtime.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  },
};
