import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, TRUTH_TRIM_QUALITY, type GeneratedRun } from '../../../demo/generateRun.ts';
import { MatePairingError, StepInputError, StepUsageError } from '../../../workflows/steps/errors.ts';
import { runTrim, trimmedLength } from '../../../workflows/steps/trim.ts';

const exec = promisify(execFile);

/** 4-line records of a gzip file as raw line arrays, parsed without workflows/fastq. */
async function fastqLines(path: string): Promise<string[][]> {
  const lines = gunzipSync(await readFile(path))
    .toString('latin1')
    .split('\n');
  expect(lines.pop()).toBe('');
  const records = [];
  for (let i = 0; i < lines.length; i += 4) records.push(lines.slice(i, i + 4));
  return records;
}

const nameOf = (header: string): string => header.slice(1).split(' ')[0]!;

/** A FASTQ record as text; quality given as Phred scores. */
function record(name: string, sequence: string, phred: number[]): string {
  return `@${name}\n${sequence}\n+\n${phred.map((q) => String.fromCharCode(q + 33)).join('')}\n`;
}

describe('Function: trimmedLength', () => {
  it.each([
    { case: 'no low tail', quality: 'IIII', threshold: 20, expected: 4 },
    { case: 'low tail', quality: 'II5#', threshold: 20, expected: 3 },
    { case: 'threshold equal to a score keeps that base', quality: 'I5', threshold: 20, expected: 2 },
    { case: 'low base inside is kept', quality: 'I#I#', threshold: 20, expected: 3 },
    { case: 'all low', quality: '####', threshold: 20, expected: 0 },
    { case: 'empty', quality: '', threshold: 20, expected: 0 },
    { case: 'threshold 0 trims nothing', quality: '!!', threshold: 0, expected: 2 },
  ])('$case', ({ quality, threshold, expected }) => {
    // Act & Assess
    expect(trimmedLength(quality, threshold)).toBe(expected);
  });
});

describe('Function: runTrim', () => {
  let root: string;
  let run: GeneratedRun;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'landfall-trim-'));
    run = await generateRun({ dir: join(root, 'run'), runId: 'run-trim', seed: 5, samples: 1, readsPerSample: 1500, lanes: 2 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it.each([
    { case: 'default quality 20', quality: undefined },
    { case: `quality ${TRUTH_TRIM_QUALITY.min}`, quality: TRUTH_TRIM_QUALITY.min },
  ])('removes exactly the generator truth from each read and keeps mates paired ($case)', async ({ quality }) => {
    // Prepare
    const [r1, r2] = run.samples[0]!.fastqs;
    const outDir = join(root, `out-truth-${quality ?? 'default'}`);
    const [in1, in2] = await Promise.all([fastqLines(r1!.path), fastqLines(r2!.path)]);

    // Act
    const report = await runTrim(
      quality === undefined ? { r1: r1!.path, r2: r2!.path, outDir } : { r1: r1!.path, r2: r2!.path, outDir, quality },
    );

    // Assess
    const expected1: string[][] = [];
    const expected2: string[][] = [];
    let dropped = 0;
    for (let i = 0; i < in1.length; i++) {
      const keep1 = r1!.truth.lengths[i]! - r1!.truth.trimmed[i]!;
      const keep2 = r2!.truth.lengths[i]! - r2!.truth.trimmed[i]!;
      if (keep1 < 20 || keep2 < 20) {
        dropped++;
        continue;
      }
      const [h1, s1, p1, q1] = in1[i]!;
      const [h2, s2, p2, q2] = in2[i]!;
      expected1.push([h1!, s1!.slice(0, keep1), p1!, q1!.slice(0, keep1)]);
      expected2.push([h2!, s2!.slice(0, keep2), p2!, q2!.slice(0, keep2)]);
    }
    const [out1, out2] = await Promise.all([
      fastqLines(join(outDir, 'Sample01_R1.trimmed.fastq.gz')),
      fastqLines(join(outDir, 'Sample01_R2.trimmed.fastq.gz')),
    ]);
    expect(dropped).toBeGreaterThan(0);
    expect(out1).toEqual(expected1);
    expect(out2).toEqual(expected2);
    expect(out1.map((r) => nameOf(r[0]!))).toEqual(out2.map((r) => nameOf(r[0]!)));
    expect(report).toMatchObject({
      sample: 'Sample01',
      quality: quality ?? 20,
      minLength: 20,
      pairsIn: 1500,
      pairsOut: 1500 - dropped,
      pairsDropped: dropped,
      basesTrimmed: r1!.truth.trimmedBases + r2!.truth.trimmedBases,
      r1: {
        inputs: [r1!.name],
        output: 'Sample01_R1.trimmed.fastq.gz',
        readsIn: 1500,
        readsOut: 1500 - dropped,
        basesIn: r1!.truth.bases,
        basesTrimmed: r1!.truth.trimmedBases,
      },
      r2: {
        inputs: [r2!.name],
        output: 'Sample01_R2.trimmed.fastq.gz',
        readsIn: 1500,
        readsOut: 1500 - dropped,
        basesIn: r2!.truth.bases,
        basesTrimmed: r2!.truth.trimmedBases,
      },
    });
    expect(report.r1.readsTrimmed).toBe(r1!.truth.trimmed.filter((t) => t > 0).length);
    expect(report.r1.basesOut).toBe(expected1.reduce((sum, r) => sum + r[1]!.length, 0));
    expect(JSON.parse(await readFile(join(outDir, 'trim.json'), 'utf8'))).toEqual(report);
  });

  it('writes untouched reads byte-identical to the input', async () => {
    // Prepare
    const [r1, r2] = run.samples[0]!.fastqs;
    const outDir = join(root, 'out-identical');
    const input = await fastqLines(r1!.path);

    // Act
    await runTrim({ r1: r1!.path, r2: r2!.path, outDir, minLength: 0 });

    // Assess
    const output = await fastqLines(join(outDir, 'Sample01_R1.trimmed.fastq.gz'));
    expect(output).toHaveLength(input.length);
    const untouched = input.map((lines, i) => ({ lines, i })).filter(({ i }) => r1!.truth.trimmed[i] === 0);
    expect(untouched.length).toBeGreaterThan(1000);
    for (const { lines, i } of untouched) expect(output[i]!.join('\n')).toBe(lines.join('\n'));
  });

  it('reads several lanes in order into one pair of outputs', async () => {
    // Prepare
    const fastqs = run.samples[0]!.fastqs;
    const r1 = fastqs.filter((f) => f.read === 'R1');
    const r2 = fastqs.filter((f) => f.read === 'R2');
    const outDir = join(root, 'out-lanes');

    // Act
    const report = await runTrim({ r1: r1.map((f) => f.path), r2: r2.map((f) => f.path), outDir, minLength: 0, sample: 'liver' });

    // Assess
    expect(report.pairsIn).toBe(3000);
    expect(report.basesTrimmed).toBe(fastqs.reduce((sum, f) => sum + f.truth.trimmedBases, 0));
    const out = await fastqLines(join(outDir, 'liver_R1.trimmed.fastq.gz'));
    expect(out).toHaveLength(3000);
    expect(out[1500]![0]).toMatch(/^@\S+:2:\d{4}:/);
    expect((await readdir(outDir)).sort()).toEqual(['liver_R1.trimmed.fastq.gz', 'liver_R2.trimmed.fastq.gz', 'trim.json']);
  });

  it.each([
    { case: 'R1 too short', tail1: 85, tail2: 0, minLength: 20, dropped: true },
    { case: 'R2 too short', tail1: 0, tail2: 81, minLength: 20, dropped: true },
    { case: 'both too short', tail1: 100, tail2: 90, minLength: 20, dropped: true },
    { case: 'exactly minLength kept', tail1: 80, tail2: 80, minLength: 20, dropped: false },
    { case: 'minLength 0 keeps an empty read', tail1: 100, tail2: 0, minLength: 0, dropped: false },
  ])('drops a pair only when a mate falls below minLength ($case)', async ({ tail1, tail2, minLength, dropped }) => {
    // Prepare
    const dir = join(root, `drop-${tail1}-${tail2}-${minLength}`);
    await mkdir(dir, { recursive: true });
    const phred = (tail: number) => Array.from({ length: 100 }, (_, i) => (i >= 100 - tail ? 2 : 36));
    const seq = 'ACGTTGCA'.repeat(13).slice(0, 100);
    const before = record('p0/1', seq, phred(0));
    const after = record('p2/1', seq, phred(0));
    await writeFile(join(dir, 'a_R1.fastq.gz'), gzipSync(before + record('p1/1', seq, phred(tail1)) + after));
    await writeFile(
      join(dir, 'a_R2.fastq.gz'),
      gzipSync(before.replace('/1', '/2') + record('p1/2', seq, phred(tail2)) + after.replace('/1', '/2')),
    );

    // Act
    const report = await runTrim({ r1: join(dir, 'a_R1.fastq.gz'), r2: join(dir, 'a_R2.fastq.gz'), outDir: join(dir, 'out'), minLength });

    // Assess
    const [out1, out2] = await Promise.all([
      fastqLines(join(dir, 'out', 'a_R1.trimmed.fastq.gz')),
      fastqLines(join(dir, 'out', 'a_R2.trimmed.fastq.gz')),
    ]);
    expect(out1.map((r) => r[0])).toEqual(dropped ? ['@p0/1', '@p2/1'] : ['@p0/1', '@p1/1', '@p2/1']);
    expect(out2.map((r) => r[0])).toEqual(dropped ? ['@p0/2', '@p2/2'] : ['@p0/2', '@p1/2', '@p2/2']);
    expect(report.pairsDropped).toBe(dropped ? 1 : 0);
    expect(report.basesTrimmed).toBe(tail1 + tail2);
    if (!dropped) expect(out1[1]![1]).toBe(seq.slice(0, 100 - tail1));
  });

  describe('single-end (MiSeq single reads, ONT, PacBio HiFi)', () => {
    it.each([
      { case: 'no r2 option', r2: undefined },
      { case: 'an empty r2 list', r2: [] as string[] },
    ])('trims each read on its own and drops a read below minLength ($case)', async ({ r2 }) => {
      // Prepare: three reads over two files (lanes), the second 3' tail of Phred 2 leaves 10 bases.
      const dir = join(root, `single-${r2 === undefined ? 'none' : 'empty'}`);
      await mkdir(dir, { recursive: true });
      const seq = 'ACGTTGCAAC'.repeat(4);
      const high = Array.from({ length: 40 }, () => 36);
      const tail = Array.from({ length: 40 }, (_, i) => (i >= 10 ? 2 : 36));
      const lowEnd = Array.from({ length: 40 }, (_, i) => (i >= 35 ? 2 : 36));
      await writeFile(join(dir, 'm_L001_R1.fastq.gz'), gzipSync(record('a', seq, high) + record('b', seq, tail)));
      await writeFile(join(dir, 'm_L002_R1.fastq.gz'), gzipSync(record('c', seq, lowEnd)));

      // Act
      const report = await runTrim({
        r1: [join(dir, 'm_L001_R1.fastq.gz'), join(dir, 'm_L002_R1.fastq.gz')],
        ...(r2 ? { r2 } : {}),
        outDir: join(dir, 'out'),
        sample: 'm',
      });

      // Assess: an independent recount of the output
      const out = await fastqLines(join(dir, 'out', 'm_R1.trimmed.fastq.gz'));
      expect(out.map((lines) => [lines[0], lines[1]!.length])).toEqual([
        ['@a', 40],
        ['@c', 35],
      ]);
      expect(report).toMatchObject({ layout: 'single', pairsIn: 3, pairsOut: 2, pairsDropped: 1, basesTrimmed: 30 + 5 });
      expect(report.r2).toBeUndefined();
      expect(report.r1).toMatchObject({ inputs: ['m_L001_R1.fastq.gz', 'm_L002_R1.fastq.gz'], readsIn: 3, readsOut: 2, readsTrimmed: 2 });
      expect((await readdir(join(dir, 'out'))).sort()).toEqual(['m_R1.trimmed.fastq.gz', 'trim.json']);
      expect(JSON.parse(await readFile(join(dir, 'out', 'trim.json'), 'utf8'))).toEqual(report);
    });

    it('keeps a long read whole when its tail is good (nanopore-length reads)', async () => {
      // Prepare
      const dir = join(root, 'single-long');
      await mkdir(dir, { recursive: true });
      const long = 'ACGT'.repeat(5000);
      await writeFile(
        join(dir, 'ont.fastq.gz'),
        gzipSync(
          record(
            'long1',
            long,
            Array.from({ length: long.length }, () => 25),
          ),
        ),
      );
      // Act
      const report = await runTrim({ r1: join(dir, 'ont.fastq.gz'), outDir: join(dir, 'out'), sample: 'barcode01' });
      // Assess
      const [read] = await fastqLines(join(dir, 'out', 'barcode01_R1.trimmed.fastq.gz'));
      expect(read![1]).toBe(long);
      expect(report).toMatchObject({ layout: 'single', pairsIn: 1, pairsOut: 1, basesTrimmed: 0 });
    });
  });

  describe('bad input', () => {
    let dir: string;
    const good = record('r1/1', 'ACGT', [30, 30, 30, 30]) + record('r2/1', 'ACGT', [30, 30, 30, 30]);
    beforeAll(async () => {
      dir = join(root, 'bad');
      await mkdir(dir, { recursive: true });
    });

    async function trimPair(text1: string, text2: string): Promise<{ error: unknown; outDir: string; r1: string; r2: string }> {
      const r1 = join(dir, 'x_R1.fastq.gz');
      const r2 = join(dir, 'x_R2.fastq.gz');
      await writeFile(r1, gzipSync(text1));
      await writeFile(r2, gzipSync(text2));
      const outDir = join(dir, 'out');
      await rm(outDir, { recursive: true, force: true });
      const error = await runTrim({ r1, r2, outDir, minLength: 1 }).catch((err: unknown) => err);
      return { error, outDir, r1, r2 };
    }

    it('rejects mates whose names differ, naming both files and lines, and leaves no outputs', async () => {
      // Act
      const { error, outDir, r1, r2 } = await trimPair(
        good,
        record('r1/2', 'ACGT', [30, 30, 30, 30]) + record('r9/2', 'ACGT', [30, 30, 30, 30]),
      );

      // Assess
      expect(error).toBeInstanceOf(MatePairingError);
      expect((error as Error).message).toBe(
        `${r1}:5 and ${r2}:5: expected the same read name in R1 and R2 (record 2), found "r2" and "r9"`,
      );
      expect(await readdir(outDir)).toEqual([]);
    });

    it.each([
      {
        case: 'R2 has more records',
        extra: 'r2',
        message: (r1: string, r2: string) => `${r2}:9: expected R2 to end with R1 (${r1} has 2 records), found more records`,
      },
      {
        case: 'R1 has more records',
        extra: 'r1',
        message: (r1: string, r2: string) => `${r1}:9: expected R1 to end with R2 (${r2} has 2 records), found more records`,
      },
    ])('rejects uneven mates ($case)', async ({ extra, message }) => {
      // Prepare
      const more = record('r3/1', 'A', [30]);
      const r2Text = good.replaceAll('/1', '/2');

      // Act
      const { error, r1, r2 } = await trimPair(
        extra === 'r1' ? good + more : good,
        extra === 'r2' ? r2Text + more.replace('/1', '/2') : r2Text,
      );

      // Assess
      expect(error).toBeInstanceOf(MatePairingError);
      expect((error as Error).message).toBe(message(r1, r2));
    });

    it('rejects a truncated record in R2 naming the file and line', async () => {
      // Act
      const { error, r2, outDir } = await trimPair(good, `${good.replaceAll('/1', '/2')}@r3/2\nACGT\n`);

      // Assess
      expect(error).toBeInstanceOf(StepInputError);
      expect((error as StepInputError).file).toBe(r2);
      expect((error as Error).message).toMatch(new RegExp(`^${r2}:11: expected a '\\+' separator line .*truncated record`));
      expect(await readdir(outDir)).toEqual([]);
    });

    it.each([
      { case: 'quality above 93', options: { quality: 94 }, message: /quality must be an integer 0..93/ },
      { case: 'negative minLength', options: { minLength: -1 }, message: /minLength must be an integer >= 0/ },
      { case: 'unequal file lists', options: { r2: ['a_R2.fastq.gz', 'b_R2.fastq.gz'] }, message: /as many R2 files as R1 files/ },
      { case: 'compression level 10', options: { compressionLevel: 10 }, message: /compressionLevel must be an integer 0..9/ },
    ])('rejects $case', async ({ options, message }) => {
      // Act
      const error = await runTrim({ r1: 'a_R1.fastq.gz', r2: 'a_R2.fastq.gz', outDir: join(dir, 'never'), ...options }).catch(
        (err: unknown) => err,
      );

      // Assess
      expect(error).toBeInstanceOf(StepUsageError);
      expect((error as Error).message).toMatch(message);
    });
  });
});

describe('CLI: trim.ts', () => {
  let root: string;
  let run: GeneratedRun;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'landfall-trim-cli-'));
    run = await generateRun({ dir: join(root, 'run'), runId: 'cli', seed: 3, samples: 1, readsPerSample: 200 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('trims the pair given by --r1/--r2 and prints the report', async () => {
    // Prepare
    const [r1, r2] = run.samples[0]!.fastqs;
    const outDir = join(root, 'out');

    // Act
    const { stdout } = await exec(process.execPath, [
      '--import',
      'tsx',
      'workflows/steps/trim.ts',
      '--r1',
      r1!.path,
      '--r2',
      r2!.path,
      '--out',
      outDir,
      '--min-length',
      '30',
      '--level',
      '1',
    ]);

    // Assess
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      sample: 'Sample01',
      minLength: 30,
      pairsIn: 200,
      basesTrimmed: r1!.truth.trimmedBases + r2!.truth.trimmedBases,
    });
    expect(JSON.parse(await readFile(join(outDir, 'trim.json'), 'utf8'))).toEqual(report);
  });

  it('trims single-end reads given by --r1 alone', async () => {
    // Prepare
    const [r1] = run.samples[0]!.fastqs;
    const outDir = join(root, 'out-single');

    // Act
    const { stdout } = await exec(process.execPath, [
      '--import',
      'tsx',
      'workflows/steps/trim.ts',
      '--r1',
      r1!.path,
      '--out',
      outDir,
      '--level',
      '1',
    ]);

    // Assess
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ layout: 'single', sample: 'Sample01', pairsIn: 200, basesTrimmed: r1!.truth.trimmedBases });
    expect((await readdir(outDir)).sort()).toEqual(['Sample01_R1.trimmed.fastq.gz', 'trim.json']);
  });

  it.each([
    { case: 'missing --r1', args: ['--r2', 'a', '--out', 'o'], code: 64, stderr: /--r1 and --out are required/ },
    {
      case: 'non-numeric --quality',
      args: ['--r1', 'a', '--r2', 'b', '--out', 'o', '--quality', 'high'],
      code: 64,
      stderr: /--quality expects a non-negative integer, found "high"/,
    },
    { case: 'unknown flag', args: ['--r3', 'a'], code: 64, stderr: /Unknown option '--r3'/ },
    {
      case: 'bad data',
      args: ['--r1', 'BAD', '--r2', 'BAD', '--out', 'OUT'],
      code: 65,
      stderr: /bad_R1.fastq:1: expected a header line starting with '@'/,
    },
  ])('exits $code on $case', async ({ args, code, stderr }) => {
    // Prepare
    const bad = join(root, 'bad_R1.fastq');
    await writeFile(bad, 'not fastq\n');
    const argv = args.map((arg) => (arg === 'BAD' ? bad : arg === 'OUT' ? join(root, 'out-bad') : arg));

    // Act
    const error = await exec(process.execPath, ['--import', 'tsx', 'workflows/steps/trim.ts', ...argv]).catch((err: unknown) => err);

    // Assess
    expect((error as { code: number }).code).toBe(code);
    expect((error as { stderr: string }).stderr).toMatch(stderr);
  });
});
