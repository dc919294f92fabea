/**
 * `npm run bench [-- --json] [--skip-large] [--runs N] [--only NAME] [--strict]`
 * (`LANDFALL_BENCH_SKIP_LARGE=1` skips the large cases too: generating the 2 GB input takes minutes once.)
 *
 * Runs every benchmark module listed below and prints each figure beside its target. Benchmarks are
 * measured here and never asserted in tests: timings on shared machines are too noisy for that.
 * `--json` also writes `bench/results/<timestamp>.json`; `--strict` exits 1 when a target is missed.
 * To add a benchmark, write a module exporting a {@link BenchModule} and list it in MODULES.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable } from '../cli/output.ts';
import type { BenchModule, BenchRow } from './types.ts';
import { dashboardBench } from './dashboard.ts';
import { idleToZeroBench } from './idleToZero.ts';
import { burstBench } from './burst.ts';
import { cliStartBench } from './cliStart.ts';
import { landingLatencyBench } from './landingLatency.ts';
import { pipelineOverheadBench } from './pipelineOverhead.ts';
import { placementBench } from './placement.ts';
import { soakBench } from './soak.ts';
import { validationBench } from './validation.ts';

// burst after idle-to-zero: it runs a second in-process embedded runtime after idle-to-zero's has stopped. soak
// last: a child-process runtime of its own, measured against its own idle baseline.
const MODULES: BenchModule[] = [
  validationBench,
  cliStartBench,
  landingLatencyBench,
  placementBench,
  dashboardBench,
  idleToZeroBench,
  pipelineOverheadBench,
  burstBench,
  soakBench,
];

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      'skip-large': { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      runs: { type: 'string', default: '3' },
      only: { type: 'string' },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 3) {
    process.stderr.write('bench: --runs must be a whole number ≥ 3 (medians of fewer runs mean little)\n');
    return 2;
  }
  const modules = MODULES.filter((module) => !values.only || module.name === values.only);
  if (modules.length === 0) {
    process.stderr.write(`bench: no module ${JSON.stringify(values.only)} (modules: ${MODULES.map((m) => m.name).join(', ')})\n`);
    return 2;
  }
  // The bench runs `landfall` as installed (package.json bin, the compiled build): current with the sources first.
  const build = spawnSync(process.execPath, ['--import', 'tsx', here('../scripts/build.ts'), '--if-stale'], { stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write('bench: npm run build failed\n');
    return 2;
  }
  const large = !values['skip-large'] && process.env.LANDFALL_BENCH_SKIP_LARGE !== '1';
  const context = { cacheDir: here('./.cache'), runs, large, log: (line: string) => process.stderr.write(`${line}\n`) };
  const results: Array<{ module: string; description: string; seconds: number; rows: BenchRow[] }> = [];
  const benchStart = Date.now();
  for (const module of modules) {
    context.log(`bench ${module.name}: ${module.description}`);
    const moduleStart = Date.now();
    let rows: BenchRow[];
    try {
      rows = await module.run(context);
    } catch (error) {
      // One broken module must not hide the figures of the others: its row says what went wrong.
      context.log(`bench ${module.name} failed: ${(error as Error).stack ?? String(error)}`);
      rows = [
        {
          name: 'FAILED',
          value: null,
          unit: '',
          target: '',
          ok: false,
          note: String((error as Error).message ?? error)
            .split('\n')[0]!
            .slice(0, 120),
        },
      ];
    }
    const seconds = Math.round((Date.now() - moduleStart) / 1000);
    results.push({ module: module.name, description: module.description, seconds, rows });
    context.log(`bench ${module.name}: done in ${seconds} s`);
  }
  const totalSeconds = Math.round((Date.now() - benchStart) / 1000);
  // ONE table: every figure of every module beside its target.
  const table = results.flatMap((result) => [
    ...result.rows.map((row, index) => [
      index === 0 ? result.module : '',
      row.name,
      row.value === null ? '—' : `${row.value} ${row.unit}`.trim(),
      row.target ? `${row.target} ${row.unit}`.trim() : '',
      row.ok === undefined ? (row.note ?? '') : `${row.ok ? 'ok' : 'MISSED'}${row.note ? ` (${row.note})` : ''}`,
    ]),
  ]);
  table.push([
    'total',
    `whole bench (${results.map((result) => `${result.module} ${result.seconds} s`).join(', ')})`,
    `${totalSeconds} s`,
    '< 1200 s',
    totalSeconds < 1200 ? 'ok' : 'MISSED',
  ]);
  process.stdout.write(`\n${formatTable(['module', 'figure', 'value', 'target', ''], table)}\n`);
  const machine = { node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' };
  process.stdout.write(`\n(${machine.cpus} CPUs, ${machine.cpu}, Node ${machine.node})\n`);
  if (values.json) {
    const dir = here('./results');
    await mkdir(dir, { recursive: true });
    const file = `${dir}/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), machine, runs, totalSeconds, results }, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  }
  const missed = results.flatMap((result) => result.rows).filter((row) => row.ok === false);
  return values.strict && missed.length > 0 ? 1 : 0;
}

// Ctrl-C or SIGTERM: exit through 'exit', where each live runtime the bench started is killed with it.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
process.exitCode = await main();
