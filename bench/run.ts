/**
 * `npm run bench [-- --json] [--skip-large] [--runs N] [--only NAME] [--strict]`
 * (`LANDFALL_BENCH_SKIP_LARGE=1` skips the large cases too: generating the 2 GB input takes minutes once.)
 *
 * Runs every benchmark module listed below and prints each figure beside its target. Benchmarks are
 * measured here and never asserted in tests: timings on shared machines are too noisy for that.
 * `--json` also writes `bench/results/<timestamp>.json`; `--strict` exits 1 when a target is missed.
 * To add a benchmark, write a module exporting a {@link BenchModule} and list it in MODULES.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatTable } from '../cli/output.ts';
import type { BenchModule, BenchRow } from './types.ts';
import { dashboardBench } from './dashboard.ts';
import { idleToZeroBench } from './idleToZero.ts';
import { placementBench } from './placement.ts';
import { validationBench } from './validation.ts';

const MODULES: BenchModule[] = [validationBench, placementBench, dashboardBench, idleToZeroBench];

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
  const large = !values['skip-large'] && process.env.LANDFALL_BENCH_SKIP_LARGE !== '1';
  const context = { cacheDir: here('./.cache'), runs, large, log: (line: string) => process.stderr.write(`${line}\n`) };
  const results: Array<{ module: string; description: string; rows: BenchRow[] }> = [];
  for (const module of modules) {
    context.log(`bench ${module.name}: ${module.description}`);
    const rows = await module.run(context);
    results.push({ module: module.name, description: module.description, rows });
    const table = rows.map((row) => [
      row.name,
      row.value === null ? '—' : `${row.value} ${row.unit}`,
      row.target ? `${row.target} ${row.unit}` : '',
      row.ok === undefined ? (row.note ?? '') : row.ok ? 'ok' : 'MISSED',
    ]);
    process.stdout.write(`\n${module.name}\n${formatTable(['figure', 'value', 'target', ''], table)}\n`);
  }
  const machine = { node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown' };
  process.stdout.write(`\n(${machine.cpus} CPUs, ${machine.cpu}, Node ${machine.node})\n`);
  if (values.json) {
    const dir = here('./results');
    await mkdir(dir, { recursive: true });
    const file = `${dir}/${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), machine, runs, results }, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  }
  const missed = results.flatMap((result) => result.rows).filter((row) => row.ok === false);
  return values.strict && missed.length > 0 ? 1 : 0;
}

process.exitCode = await main();
