import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FastqWriter } from '../workflows/fastq/FastqWriter.ts';
import { renderSampleSheetV2, type SampleSheetCloudRow, type SampleSheetDataRow } from './sampleSheet.ts';

/** Options of {@link generateRun}. */
export interface GenerateRunOptions {
  /** Folder to write the run's files into (created if missing). It is the run folder itself, not the share. */
  dir: string;
  /** Run folder name; if it looks like `YYMMDD_<instrument>_<run>_<A|B><flowcell>`, headers reuse its parts. */
  runId: string;
  /** Same seed, same bytes (the gzip streams included). */
  seed: number | string;
  /** @default 8 */
  samples?: number;
  /** Read pairs per sample and lane. @default 2000 */
  readsPerSample?: number;
  /** @default 1 */
  lanes?: number;
  /** Team the run belongs to; echoed in the result and the default project name. */
  team?: string;
  /** `[Cloud_Data]` ProjectName of every sample. @default team ?? 'demo' */
  projectName?: string;
}

/** Facts about one generated FASTQ, computed while writing it, so tests can check step programs exactly. */
export interface FastqTruth {
  reads: number;
  /** Sum of read lengths. */
  bases: number;
  minLength: number;
  maxLength: number;
  /** Bases that are A, C, G or T. */
  acgtBases: number;
  /** Bases that are G or C. */
  gcBases: number;
  nBases: number;
  /** Sum of Phred scores (Phred+33 decoded) over all bases. */
  qualitySum: number;
  /** Bases with Phred ≥ 30. */
  q30Bases: number;
  /** Length of each read, in file order. */
  lengths: number[];
  /**
   * Bases the 3' quality trim must remove from each read, in file order: the read's trailing
   * bases with Phred < threshold, for any threshold in {@link TRUTH_TRIM_QUALITY}.
   */
  trimmed: number[];
  /** Sum of `trimmed`. */
  trimmedBases: number;
}

export interface GeneratedFastq {
  /** File name, relative to the run folder. */
  name: string;
  path: string;
  lane: number;
  read: 'R1' | 'R2';
  truth: FastqTruth;
}

export interface GeneratedSample {
  sampleId: string;
  /** 1-based order of first appearance in the sample sheet (the `_S<n>_` in file names). */
  sampleNumber: number;
  projectName: string;
  index: string;
  index2: string;
  /** Per lane: R1 then R2. */
  fastqs: GeneratedFastq[];
}

export interface GeneratedFile {
  /** File name, relative to the run folder. */
  name: string;
  path: string;
  kind: 'samplesheet' | 'fastq' | 'marker';
  size: number;
}

export interface GeneratedRun {
  dir: string;
  runId: string;
  team?: string;
  instrument: string;
  runNumber: number;
  flowcell: string;
  /** In the order an instrument writes them: sample sheet, FASTQs, `RTAComplete.txt`, `CopyComplete.txt` last. */
  files: GeneratedFile[];
  samples: GeneratedSample[];
}

/**
 * Thresholds for which every read's `trimmed` truth holds: kept bases before a low-quality tail
 * have Phred ≥ 20 (the last kept base always does), tail bases have Phred ≤ 15.
 */
export const TRUTH_TRIM_QUALITY = { min: 16, max: 20 } as const;

/** Read length the sheet announces (`Read1Cycles`/`Read2Cycles`). */
const CYCLES = 151;
const INDEX_LENGTH = 10;
const BASES = 'ACGT';

/**
 * Write an Illumina-like run folder (NovaSeq X style, sample sheet v2) into `dir` and return the
 * list of files plus, per FASTQ, the truth the step programs are checked against.
 *
 * Reads: pairs of equal length (151, or 100–150 as if adapters were removed), Phred+33 qualities
 * mostly 30–40 with some 20–29; rare N bases and rare isolated low-quality bases inside reads;
 * low-quality 3' tails (Phred 2–15, 1–40 bases) on ~15 % of R1 and ~25 % of R2 reads; and ~1 % of
 * pairs per mate (plus ~0.5 % on both) whose tail leaves fewer than 20 bases, so a trim with
 * `minLength` 20 drops them.
 *
 * @example
 * const run = await generateRun({ dir: '/tmp/run', runId: '261104_LH00417_0042_B22FJKLT3', seed: 42, samples: 2, readsPerSample: 500 });
 * for (const file of run.files) await copyFile(file.path, join(share, 'genomics', run.runId, file.name));
 */
export async function generateRun(options: GenerateRunOptions): Promise<GeneratedRun> {
  const { dir, runId, seed, samples = 8, readsPerSample = 2000, lanes = 1, team } = options;
  const projectName = options.projectName ?? team ?? 'demo';
  for (const [label, value, min] of [
    ['samples', samples, 1],
    ['readsPerSample', readsPerSample, 0],
    ['lanes', lanes, 1],
  ] as const) {
    if (!Number.isInteger(value) || value < min || (label === 'lanes' && value > 8)) {
      throw new RangeError(`generateRun: ${label} must be an integer ${label === 'lanes' ? 'in 1..8' : `≥ ${min}`}, got ${value}`);
    }
  }
  await mkdir(dir, { recursive: true });

  const runRandom = new Random(`${seed}/run/${runId}`);
  const { instrument, runNumber, flowcell } = instrumentParts(runId, runRandom);
  const indexes = distinctIndexes(samples, runRandom);

  const generated: GeneratedSample[] = [];
  for (let s = 0; s < samples; s++) {
    const sampleId = `Sample${String(s + 1).padStart(2, '0')}`;
    const [index, index2] = indexes[s]!;
    generated.push({ sampleId, sampleNumber: s + 1, projectName, index, index2, fastqs: [] });
  }

  // Lane-major rows, as BCL Convert users write them; a sample's number is its first appearance.
  const data: SampleSheetDataRow[] = [];
  for (let lane = 1; lane <= lanes; lane++) {
    for (const sample of generated) data.push({ lane, sampleId: sample.sampleId, index: sample.index, index2: sample.index2 });
  }
  const cloud: SampleSheetCloudRow[] = generated.map((sample) => ({
    sampleId: sample.sampleId,
    projectName,
    libraryName: `${sample.sampleId}_${sample.index}_${sample.index2}`,
  }));

  const files: GeneratedFile[] = [];
  const sheetPath = join(dir, 'SampleSheet.csv');
  await writeFile(sheetPath, renderSampleSheetV2({ runName: runId, data, cloud }), 'utf8');
  files.push(await describeFile('SampleSheet.csv', sheetPath, 'samplesheet'));

  for (const sample of generated) {
    for (let lane = 1; lane <= lanes; lane++) {
      const pair = await writePair({ dir, seed, sample, lane, readsPerSample, instrument, runNumber, flowcell });
      sample.fastqs.push(...pair);
      for (const fastq of pair) files.push(await describeFile(fastq.name, fastq.path, 'fastq'));
    }
  }

  const rtaPath = join(dir, 'RTAComplete.txt');
  await writeFile(rtaPath, `RTA 4.6.7 completed for run ${runId}\r\n`, 'utf8');
  files.push(await describeFile('RTAComplete.txt', rtaPath, 'marker'));
  // NovaSeq writes CopyComplete.txt empty; it matters only that it exists, and that it comes last.
  const copyPath = join(dir, 'CopyComplete.txt');
  await writeFile(copyPath, '');
  files.push(await describeFile('CopyComplete.txt', copyPath, 'marker'));

  const run: GeneratedRun = { dir, runId, instrument, runNumber, flowcell, files, samples: generated };
  if (team !== undefined) run.team = team;
  return run;
}

async function describeFile(name: string, path: string, kind: GeneratedFile['kind']): Promise<GeneratedFile> {
  return { name, path, kind, size: (await stat(path)).size };
}

interface PairContext {
  dir: string;
  seed: number | string;
  sample: GeneratedSample;
  lane: number;
  readsPerSample: number;
  instrument: string;
  runNumber: number;
  flowcell: string;
}

async function writePair(ctx: PairContext): Promise<GeneratedFastq[]> {
  const { sample, lane } = ctx;
  // One generator per sample and lane, so a sample's reads do not depend on how many samples precede it.
  const random = new Random(`${ctx.seed}/${sample.sampleId}/L${lane}`);
  const gc = 0.38 + 0.2 * random.next();
  const base = `${sample.sampleId}_S${sample.sampleNumber}_L${String(lane).padStart(3, '0')}`;
  const mates = (['R1', 'R2'] as const).map((read) => {
    const name = `${base}_${read}_001.fastq.gz`;
    const path = join(ctx.dir, name);
    return { read, name, path, writer: new FastqWriter(path), truth: emptyTruth() };
  });
  const [r1, r2] = mates as [(typeof mates)[0], (typeof mates)[0]];

  let tile = 1101;
  let y = 0;
  const readsPerTile = Math.max(1, Math.ceil(ctx.readsPerSample / 4));
  try {
    for (let i = 0; i < ctx.readsPerSample; i++) {
      if (i > 0 && i % readsPerTile === 0) {
        tile += 1;
        y = 0;
      }
      // y grows within a tile, so names are unique by construction.
      y += random.int(1, 60);
      const id = `${ctx.instrument}:${ctx.runNumber}:${ctx.flowcell}:${lane}:${tile}:${random.int(1000, 32000)}:${y}`;
      const length = random.chance(0.6) ? CYCLES : random.int(100, CYCLES - 1);

      const category = random.next();
      const shortR1 = category < 0.01 || (category >= 0.02 && category < 0.025);
      const shortR2 = category >= 0.01 && category < 0.025;
      for (const [mate, short, tailChance] of [
        [r1, shortR1, 0.15],
        [r2, shortR2, 0.25],
      ] as const) {
        const tail = short ? length - random.int(0, 19) : random.chance(tailChance) ? random.int(1, 40) : 0;
        const read = makeRead(random, length, tail, gc, mate.truth);
        const mateNumber = mate === r1 ? 1 : 2;
        await mate.writer.write({
          name: `${id} ${mateNumber}:N:0:${sample.index}+${sample.index2}`,
          sequence: read.sequence,
          plus: '',
          quality: read.quality,
        });
      }
    }
    await r1.writer.close();
    await r2.writer.close();
  } catch (err) {
    r1.writer.abort();
    r2.writer.abort();
    throw err;
  }
  return mates.map((mate) => ({ name: mate.name, path: mate.path, lane, read: mate.read, truth: mate.truth }));
}

function emptyTruth(): FastqTruth {
  return {
    reads: 0,
    bases: 0,
    minLength: 0,
    maxLength: 0,
    acgtBases: 0,
    gcBases: 0,
    nBases: 0,
    qualitySum: 0,
    q30Bases: 0,
    lengths: [],
    trimmed: [],
    trimmedBases: 0,
  };
}

/**
 * One read of `length` bases whose last `tail` bases have Phred 2–15. The kept part never ends in
 * an N or a low-quality base, which is what makes `tail` the exact trim for thresholds 16–20.
 */
function makeRead(random: Random, length: number, tail: number, gc: number, truth: FastqTruth): { sequence: string; quality: string } {
  const seq = Buffer.allocUnsafe(length);
  const qual = Buffer.allocUnsafe(length);
  const body = length - tail;
  for (let i = 0; i < length; i++) {
    const inTail = i >= body;
    // Only positions before the last kept base may carry N or a quality dip.
    const interior = !inTail && i < body - 1;
    let q: number;
    let b: number;
    if ((interior && random.chance(0.002)) || (inTail && random.chance(0.05))) {
      b = 78; // 'N', which Illumina writes with Phred 2
      q = 2;
    } else {
      b = pickBase(random, gc);
      if (inTail) q = random.int(2, 15);
      else if (interior && random.chance(0.005)) q = random.int(5, 15);
      else q = random.chance(0.85) ? random.int(30, 40) : random.int(20, 29);
    }
    seq[i] = b;
    qual[i] = q + 33;
    if (b === 78) truth.nBases++;
    else {
      truth.acgtBases++;
      if (b === 67 || b === 71) truth.gcBases++;
    }
    truth.qualitySum += q;
    if (q >= 30) truth.q30Bases++;
  }
  truth.minLength = truth.reads === 0 ? length : Math.min(truth.minLength, length);
  truth.maxLength = Math.max(truth.maxLength, length);
  truth.reads++;
  truth.bases += length;
  truth.lengths.push(length);
  truth.trimmed.push(tail);
  truth.trimmedBases += tail;
  return { sequence: seq.toString('latin1'), quality: qual.toString('latin1') };
}

function pickBase(random: Random, gc: number): number {
  const r = random.next();
  if (r < gc) return r < gc / 2 ? 71 : 67; // G, C
  return r - gc < (1 - gc) / 2 ? 65 : 84; // A, T
}

/** Instrument, run number and flowcell from an Illumina run folder name, or invented from the seed. */
function instrumentParts(runId: string, random: Random): { instrument: string; runNumber: number; flowcell: string } {
  const match = /^\d{6}_([A-Za-z0-9-]+)_(\d{1,6})_[AB]?([A-Z0-9]{5,12})$/.exec(runId);
  if (match) return { instrument: match[1]!, runNumber: Number(match[2]), flowcell: match[3]! };
  const alnum = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  let flowcell = '22';
  for (let i = 0; i < 7; i++) flowcell += alnum[random.int(0, alnum.length - 1)];
  return { instrument: `LH00${random.int(100, 999)}`, runNumber: random.int(1, 999), flowcell };
}

/** Index pairs at Hamming distance ≥ 3 from each other, as demultiplexing needs. */
function distinctIndexes(count: number, random: Random): Array<[string, string]> {
  const chosen: Array<[string, string]> = [];
  const far = (a: string, b: string): boolean => {
    let d = 0;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
    return d >= 3;
  };
  while (chosen.length < count) {
    const candidate: [string, string] = [randomIndex(random), randomIndex(random)];
    if (chosen.every(([i1, i2]) => far(i1, candidate[0]) && far(i2, candidate[1]))) chosen.push(candidate);
  }
  return chosen;
}

function randomIndex(random: Random): string {
  let index = '';
  for (let i = 0; i < INDEX_LENGTH; i++) index += BASES[random.int(0, 3)];
  return index;
}

/**
 * sfc32 seeded through cyrb128: small, fast, and the same sequence on every platform (unlike
 * `Math.random`), which is what byte-identical demo runs need.
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: string) {
    let h1 = 1779033703;
    let h2 = 3144134277;
    let h3 = 1013904242;
    let h4 = 2773480762;
    for (let i = 0; i < seed.length; i++) {
      const k = seed.charCodeAt(i);
      h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
      h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
      h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
      h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
    }
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    this.#a = (h1 ^ h2 ^ h3 ^ h4) >>> 0;
    this.#b = (h2 ^ h1) >>> 0;
    this.#c = (h3 ^ h1) >>> 0;
    this.#d = (h4 ^ h1) >>> 0;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}
