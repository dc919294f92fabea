/** The fault summary: a fault survives only when every test named for it ran and passed. */
import { describe, expect, it } from 'vitest';
import type { FaultCase } from './faultCatalog.ts';
import { formatFaultTable, summarizeFaults, type VitestJsonReport } from './faultSummary.ts';

const catalog: FaultCase[] = [
  { fault: 'storm', file: 'test/a.test.ts', tests: ['a storm'] },
  { fault: 'crash', file: 'test/a.test.ts', tests: ['a crash one', 'a crash two'] },
  { fault: 'region down', file: 'test/b.test.ts', tests: ['b region'] },
  { fault: 'renamed', file: 'test/a.test.ts', tests: ['a gone'] },
];
const report: VitestJsonReport = {
  startTime: 500,
  testResults: [
    {
      name: '/root/test/a.test.ts',
      startTime: 1000,
      endTime: 6000,
      assertionResults: [
        { fullName: 'a storm survives', status: 'passed', duration: 1500 },
        { fullName: 'a crash one', status: 'passed', duration: 1000 },
        { fullName: 'a crash two', status: 'failed', duration: 500, failureMessages: ['AssertionError: expected 2 to be 1\n  at x'] },
      ],
    },
  ],
};

describe('summarizeFaults', () => {
  it('marks a fault survived only when all its tests ran and passed, and says why not otherwise', () => {
    // Act
    const rows = summarizeFaults(report, catalog, '/root');
    // Assess
    expect(rows.map((row) => [row.fault, row.survived, `${row.passed}/${row.tests}`])).toEqual([
      ['storm', true, '1/1'],
      ['crash', false, '1/2'],
      ['region down', false, '0/0'],
      ['renamed', false, '0/0'],
    ]);
    expect(rows[1]!.problem).toBe('a crash two: failed — AssertionError: expected 2 to be 1');
    expect(rows[2]!.problem).toBe('test/b.test.ts did not run');
    expect(rows[3]!.problem).toBe('no test named "a gone" in test/a.test.ts');
    expect([rows[0]!.seconds, rows[0]!.fileSeconds]).toEqual([1.5, 5.5]); // from the run's start to the file's end
  });

  it('prints one row per fault and the survived count', () => {
    // Act
    const table = formatFaultTable(summarizeFaults(report, catalog, '/root'), 42);
    // Assess
    expect(table.split('\n').filter((line) => / (SURVIVED|NOT SURVIVED)$/.test(line))).toHaveLength(4);
    expect(table).toContain('faults injected: 4, survived: 1, not survived: 3; fault suite 42 s');
    expect(table).toContain('NOT SURVIVED: crash: a crash two: failed');
  });
});
