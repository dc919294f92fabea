import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StepContext, stepPrograms } from '../../../workflows/steps/stepPrograms.ts';

/** `reads` records named r0…, each `length` bases of good quality (mates share names). */
const fastq = (reads: number, length: number) =>
  Array.from({ length: reads }, (_, i) => `@r${i} 1:N:0:1\n${'ACGT'.repeat(length).slice(0, length)}\n+\n${'I'.repeat(length)}\n`).join('');

describe('stepPrograms', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'landfall-programs-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function inputsOf(files: Array<{ name: string; read: string; lane: number; reads: number; length: number; role?: string }>) {
    const inputs: StepContext['inputs'] = [];
    for (const file of files) {
      const path = join(dir, file.name);
      await writeFile(path, gzipSync(fastq(file.reads, file.length)));
      inputs.push({ name: file.name, path, read: file.read, lane: file.lane, ...(file.role ? { role: file.role as 'umi' } : {}) });
    }
    return inputs;
  }

  it('trims mate 1 with mate 2 over both lanes and leaves the UMI (R2) and index (I1) reads alone', async () => {
    // Prepare: lane 2 listed first; R2 is an 8 bp UMI that a minLength of 20 would drop every pair for.
    const inputs = await inputsOf([
      { name: 'u_S1_L002_R1_001.fastq.gz', read: 'R1', lane: 2, reads: 2, length: 50 },
      { name: 'u_S1_L001_R1_001.fastq.gz', read: 'R1', lane: 1, reads: 3, length: 50 },
      { name: 'u_S1_L001_R2_001.fastq.gz', read: 'R2', lane: 1, reads: 3, length: 8 },
      { name: 'u_S1_L002_R2_001.fastq.gz', read: 'R2', lane: 2, reads: 2, length: 8 },
      { name: 'u_S1_L001_R3_001.fastq.gz', read: 'R3', lane: 1, reads: 3, length: 50 },
      { name: 'u_S1_L002_R3_001.fastq.gz', read: 'R3', lane: 2, reads: 2, length: 50 },
      { name: 'u_S1_L001_I1_001.fastq.gz', read: 'I1', lane: 1, reads: 3, length: 8 },
      { name: 'u_S1_L002_I1_001.fastq.gz', read: 'I1', lane: 2, reads: 2, length: 8 },
    ]);
    const outDir = join(dir, 'trim-umi');
    // Act
    await stepPrograms.trim!({ sampleId: 'u', inputs, outDir });
    // Assess
    const report = JSON.parse(await readFile(join(outDir, 'trim.json'), 'utf8'));
    expect(report).toMatchObject({ layout: 'paired', pairsIn: 5, pairsOut: 5, pairsDropped: 0 });
    expect(report.r1.inputs).toEqual(['u_S1_L001_R1_001.fastq.gz', 'u_S1_L002_R1_001.fastq.gz']);
    expect(report.r2.inputs).toEqual(['u_S1_L001_R3_001.fastq.gz', 'u_S1_L002_R3_001.fastq.gz']);
  });

  it('trims a single-end sample (MiSeq single reads) instead of failing for want of R2', async () => {
    // Prepare
    const inputs = await inputsOf([{ name: 's_S1_L001_R1_001.fastq.gz', read: 'R1', lane: 1, reads: 4, length: 60 }]);
    const outDir = join(dir, 'trim-single');
    // Act
    await stepPrograms.trim!({ sampleId: 's', inputs, outDir });
    // Assess
    expect(JSON.parse(await readFile(join(outDir, 'trim.json'), 'utf8'))).toMatchObject({ layout: 'single', pairsIn: 4, pairsOut: 4 });
  });

  it('profiles the data reads only, and qc pairs by the roles the job gives', async () => {
    // Prepare: the job says R1 is a 10x barcode read (umi) and R2 the single data read.
    const inputs = await inputsOf([
      { name: 'g_S1_L001_R1_001.fastq.gz', read: 'R1', lane: 1, reads: 2, length: 28, role: 'umi' },
      { name: 'g_S1_L001_R2_001.fastq.gz', read: 'R2', lane: 1, reads: 2, length: 90, role: 'single' },
    ]);
    // Act
    await stepPrograms.profile!({ sampleId: 'g', inputs, outDir: join(dir, 'profile') });
    await stepPrograms.qc!({ sampleId: 'g', inputs, outDir: join(dir, 'qc') });
    // Assess
    const profile = JSON.parse(await readFile(join(dir, 'profile', 'profile.json'), 'utf8'));
    expect(profile.files.map((file: { file: string }) => file.file)).toEqual(['g_S1_L001_R2_001.fastq.gz']);
    const qc = JSON.parse(await readFile(join(dir, 'qc', 'qc.json'), 'utf8'));
    expect(qc.files).toHaveLength(2);
    expect(qc.pairs).toEqual([]);
  });
});
