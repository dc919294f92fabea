import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../../demo/generateRun.ts';
import { StepInputError, StepUsageError } from '../../../workflows/steps/errors.ts';
import { QC_DEFINITIONS, runQc } from '../../../workflows/steps/qc.ts';

const run$ = promisify(execFile);

/** The numbers qc must report, recounted from the gunzipped text with plain string operations. */
function recount(text: string) {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const reads = lines.length / 4;
  const sequences = lines.filter((_, i) => i % 4 === 1);
  const qualities = lines.filter((_, i) => i % 4 === 3).join('');
  const all = sequences.join('');
  const acgt = all.replace(/[^ACGTacgt]/g, '').length;
  const gc = all.replace(/[^GCgc]/g, '').length;
  let qualitySum = 0;
  let q30 = 0;
  for (const char of qualities) {
    qualitySum += char.charCodeAt(0) - 33;
    if (char.charCodeAt(0) - 33 >= 30) q30++;
  }
  const lengths = sequences.map((s) => s.length);
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    reads,
    bases: all.length,
    acgtBases: acgt,
    gcBases: gc,
    nBases: all.replace(/[^Nn]/g, '').length,
    qualitySum,
    q30Bases: q30,
    gcPercent: round((100 * gc) / acgt),
    meanQuality: round(qualitySum / all.length),
    q30Percent: round((100 * q30) / all.length),
    minLength: Math.min(...lengths),
    meanLength: round(all.length / reads),
    maxLength: Math.max(...lengths),
  };
}

describe('Function: runQc', () => {
  let root: string;
  let run: GeneratedRun;
  let inputs: string[];

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'landfall-qc-'));
    run = await generateRun({ dir: join(root, 'run'), runId: 'run-qc', seed: 11, samples: 2, readsPerSample: 700 });
    inputs = run.files.filter((file) => file.kind === 'fastq').map((file) => file.path);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reports per-file statistics equal to an independent recount, and the generator truth', async () => {
    // Prepare
    const outDir = join(root, 'out-main');

    // Act
    const report = await runQc({ inputs, outDir });

    // Assess
    expect(report.files.map((file) => file.file)).toEqual(run.files.filter((file) => file.kind === 'fastq').map((file) => file.name));
    for (const [i, path] of inputs.entries()) {
      const expected = recount(gunzipSync(await readFile(path)).toString('latin1'));
      const { file, ...stats } = report.files[i]!;
      expect(stats, file).toEqual(expected);
      const truth = run.samples.flatMap((sample) => sample.fastqs)[i]!.truth;
      expect(stats.reads).toBe(truth.reads);
      expect(stats.qualitySum).toBe(truth.qualitySum);
      expect(stats.gcBases).toBe(truth.gcBases);
    }
  });

  it('pairs R1 with R2 by file name and compares their read counts', async () => {
    // Act
    const report = await runQc({ inputs, outDir: join(root, 'out-pairs') });

    // Assess
    expect(report.pairs).toEqual(
      run.samples.map((sample) => ({
        pairKey: `${sample.sampleId}_S${sample.sampleNumber}_L001_{read}_001.fastq.gz`,
        sample: sample.sampleId,
        r1: sample.fastqs[0]!.name,
        r2: sample.fastqs[1]!.name,
        r1Reads: 700,
        r2Reads: 700,
        readsMatch: true,
      })),
    );
  });

  it('writes qc.json equal to the returned report and a qc.tsv with one row per file', async () => {
    // Prepare
    const outDir = join(root, 'out-files');

    // Act
    const report = await runQc({ inputs, outDir });

    // Assess
    expect(JSON.parse(await readFile(join(outDir, 'qc.json'), 'utf8'))).toEqual(report);
    expect(report.definitions).toEqual(QC_DEFINITIONS);
    const tsv = (await readFile(join(outDir, 'qc.tsv'), 'utf8')).trimEnd().split('\n');
    expect(tsv[0]).toBe('file\treads\tbases\tgcPercent\tmeanQuality\tq30Percent\tminLength\tmeanLength\tmaxLength\tnBases');
    expect(tsv).toHaveLength(1 + inputs.length);
    const first = report.files[0]!;
    expect(tsv[1]).toBe(
      [
        first.file,
        first.reads,
        first.bases,
        first.gcPercent,
        first.meanQuality,
        first.q30Percent,
        first.minLength,
        first.meanLength,
        first.maxLength,
        first.nBases,
      ].join('\t'),
    );
  });

  it('handles plain, empty and unevenly paired files, with nulls where a denominator is 0', async () => {
    // Prepare
    const dir = join(root, 'small');
    await mkdir(dir, { recursive: true });
    const r1 = join(dir, 'liver_R1.fastq');
    const r2 = join(dir, 'liver_R2.fastq.gz');
    const empty = join(dir, 'empty.fastq.gz');
    await writeFile(r1, '@a\nNNnN\n+\n!!!!\n@b\nacgt\n+\n????\n');
    await writeFile(r2, gzipSync('@a\nGGCC\n+\nIIII\n'));
    await writeFile(empty, gzipSync(''));

    // Act
    const report = await runQc({ inputs: [r1, r2, empty], outDir: join(root, 'out-small'), concurrency: 1 });

    // Assess
    expect(report.files[0]).toMatchObject({ reads: 2, bases: 8, nBases: 4, acgtBases: 4, gcPercent: 50, meanQuality: 15, q30Percent: 50 });
    expect(report.files[2]).toEqual({
      file: 'empty.fastq.gz',
      reads: 0,
      bases: 0,
      acgtBases: 0,
      gcBases: 0,
      nBases: 0,
      qualitySum: 0,
      q30Bases: 0,
      gcPercent: null,
      meanQuality: null,
      q30Percent: null,
      minLength: null,
      meanLength: null,
      maxLength: null,
    });
    expect(report.pairs).toEqual([
      { pairKey: 'liver_{read}.fastq', sample: 'liver', r1: 'liver_R1.fastq', r2: null, r1Reads: 2, r2Reads: null, readsMatch: null },
      { pairKey: 'liver_{read}.fastq.gz', sample: 'liver', r1: null, r2: 'liver_R2.fastq.gz', r1Reads: null, r2Reads: 1, readsMatch: null },
    ]);
  });

  it.each([
    {
      case: 'single-end reads (R1 only): nothing is paired',
      files: { 'm_S1_L001_R1_001.fastq.gz': 2, 'm_S1_L002_R1_001.fastq.gz': 1 },
      roles: undefined,
      pairs: [],
    },
    {
      case: 'a UMI read: R1 pairs with R3, R2 (the UMI) and I1 are not mates',
      files: {
        'u_S1_L001_R1_001.fastq.gz': 3,
        'u_S1_L001_R2_001.fastq.gz': 3,
        'u_S1_L001_R3_001.fastq.gz': 3,
        'u_S1_L001_I1_001.fastq.gz': 3,
      },
      roles: undefined,
      pairs: [
        {
          pairKey: 'u_S1_L001_{read}_001.fastq.gz',
          sample: 'u',
          r1: 'u_S1_L001_R1_001.fastq.gz',
          r2: 'u_S1_L001_R3_001.fastq.gz',
          r1Reads: 3,
          r2Reads: 3,
          readsMatch: true,
        },
      ],
    },
    {
      case: 'roles given by the job win over the names (R1 a barcode read, R2 single)',
      files: { 't_S1_L001_R1_001.fastq.gz': 2, 't_S1_L001_R2_001.fastq.gz': 2 },
      roles: ['umi', 'single'] as const,
      pairs: [],
    },
  ])('pairs by read role: $case', async ({ files, roles, pairs }) => {
    // Prepare
    const dir = join(root, `roles-${Object.keys(files)[0]}`);
    await mkdir(dir, { recursive: true });
    for (const [name, reads] of Object.entries(files)) {
      await writeFile(join(dir, name), gzipSync(Array.from({ length: reads }, (_, i) => `@r${i}\nACGT\n+\nIIII\n`).join('')));
    }
    const paths = Object.keys(files).map((name) => join(dir, name));

    // Act
    const report = await runQc({
      inputs: roles ? paths.map((path, i) => ({ path, role: roles[i]! })) : paths,
      outDir: join(dir, 'out'),
    });

    // Assess
    expect(report.pairs).toEqual(pairs);
    expect(report.files.map((file) => file.reads)).toEqual(Object.values(files));
  });

  it('reports unequal mate counts as readsMatch false', async () => {
    // Prepare
    const dir = join(root, 'uneven');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'x_S1_L001_R1_001.fastq.gz'), gzipSync('@a\nA\n+\nI\n@b\nA\n+\nI\n'));
    await writeFile(join(dir, 'x_S1_L001_R2_001.fastq.gz'), gzipSync('@a\nA\n+\nI\n'));

    // Act
    const report = await runQc({
      inputs: [join(dir, 'x_S1_L001_R1_001.fastq.gz'), join(dir, 'x_S1_L001_R2_001.fastq.gz')],
      outDir: join(root, 'out-uneven'),
    });

    // Assess
    expect(report.pairs).toEqual([expect.objectContaining({ r1Reads: 2, r2Reads: 1, readsMatch: false })]);
  });

  it.each([
    { case: 'truncated record', text: '@a\nACGT\n+\nIIII\n@b\nACGT\n', line: 7, message: /truncated record/ },
    {
      case: 'header without @',
      text: '@a\nACGT\n+\nIIII\nb\nACGT\n+\nIIII\n',
      line: 5,
      message: /expected a header line starting with '@', found "b"/,
    },
    { case: 'quality shorter than sequence', text: '@a\nACGT\n+\nIII\n', line: 4, message: /expected 4 quality characters/ },
    {
      case: 'quality character below !',
      text: '@a\nACGT\n+\nII I\n',
      line: 4,
      message: /expected Phred\+33 quality characters '!'..'~', found " " \(code 32\) at column 3/,
    },
  ])('rejects bad input ($case) naming file and line', async ({ text, line, message }) => {
    // Prepare
    const path = join(root, 'bad.fastq.gz');
    await writeFile(path, gzipSync(text));

    // Act
    const error = await runQc({ inputs: [inputs[0]!, path], outDir: join(root, 'out-bad') }).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(StepInputError);
    expect((error as StepInputError).file).toBe(path);
    expect((error as StepInputError).line).toBe(line);
    expect((error as Error).message.startsWith(`${path}:${line}: `)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('rejects a truncated gzip file naming it', async () => {
    // Prepare
    const path = join(root, 'cut.fastq.gz');
    const bytes = await readFile(inputs[0]!);
    await writeFile(path, bytes.subarray(0, bytes.length - 100));

    // Act
    const error = await runQc({ inputs: [path], outDir: join(root, 'out-cut') }).catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(StepInputError);
    expect((error as Error).message).toMatch(new RegExp(`^${path}:\\d+: expected more gzip data`));
  });

  it('rejects an empty input list', async () => {
    // Act & Assess
    await expect(runQc({ inputs: [], outDir: join(root, 'out-none') })).rejects.toBeInstanceOf(StepUsageError);
  });
});

describe('CLI: qc.ts', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'landfall-qc-cli-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes qc.json for the files given after --out', async () => {
    // Prepare
    const input = join(root, 'a_R1.fastq.gz');
    await writeFile(input, gzipSync('@a\nACGT\n+\nIIII\n'));
    const outDir = join(root, 'out');

    // Act
    const { stdout } = await run$(process.execPath, ['--import', 'tsx', 'workflows/steps/qc.ts', '--out', outDir, input]);

    // Assess
    expect(JSON.parse(stdout)).toEqual([expect.objectContaining({ file: 'a_R1.fastq.gz', reads: 1, bases: 4 })]);
    expect(JSON.parse(await readFile(join(outDir, 'qc.json'), 'utf8')).files[0].reads).toBe(1);
  });

  it.each([
    { case: 'missing --out', args: ['x.fastq.gz'], code: 64, stderr: /--out DIR is required/ },
    { case: 'bad data', args: ['--out', 'OUT', 'BAD'], code: 65, stderr: /bad.fastq:3: expected a separator line/ },
  ])('exits $code on $case', async ({ args, code, stderr }) => {
    // Prepare
    const bad = join(root, 'bad.fastq');
    await writeFile(bad, '@a\nACGT\nIIII\n');
    const argv = args.map((arg) => (arg === 'OUT' ? join(root, 'out-bad') : arg === 'BAD' ? bad : arg));

    // Act
    const error = await run$(process.execPath, ['--import', 'tsx', 'workflows/steps/qc.ts', ...argv]).catch((err: unknown) => err);

    // Assess
    expect((error as { code: number }).code).toBe(code);
    expect((error as { stderr: string }).stderr).toMatch(stderr);
  });
});
