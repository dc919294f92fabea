import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, TRUTH_TRIM_QUALITY, type GeneratedRun } from '../../demo/generateRun.ts';

const RUN_ID = '261104_LH00417_0042_B22FJKLT3';

/** FASTQ records of a gzip file, parsed independently of workflows/fastq. */
async function records(path: string): Promise<Array<{ header: string; sequence: string; quality: string }>> {
  const lines = gunzipSync(await readFile(path))
    .toString('latin1')
    .split('\n');
  expect(lines.pop()).toBe('');
  expect(lines.length % 4).toBe(0);
  const out = [];
  for (let i = 0; i < lines.length; i += 4) out.push({ header: lines[i]!, sequence: lines[i + 1]!, quality: lines[i + 3]! });
  return out;
}

/** Trailing bases with Phred < threshold, written from the definition. */
function lowTail(quality: string, threshold: number): number {
  let n = 0;
  for (let i = quality.length - 1; i >= 0 && quality.charCodeAt(i) - 33 < threshold; i--) n++;
  return n;
}

describe('Function: generateRun', () => {
  let root: string;
  let run: GeneratedRun;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'landfall-generate-'));
    run = await generateRun({
      dir: join(root, 'main'),
      runId: RUN_ID,
      seed: 7,
      samples: 3,
      readsPerSample: 400,
      lanes: 2,
      team: 'genomics',
    });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lists files in instrument order: sample sheet, FASTQs by sample and lane, RTAComplete, CopyComplete last', async () => {
    // Prepare
    const fastqs = [];
    for (let s = 1; s <= 3; s++) {
      for (const lane of [1, 2]) for (const read of ['R1', 'R2']) fastqs.push(`Sample0${s}_S${s}_L00${lane}_${read}_001.fastq.gz`);
    }

    // Act
    const names = run.files.map((file) => file.name);

    // Assess
    expect(names).toEqual(['SampleSheet.csv', ...fastqs, 'RTAComplete.txt', 'CopyComplete.txt']);
    expect((await readdir(run.dir)).sort()).toEqual([...names].sort());
    expect(run.files.map((file) => file.kind)).toEqual(['samplesheet', ...fastqs.map(() => 'fastq'), 'marker', 'marker']);
    expect(run.team).toBe('genomics');
  });

  it('writes a v2 sample sheet with a UTF-8 BOM, CRLF line endings and the expected sections', async () => {
    // Act
    const bytes = await readFile(join(run.dir, 'SampleSheet.csv'));
    const text = bytes.toString('utf8');

    // Assess
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text.match(/\n/g)?.length).toBe(text.match(/\r\n/g)?.length);
    expect(text.endsWith('\r\n')).toBe(true);
    const lines = text.slice(1).split('\r\n');
    const sections = lines.filter((line) => line.startsWith('['));
    expect(sections).toEqual(['[Header]', '[Reads]', '[BCLConvert_Settings]', '[BCLConvert_Data]', '[Cloud_Data]']);
    expect(lines).toContain('FileFormatVersion,2');
    expect(lines).toContain(`RunName,${RUN_ID}`);
    expect(lines).toContain('Read1Cycles,151');
    expect(lines).toContain('Read2Cycles,151');
    const data = lines.slice(lines.indexOf('[BCLConvert_Data]') + 1, lines.indexOf('[Cloud_Data]') - 1);
    expect(data[0]).toBe('Lane,Sample_ID,Index,Index2');
    expect(data.slice(1)).toEqual(
      [1, 2].flatMap((lane) => run.samples.map((sample) => `${lane},${sample.sampleId},${sample.index},${sample.index2}`)),
    );
    const cloud = lines.slice(lines.indexOf('[Cloud_Data]') + 1).filter((line) => line !== '');
    expect(cloud).toEqual([
      'Sample_ID,ProjectName,LibraryName',
      ...run.samples.map((sample) => `${sample.sampleId},genomics,${sample.sampleId}_${sample.index}_${sample.index2}`),
    ]);
  });

  it('writes Illumina headers that match between mates and carry the lane and the indexes', async () => {
    for (const sample of run.samples) {
      for (const lane of [1, 2]) {
        // Prepare
        const [r1, r2] = sample.fastqs.filter((fastq) => fastq.lane === lane);
        const prefix = `^@LH00417:42:22FJKLT3:${lane}:\\d{4}:\\d+:\\d+`;

        // Act
        const [reads1, reads2] = await Promise.all([records(r1!.path), records(r2!.path)]);

        // Assess
        expect(reads1).toHaveLength(400);
        expect(reads2).toHaveLength(400);
        const names = new Set<string>();
        for (let i = 0; i < reads1.length; i++) {
          const [name1, comment1] = reads1[i]!.header.split(' ');
          const [name2, comment2] = reads2[i]!.header.split(' ');
          expect(name1).toMatch(new RegExp(prefix));
          expect(name2).toBe(name1);
          expect(comment1).toBe(`1:N:0:${sample.index}+${sample.index2}`);
          expect(comment2).toBe(`2:N:0:${sample.index}+${sample.index2}`);
          expect(reads2[i]!.sequence).toHaveLength(reads1[i]!.sequence.length);
          names.add(name1!);
        }
        expect(names.size).toBe(400);
      }
    }
  });

  it('reports truth that matches an independent recount of every FASTQ', async () => {
    for (const fastq of run.samples.flatMap((sample) => sample.fastqs)) {
      // Act
      const reads = await records(fastq.path);

      // Assess
      const { truth } = fastq;
      expect(truth.reads).toBe(reads.length);
      expect(truth.lengths).toEqual(reads.map((read) => read.sequence.length));
      expect(truth.bases).toBe(reads.reduce((sum, read) => sum + read.sequence.length, 0));
      const all = reads.map((read) => read.sequence).join('');
      expect(truth.nBases).toBe(all.split('N').length - 1);
      expect(truth.gcBases).toBe(all.replace(/[^GC]/g, '').length);
      expect(truth.acgtBases).toBe(all.replace(/[^ACGT]/g, '').length);
      const qualities = reads.map((read) => read.quality).join('');
      let sum = 0;
      let q30 = 0;
      for (let i = 0; i < qualities.length; i++) {
        sum += qualities.charCodeAt(i) - 33;
        if (qualities.charCodeAt(i) - 33 >= 30) q30++;
      }
      expect(truth.qualitySum).toBe(sum);
      expect(truth.q30Bases).toBe(q30);
      expect(truth.trimmedBases).toBe(truth.trimmed.reduce((a, b) => a + b, 0));
      for (const threshold of [TRUTH_TRIM_QUALITY.min, TRUTH_TRIM_QUALITY.max]) {
        expect(reads.map((read) => lowTail(read.quality, threshold))).toEqual(truth.trimmed);
      }
    }
  });

  it('varies read length and includes N bases, low-quality tails and reads too short after trimming', () => {
    // Prepare
    const truths = run.samples.flatMap((sample) => sample.fastqs.map((fastq) => fastq.truth));

    // Act
    const lengths = truths.flatMap((truth) => truth.lengths);
    const tails = truths.flatMap((truth) => truth.trimmed);
    const short = truths.flatMap((truth) => truth.lengths.filter((length, i) => length - truth.trimmed[i]! < 20));

    // Assess
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...lengths)).toBe(151);
    expect(new Set(lengths).size).toBeGreaterThan(20);
    expect(truths.every((truth) => truth.nBases > 0)).toBe(true);
    expect(tails.filter((tail) => tail > 0).length / tails.length).toBeGreaterThan(0.1);
    expect(short.length).toBeGreaterThan(10);
    expect(truths.every((truth) => truth.q30Bases / truth.bases > 0.7)).toBe(true);
  });

  it('is deterministic: the same seed gives the same bytes, another seed other reads', async () => {
    // Prepare
    const options = { runId: RUN_ID, samples: 3, readsPerSample: 400, lanes: 2, team: 'genomics' };

    // Act
    const again = await generateRun({ ...options, dir: join(root, 'again'), seed: 7 });
    const other = await generateRun({ ...options, dir: join(root, 'other'), seed: 8 });

    // Assess
    for (let i = 0; i < run.files.length; i++) {
      const [a, b, c] = await Promise.all([run, again, other].map((r) => readFile(r.files[i]!.path)));
      expect(a!.equals(b!), run.files[i]!.name).toBe(true);
      if (run.files[i]!.kind === 'fastq') expect(a!.equals(c!), run.files[i]!.name).toBe(false);
    }
    expect(again.samples).toEqual(
      run.samples.map((sample) => ({
        ...sample,
        fastqs: sample.fastqs.map((fastq) => ({ ...fastq, path: fastq.path.replace('/main/', '/again/') })),
      })),
    );
  });

  it('invents instrument, run number and flowcell from the seed when the run id is not an Illumina folder name', async () => {
    // Act
    const first = await generateRun({ dir: join(root, 'plain1'), runId: 'demo-run', seed: 'abc', samples: 1, readsPerSample: 5 });
    const second = await generateRun({ dir: join(root, 'plain2'), runId: 'demo-run', seed: 'abc', samples: 1, readsPerSample: 5 });

    // Assess
    expect(first.instrument).toMatch(/^LH00\d{3}$/);
    expect(first.flowcell).toMatch(/^22[A-Z0-9]{7}$/);
    expect([second.instrument, second.runNumber, second.flowcell]).toEqual([first.instrument, first.runNumber, first.flowcell]);
    const [read] = await records(first.samples[0]!.fastqs[0]!.path);
    expect(read!.header.startsWith(`@${first.instrument}:${first.runNumber}:${first.flowcell}:1:`)).toBe(true);
  });

  it.each([
    { case: 'zero samples', options: { samples: 0 }, message: /samples must be an integer ≥ 1, got 0/ },
    { case: 'fractional reads', options: { readsPerSample: 1.5 }, message: /readsPerSample must be an integer ≥ 0/ },
    { case: 'nine lanes', options: { lanes: 9 }, message: /lanes must be an integer in 1..8/ },
  ])('rejects $case', async ({ options, message }) => {
    // Act & Assess
    await expect(generateRun({ dir: join(root, 'bad'), runId: 'x', seed: 1, ...options })).rejects.toThrow(message);
  });
});
