import type { FaultCase } from './faultCatalog.ts';

/** The part of vitest's JSON report (`--reporter=json`) the summary reads. */
export interface VitestJsonReport {
  startTime: number;
  testResults: Array<{
    name: string;
    startTime?: number;
    endTime?: number;
    assertionResults: Array<{ fullName: string; status: string; duration?: number | null; failureMessages?: string[] }>;
  }>;
}

export interface FaultRow {
  fault: string;
  file: string;
  tests: number;
  passed: number;
  /** Wall time of the tests named for the fault. */
  seconds: number;
  /** Wall time of the whole test file, including the live runtime it starts and its beforeAll (where some faults are injected). */
  fileSeconds: number;
  survived: boolean;
  /** Why it did not survive: no matching test ran, or the first failure message. */
  problem?: string;
}

/** One row per injected fault: survived when every test named for it ran and passed (and at least one ran). */
export function summarizeFaults(report: VitestJsonReport, catalog: FaultCase[], projectRoot: string): FaultRow[] {
  // Files run one after another: a file's wall time (its live runtime's start and beforeAll included) runs
  // from the end of the file before it (or the start of the run) to its own end.
  const ends = report.testResults.map((result) => result.endTime ?? 0).sort((a, b) => a - b);
  const wallSeconds = (endTime: number | undefined) =>
    endTime === undefined ? 0 : (endTime - Math.max(report.startTime, ...ends.filter((end) => end < endTime))) / 1000;
  return catalog.map((fault) => {
    const file = report.testResults.find((result) => result.name === `${projectRoot}/${fault.file}`);
    const matched = (file?.assertionResults ?? []).filter((test) => fault.tests.some((name) => test.fullName.startsWith(name)));
    const missing = fault.tests.filter((name) => !matched.some((test) => test.fullName.startsWith(name)));
    const failed = matched.filter((test) => test.status !== 'passed');
    const problem = !file
      ? `${fault.file} did not run`
      : missing.length > 0
        ? `no test named "${missing[0]}" in ${fault.file}`
        : failed.length > 0
          ? `${failed[0]!.fullName}: ${failed[0]!.status}${failed[0]!.failureMessages?.[0] ? ` — ${failed[0]!.failureMessages[0].split('\n')[0]}` : ''}`
          : undefined;
    return {
      fault: fault.fault,
      file: fault.file,
      tests: matched.length,
      passed: matched.length - failed.length,
      seconds: matched.reduce((sum, test) => sum + (test.duration ?? 0), 0) / 1000,
      fileSeconds: wallSeconds(file?.endTime),
      survived: problem === undefined,
      ...(problem !== undefined && { problem }),
    };
  });
}

/** A plain-text table: fault, test file, tests passed/run, test and file seconds, SURVIVED or NOT SURVIVED, then totals. */
export function formatFaultTable(rows: FaultRow[], suiteSeconds: number): string {
  const header = ['#', 'fault injected', 'test file', 'tests', 'test s', 'file s', 'result'];
  const body = rows.map((row, index) => [
    String(index + 1),
    row.fault,
    row.file,
    `${row.passed}/${row.tests}`,
    row.seconds.toFixed(1),
    row.fileSeconds.toFixed(1),
    row.survived ? 'SURVIVED' : 'NOT SURVIVED',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => cells[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const survived = rows.filter((row) => row.survived).length;
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...body.map(line),
    '',
    `faults injected: ${rows.length}, survived: ${survived}, not survived: ${rows.length - survived}; fault suite ${suiteSeconds.toFixed(0)} s`,
    ...rows.filter((row) => row.problem).map((row) => `NOT SURVIVED: ${row.fault}: ${row.problem}`),
  ].join('\n');
}
