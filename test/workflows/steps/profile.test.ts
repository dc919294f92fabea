import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepInputError, StepUsageError } from '../../../workflows/steps/errors.ts';
import { runProfile } from '../../../workflows/steps/profile.ts';

const fastq = (sequences: string[]) => sequences.map((sequence, i) => `@r${i}\n${sequence}\n+\n${'I'.repeat(sequence.length)}\n`).join('');

describe('runProfile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'landfall-profile-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('counts exact duplicates, over-represented sequences, GC bins and k-mers, written to profile.json', async () => {
    // Prepare: AAAA twice, CCGG three times, ACGT once; one read with an N
    const input = join(dir, 'S1_R1.fastq.gz');
    await writeFile(input, gzipSync(fastq(['AAAA', 'CCGG', 'AAAA', 'CCGG', 'ACGT', 'CCGG', 'ANAA'])));
    const outDir = join(dir, 'out');
    // Act
    const report = await runProfile({ inputs: [input], outDir, k: 2 });
    // Assess
    const [file] = report.files;
    expect(file).toMatchObject({ file: 'S1_R1.fastq.gz', reads: 7, sampledReads: 7, duplicateReads: 3, duplicationPercent: 42.86 });
    expect(file?.overrepresented).toEqual([
      { sequence: 'CCGG', count: 3, percent: 42.86 },
      { sequence: 'AAAA', count: 2, percent: 28.57 },
    ]);
    // GC: AAAA 0 %, CCGG 100 %, ACGT 50 %, ANAA 0 %
    expect(file?.gcHistogram).toEqual([3, 0, 0, 0, 0, 1, 0, 0, 0, 3]);
    // 2-mers: AAAA 3 ×2, CCGG (CC,CG,GG) ×3, ACGT (AC,CG,GT), ANAA (AA) → 19 in all
    expect(file?.kmerFrequencies.AA).toBe(Number((7 / 19).toFixed(4)));
    expect(file?.kmerFrequencies.CG).toBe(Number((4 / 19).toFixed(4)));
    expect(Object.keys(file!.kmerFrequencies)).toHaveLength(16);
    expect(JSON.parse(await readFile(join(outDir, 'profile.json'), 'utf8'))).toEqual(report);
  });

  it('remembers only the sampled reads for duplication', async () => {
    // Prepare
    const input = join(dir, 'S2_R1.fastq');
    await writeFile(input, fastq(['ACGT', 'TTTT', 'ACGT', 'ACGT']));
    // Act
    const report = await runProfile({ inputs: [input], outDir: join(dir, 'out2'), duplicationSample: 2 });
    // Assess
    expect(report.files[0]).toMatchObject({ reads: 4, sampledReads: 2, duplicateReads: 0, duplicationPercent: 0 });
  });

  it('remembers long reads by a hash and shows their first bases, so 200,000 nanopore reads fit in memory', async () => {
    // Prepare: one 20 kb read three times, one other
    const long = 'ACGGT'.repeat(4000);
    const input = join(dir, 'barcode01.fastq.gz');
    await writeFile(input, gzipSync(fastq([long, 'TTTT', long, long])));
    // Act
    const report = await runProfile({ inputs: [input], outDir: join(dir, 'out-long') });
    // Assess
    expect(report.files[0]).toMatchObject({ reads: 4, duplicateReads: 2, duplicationPercent: 50 });
    expect(report.files[0]!.overrepresented).toEqual([{ sequence: `${long.slice(0, 50)}… (20000 bp)`, count: 3, percent: 75 }]);
  });

  it.each([
    { case: 'no inputs', options: { inputs: [] as string[] }, error: StepUsageError },
    { case: 'a k out of range', options: { inputs: ['x'], k: 9 }, error: StepUsageError },
  ])('refuses $case', async ({ options, error }) => {
    await expect(runProfile({ outDir: join(dir, 'bad'), ...options })).rejects.toThrow(error);
  });

  it('reports a malformed file as bad input', async () => {
    // Prepare
    const input = join(dir, 'bad.fastq');
    await writeFile(input, 'not a fastq file\n');
    // Act / Assess
    await expect(runProfile({ inputs: [input], outDir: join(dir, 'out3') })).rejects.toThrow(StepInputError);
  });
});
