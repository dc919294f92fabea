import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { validateCommand, type ValidateCommandOptions } from '../../cli/commands/validate.ts';
import { VALIDATION_RULES } from '../../validation/rules.ts';
import { gz, reads, record } from '../validation/fastqFixtures.ts';

let root: string;
const paths = {
  good: '',
  bad: '',
  corrupt: '',
  run: '',
  locked: '',
};

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'landfall-cli-validate-'));
  paths.good = join(root, 'S1.R1.fastq.gz');
  paths.bad = join(root, 'S2.R1.fastq.gz');
  paths.corrupt = join(root, 'S3.R1.fastq.gz');
  paths.run = join(root, 'run');
  paths.locked = join(root, 'locked.fastq.gz');
  const good = gz(reads(10));
  await writeFile(paths.good, good);
  await writeFile(paths.bad, gz(reads(2) + record({ name: 'r3', sequence: 'ACGT', quality: 'III' })));
  await writeFile(paths.corrupt, good.subarray(0, good.length - 12));
  await mkdir(paths.run);
  await writeFile(join(paths.run, 'SampleSheet.csv'), '[Reads]\nRead1Cycles,20\nRead2Cycles,20\n[BCLConvert_Data]\nLane,Sample_ID\n1,A\n');
  await writeFile(join(paths.run, 'A_S1_L001_R1_001.fastq.gz'), gz(reads(4, { mate: 1 })));
  await writeFile(join(paths.run, 'A_S1_L001_R2_001.fastq.gz'), gz(reads(4, { mate: 2 })));
  await writeFile(paths.locked, good);
  await chmod(paths.locked, 0o000);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Runs the command in-process and captures what it prints. */
async function run(target: string | undefined, options: ValidateCommandOptions = {}) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await validateCommand(target, options);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('validateCommand', () => {
  it.each([
    { case: 'a valid file', target: () => paths.good, options: {}, code: 0 },
    { case: 'a file with a bad record', target: () => paths.bad, options: {}, code: 1 },
    { case: 'a truncated gzip (corrupt data is invalid, not an I/O error)', target: () => paths.corrupt, options: {}, code: 1 },
    { case: 'a valid run folder', target: () => paths.run, options: { profile: 'illumina' }, code: 0 },
    { case: 'a missing file', target: () => join(root, 'nope.fastq.gz'), options: {}, code: 2 },
    { case: 'an unknown profile', target: () => paths.run, options: { profile: 'nanopore' }, code: 2 },
    { case: 'a profile for a single file', target: () => paths.good, options: { profile: 'illumina' }, code: 2 },
  ])('exits $code for $case', async ({ target, options, code }) => {
    // Act
    const result = await run(target(), options);

    // Assess
    expect(result.code).toBe(code);
    if (code === 2) expect(result.stderr).toMatch(/^landfall: .+\n$/);
    else expect(result.stdout).toMatch(code === 0 ? /\nvalid\n$/ : /\nINVALID: \d+ problems?\n$/);
  });

  it.skipIf(process.getuid?.() === 0)('exits 2 when a file cannot be read for lack of permission', async () => {
    // Act
    const result = await run(paths.locked);

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('permission denied') });
  });

  it('prints the documented JSON for a run folder', async () => {
    // Act
    const result = await run(paths.run, { json: true });

    // Assess
    const printed = JSON.parse(result.stdout);
    // Issue 16: a run folder also says which files make which sample (what the live landing catalogs).
    expect(Object.keys(printed)).toEqual(['valid', 'files', 'reasons', 'samples', 'unexpected']);
    expect(printed.samples).toEqual([
      {
        sampleId: 'A',
        files: [
          { path: 'A_S1_L001_R1_001.fastq.gz', label: 'R1', role: 'mate1', lane: 1, part: 1 },
          { path: 'A_S1_L001_R2_001.fastq.gz', label: 'R2', role: 'mate2', lane: 1, part: 1 },
        ],
      },
    ]);
    expect(printed.unexpected).toEqual([]);
    const r1 = printed.files.find((file: { path: string }) => file.path === 'A_S1_L001_R1_001.fastq.gz');
    expect(r1).toEqual({
      path: 'A_S1_L001_R1_001.fastq.gz',
      valid: true,
      reasons: [],
      md5: expect.stringMatching(/^[0-9a-f]{32}$/),
      stats: {
        reads: 4,
        bases: 80,
        minLength: 20,
        meanLength: 20,
        maxLength: 20,
        gcPercent: expect.any(Number),
        meanQuality: expect.any(Number),
        q30Percent: expect.any(Number),
      },
      qualityEncoding: 'phred+33',
    });
    // A sample sheet has a checksum but no read statistics.
    expect(printed.files.find((file: { path: string }) => file.path === 'SampleSheet.csv')).toEqual({
      path: 'SampleSheet.csv',
      valid: true,
      reasons: [],
      md5: expect.stringMatching(/^[0-9a-f]{32}$/),
      stats: null,
      qualityEncoding: null,
    });
    expect(printed).toMatchObject({ valid: true, reasons: [] });
  });

  it('prints where and what for an invalid file in JSON', async () => {
    // Act
    const result = await run(paths.bad, { json: true });

    // Assess
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({
      valid: false,
      files: [
        {
          path: paths.bad,
          valid: false,
          reasons: [
            {
              code: 'FASTQ_QUALITY_LENGTH',
              file: paths.bad,
              line: 12,
              record: 3,
              expected: '4 quality characters (the sequence length on line 10)',
              found: '3',
            },
          ],
        },
      ],
      reasons: [],
    });
  });
});

describe('landfall validate (the real command line, spawned)', () => {
  const cli = resolve('cli/landfall.ts');
  const landfall = (...args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = execFile(process.execPath, ['--import', 'tsx', cli, 'validate', ...args], (_error, stdout, stderr) =>
        done({ code: child.exitCode, stdout, stderr }),
      );
    });

  it('exits 0 and prints the documented JSON with statistics for a valid file', async () => {
    // Act
    const result = await landfall(paths.good, '--json');

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      valid: true,
      files: [
        {
          path: paths.good,
          valid: true,
          reasons: [],
          md5: createHash('md5')
            .update(await readFile(paths.good))
            .digest('hex'),
          stats: {
            reads: 10,
            bases: 200,
            minLength: 20,
            meanLength: 20,
            maxLength: 20,
            gcPercent: expect.any(Number),
            meanQuality: expect.any(Number),
            q30Percent: expect.any(Number),
          },
          qualityEncoding: 'phred+33',
        },
      ],
      reasons: [],
    });
  });

  it('exits 1 with the record, line and expected vs found for a bad record, and for corrupt gzip', async () => {
    // Act
    const [bad, corrupt] = await Promise.all([landfall(paths.bad, '--json'), landfall(paths.corrupt)]);

    // Assess
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).files[0].reasons).toEqual([
      expect.objectContaining({
        file: paths.bad,
        line: 12,
        record: 3,
        expected: '4 quality characters (the sequence length on line 10)',
        found: '3',
      }),
    ]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stdout).toContain('truncated gzip');
  });

  it('names the location of a problem once in the text output (issue 19: not "README.md:1: line 1: ...")', async () => {
    // Act: a file that is not FASTQ at all
    const result = await landfall(resolve('README.md'));
    // Assess
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`${resolve('README.md')}: line 1: record 1: expected a header line starting with '@'`);
    expect(result.stdout).not.toMatch(/README\.md:1: line 1/);
  });

  it("applies the config's validation settings: legacy '.' no-calls rejected by default, accepted with legacyNoCalls", async () => {
    // Prepare
    const path = join(root, 'S4.R1.fastq.gz');
    await writeFile(
      path,
      gz(record({ name: 'HWI-EAS209_0006_FC706VJ:5:58:5894:21141#0/1', sequence: 'TTAAT.GGTA', quality: 'IIII#IIIII' })),
    );

    // Act
    const [byDefault, accepting] = await Promise.all([
      landfall(path, '--json'),
      landfall(path, '--json', '--config', resolve('test/fixtures/landfall.legacy-no-calls.config.ts')),
    ]);

    // Assess
    expect(byDefault.code).toBe(1);
    expect(JSON.parse(byDefault.stdout).files[0].reasons).toEqual([
      expect.objectContaining({ code: 'FASTQ_LEGACY_NO_CALL', line: 2, message: expect.stringContaining('validation.legacyNoCalls') }),
    ]);
    expect(accepting.code).toBe(0);
    expect(JSON.parse(accepting.stdout).files[0]).toMatchObject({ valid: true, stats: { reads: 1, bases: 10 } });
  });

  it('exits 0 for a valid run folder with a profile', async () => {
    // Act
    const result = await landfall(paths.run, '--profile', 'illumina');

    // Assess
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/profile: illumina[\s\S]*\nvalid\n$/) });
  });

  it.each([
    {
      case: 'a missing file',
      args: () => [join(root, 'nope.fastq.gz')],
      stderr: /^landfall: cannot read .*nope\.fastq\.gz: no such file or folder\n$/,
    },
    // Root reads anything, so a permission error cannot be staged here; a path through a file is an I/O error too.
    {
      case: 'an unreadable path (ENOTDIR)',
      args: () => [join(paths.good, 'inside.fastq')],
      stderr: /^landfall: cannot read .*inside\.fastq: ENOTDIR/,
    },
    { case: 'an unknown profile', args: () => [paths.run, '--profile', 'nanopore'], stderr: /unknown profile "nanopore"/ },
    { case: 'no argument', args: () => [], stderr: /expected a file or a run folder to validate \(or --rules\)/ },
    { case: '--rules with a file', args: () => ['--rules', paths.good], stderr: /--rules lists the rules and takes no file/ },
  ])('exits 2 for $case', async ({ args, stderr }) => {
    // Act
    const result = await landfall(...args());

    // Assess
    expect(result).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(stderr) });
  });
});

describe('landfall validate --rules', () => {
  it('lists every rule of the registry with its code, scope and description', async () => {
    // Act
    const text = await run(undefined, { rules: true });
    const json = await run(undefined, { rules: true, json: true });

    // Assess
    expect(text.code).toBe(0);
    for (const rule of VALIDATION_RULES) expect(text.stdout).toMatch(new RegExp(`^${rule.code} +${rule.scope} +\\S`, 'm'));
    expect(JSON.parse(json.stdout)).toEqual(VALIDATION_RULES.map((rule) => ({ ...rule, checkedIn: [...rule.checkedIn] })));
  });

  it('says which rule each reason breaks, in the text output too', async () => {
    // Act
    const result = await run(paths.bad);

    // Assess
    // The location once (issue 19): "<file>: line 12: ...", no longer "<file>:12: line 12: ...".
    expect(result.stdout).toMatch(/\.fastq\.gz: line 12: record 3 has 3 quality characters for 4 bases.*\[FASTQ_QUALITY_LENGTH\]$/m);
  });
});

describe('landfall --json through a pipe', () => {
  const cli = resolve('cli/landfall.ts');
  let bigRun: string;

  beforeAll(async () => {
    // 400 files of 12 bad records each: every file lists 10 reasons and a count of the rest (about 1.4 MB of JSON).
    bigRun = join(root, 'big-run');
    await mkdir(bigRun);
    const badRecords = Array.from({ length: 12 }, (_, i) => record({ name: `r${i}`, sequence: 'ACGTXACGT' })).join('');
    for (let i = 0; i < 400; i++) await writeFile(join(bigRun, `S${i}.fastq`), badRecords);
  });

  /** Runs `landfall <args>` through a real pipe (sh's `|`) into `reader`, as a user's shell does. */
  const throughPipe = (args: string[], reader: string) =>
    new Promise<{ stdout: Buffer; stderr: string; statuses: string }>((done, fail) => {
      const script = `"$0" --import tsx "$1" "$@" | ${reader}; echo "\${PIPESTATUS[0]} \${PIPESTATUS[1]}" >&2`;
      execFile(
        'bash',
        ['-c', script.replace('"$@"', args.map((arg) => `'${arg}'`).join(' ')), process.execPath, cli],
        { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (error) return fail(error);
          const text = stderr.toString('utf8');
          done({ stdout, stderr: text, statuses: text.trim().split('\n').at(-1)! });
        },
      );
    });

  it('writes all of a JSON verdict over 1 MB into a slow reader, and exits with the verdict', async () => {
    // Act: the reader sleeps first, so the pipe is full when the command is done.
    const piped = await throughPipe(['validate', '--json', bigRun], '(sleep 1; cat)');

    // Assess
    expect(piped.stdout.length).toBeGreaterThan(1024 * 1024);
    const verdict = JSON.parse(piped.stdout.toString('utf8'));
    expect(verdict.files).toHaveLength(400);
    expect(verdict.files.every((file: { reasons: unknown[] }) => file.reasons.length === 11)).toBe(true);
    expect(piped.statuses).toBe('1 0');
  });

  it('exits quietly with its own code when the reader stops early', async () => {
    // Act
    const piped = await throughPipe(['validate', '--json', bigRun], 'head -c 100');

    // Assess
    expect(piped.stdout.length).toBe(100);
    expect(piped.stderr).not.toMatch(/EPIPE|Error/);
    expect(piped.statuses).toBe('1 0');
  });
});
