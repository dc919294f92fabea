/**
 * `npm run test:faults`: runs every test file of the fault catalog with vitest (files one at a time, as
 * vitest.config.ts says), then prints the table of faults injected vs survived. Exits non-zero when a fault
 * was not survived or a test failed. Extra vitest arguments are passed through.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { faultCatalog } from './faultCatalog.ts';
import { formatFaultTable, summarizeFaults, type VitestJsonReport } from './faultSummary.ts';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const files = [...new Set(faultCatalog.map((fault) => fault.file))];
const dir = mkdtempSync(path.join(os.tmpdir(), 'landfall-faults-'));
const jsonFile = path.join(dir, 'vitest.json');
const started = Date.now();
const vitest = spawnSync(
  process.execPath,
  [
    path.join(projectRoot, 'node_modules/vitest/vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${jsonFile}`,
    ...process.argv.slice(2),
    ...files,
  ],
  { cwd: projectRoot, stdio: 'inherit' },
);
const suiteSeconds = (Date.now() - started) / 1000;
let report: VitestJsonReport;
try {
  report = JSON.parse(readFileSync(jsonFile, 'utf8')) as VitestJsonReport;
} catch (error) {
  process.stderr.write(
    `test:faults: vitest wrote no JSON report (${error instanceof Error ? error.message : String(error)}); vitest exited with ${vitest.status ?? vitest.signal}\n`,
  );
  process.exit(1);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const rows = summarizeFaults(report, faultCatalog, projectRoot);
process.stdout.write(`\nFault injection summary\n\n${formatFaultTable(rows, suiteSeconds)}\n`);
process.exit(vitest.status === 0 && rows.every((row) => row.survived) ? 0 : 1);
