/**
 * The command line's own manners (issue 19): `--version`, a subcommand's flag error pointing to that
 * subcommand's help, option help naming the values, hints as the README writes them, and plain figures.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { counted, formatDuration, formatUsd } from '../../cli/output.ts';
import { SAMPLE_STATUS_HELP } from '../../cli/program.ts';
import { SAMPLE_STATUSES } from '../../functions/catalog/types.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const landfall = (...args: string[]) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'cli/landfall.ts'), ...args],
      { cwd: ROOT },
      (_error, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });

describe('landfall command line', () => {
  it('prints its version', async () => {
    // Act
    const result = await landfall('--version');
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it("points a subcommand's flag error to that subcommand's help", async () => {
    // Act
    const result = await landfall('samples', '--bogus');
    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown option '--bogus'");
    expect(result.stderr).toContain('(npx landfall samples --help lists its options)');
  });

  it('describes --team, --run and --status, with the status values', async () => {
    // Act
    const samples = await landfall('samples', '--help');
    const runs = await landfall('runs', '--help');
    // Assess
    expect(samples.stdout).toMatch(/--team <team> +only this team/);
    expect(samples.stdout).toMatch(/--run <run> +only this run/);
    expect(samples.stdout.replace(/\s+/g, ' ')).toContain(`only samples in this status: ${SAMPLE_STATUS_HELP}`);
    expect(runs.stdout.replace(/\s+/g, ' ')).toContain('only runs in this status: RECEIVING, INCOMPLETE, COMPLETE, PROCESSING, DONE');
    expect(SAMPLE_STATUS_HELP.split(', ')).toEqual([...SAMPLE_STATUSES]);
  });

  it.each([
    { case: 'one', value: counted(1, 'file'), expected: '1 file' },
    { case: 'many', value: counted(3, 'sample'), expected: '3 samples' },
    { case: 'zero', value: counted(0, 'job'), expected: '0 jobs' },
    { case: 'a tiny cost', value: formatUsd(0.000123), expected: '$0.00012' },
    { case: 'cents', value: formatUsd(0.1036), expected: '$0.10' },
    { case: 'no cost', value: formatUsd(0), expected: '$0.00' },
    { case: 'seconds', value: formatDuration(45), expected: '45 s' },
    { case: 'minutes', value: formatDuration(725), expected: '12 min 05 s' },
    { case: 'hours', value: formatDuration(3 * 3600 + 7 * 60), expected: '3 h 07 min' },
  ])('says $case plainly', ({ value, expected }) => {
    expect(value).toBe(expected);
  });
});
