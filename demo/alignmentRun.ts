/**
 * Input for the `dna-align` pipeline that needs no download: a small synthetic reference genome, and a
 * sequencing run whose paired reads are simulated from it (fragments of ~300 bp read from both ends, with
 * sequencing errors, a few N-rich pairs that fastp filters out, and a few pairs of random sequence that do not
 * map). Laid out as BCL Convert writes a run: `SampleSheet.csv` (v2), `<Sample>_S<n>_L00<lane>_R1_001.fastq.gz`
 * and `_R2_`, then `RTAComplete.txt` and `CopyComplete.txt`.
 */
import { spawn } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FastqWriter } from '../workflows/fastq/FastqWriter.ts';
import type { GeneratedFile } from './generateRun.ts';
import { Random } from './generateRun.ts';
import { renderSampleSheetV2 } from './sampleSheet.ts';

/** A reference written by {@link writeReferenceGenome}. */
export interface ReferenceGenome {
  /** The folder, as `references` in the config names it. */
  dir: string;
  /** `<dir>/genome.fa`. */
  fasta: string;
  contigs: Array<{ name: string; sequence: string }>;
}

/** One simulated FASTQ of an alignment run. */
export interface SimulatedFastq {
  name: string;
  path: string;
  lane: number;
  read: 'R1' | 'R2';
  reads: number;
}

export interface AlignmentRun {
  dir: string;
  runId: string;
  files: GeneratedFile[];
  samples: Array<{ sampleId: string; fastqs: SimulatedFastq[] }>;
}

const BASES = 'ACGT';
const COMPLEMENT: Record<string, string> = { A: 'T', C: 'G', G: 'C', T: 'A', N: 'N' };
const reverseComplement = (sequence: string) =>
  [...sequence]
    .reverse()
    .map((base) => COMPLEMENT[base] ?? 'N')
    .join('');

function randomSequence(random: Random, length: number): string {
  let sequence = '';
  for (let i = 0; i < length; i++) sequence += BASES[random.int(0, 3)];
  return sequence;
}

/**
 * Writes `genome.fa` (60 bases a line) with random contigs of the given lengths into `dir`.
 *
 * @example const reference = await writeReferenceGenome({ dir: '/tmp/ref', seed: 1 }); // two contigs, 5 kb
 */
export async function writeReferenceGenome(options: {
  dir: string;
  seed: number | string;
  contigLengths?: number[];
}): Promise<ReferenceGenome> {
  const random = new Random(`${options.seed}/reference`);
  const contigs = (options.contigLengths ?? [3000, 2000]).map((length, i) => ({
    name: `chr${i + 1}`,
    sequence: randomSequence(random, length),
  }));
  await mkdir(options.dir, { recursive: true });
  const fasta = path.join(options.dir, 'genome.fa');
  const lines = contigs.flatMap((contig) => [`>${contig.name}`, ...(contig.sequence.match(/.{1,60}/g) ?? [])]);
  await writeFile(fasta, `${lines.join('\n')}\n`);
  return { dir: options.dir, fasta, contigs };
}

/** A program of the demo that is not installed: the message names the Debian package. */
export class MissingToolError extends Error {
  constructor(
    readonly program: string,
    readonly debianPackage: string,
  ) {
    super(`${program} is not on PATH: install it with \`sudo apt-get install ${debianPackage}\``);
    this.name = 'MissingToolError';
  }
}

async function run(program: string, args: string[], cwd: string, debianPackage: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(program, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new MissingToolError(program, debianPackage) : error),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${program} ${args.join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`)),
    );
  });
}

/**
 * Indexes the reference for bwa (`bwa index genome.fa`) and samtools (`samtools faidx genome.fa`), as a lab
 * does once for each reference it lists in `references`.
 *
 * @throws MissingToolError when bwa or samtools is not installed
 */
export async function indexReferenceGenome(reference: Pick<ReferenceGenome, 'dir' | 'fasta'>): Promise<void> {
  await run('bwa', ['index', path.basename(reference.fasta)], reference.dir, 'bwa');
  await run('samtools', ['faidx', path.basename(reference.fasta)], reference.dir, 'samtools');
}

/** Phred+33 qualities: mostly Q35–40, a few Q20s. */
function qualities(random: Random, length: number): string {
  let quality = '';
  for (let i = 0; i < length; i++) quality += String.fromCharCode(33 + (random.chance(0.9) ? random.int(35, 40) : random.int(20, 34)));
  return quality;
}

/** `sequence` read with substitution errors at `rate`. */
function withErrors(random: Random, sequence: string, rate: number): string {
  let read = '';
  for (const base of sequence) read += random.chance(rate) ? BASES[(BASES.indexOf(base) + random.int(1, 3)) % 4] : base;
  return read;
}

/** One simulated pair: from the reference (either strand), N-rich, or random. */
function simulatePair(
  random: Random,
  reference: ReferenceGenome,
  readLength: number,
  kind: 'mapped' | 'n-rich' | 'random',
): [string, string] {
  if (kind === 'random') return [randomSequence(random, readLength), randomSequence(random, readLength)];
  const total = reference.contigs.reduce((sum, contig) => sum + contig.sequence.length, 0);
  let at = random.int(0, total - 1);
  const contig = reference.contigs.find((candidate) => (at -= candidate.sequence.length) < 0) ?? reference.contigs[0]!;
  const fragment = Math.min(contig.sequence.length, Math.max(readLength, Math.round(300 + (random.next() - 0.5) * 120)));
  const start = random.int(0, contig.sequence.length - fragment);
  let insert = contig.sequence.slice(start, start + fragment);
  if (random.chance(0.5)) insert = reverseComplement(insert);
  let r1 = withErrors(random, insert.slice(0, readLength), 0.003);
  const r2 = withErrors(random, reverseComplement(insert).slice(0, readLength), 0.003);
  // fastp drops a read with more than 5 N (its default n_base_limit), and with it the pair.
  if (kind === 'n-rich') r1 = [...r1].map((base) => (random.chance(0.2) ? 'N' : base)).join('');
  return [r1, r2];
}

/**
 * Writes a run folder of `samples` samples × `lanes` lanes of paired reads simulated from `reference`.
 * About 3 % of pairs are N-rich (filtered by fastp) and 5 % random (unmapped).
 *
 * @example
 * const run = await generateAlignmentRun({ dir, runId: '261201_LH00417_0001_B22FJKLT3', seed: 1, reference, samples: 4, lanes: 2 });
 */
export async function generateAlignmentRun(options: {
  dir: string;
  runId: string;
  seed: number | string;
  reference: ReferenceGenome;
  samples?: number;
  lanes?: number;
  pairsPerLane?: number;
  readLength?: number;
  projectName?: string;
}): Promise<AlignmentRun> {
  const { dir, runId, seed, reference, samples = 4, lanes = 2, pairsPerLane = 400, readLength = 100 } = options;
  await mkdir(dir, { recursive: true });
  const ids = Array.from({ length: samples }, (_, i) => `Sample${String(i + 1).padStart(2, '0')}`);
  const indexRandom = new Random(`${seed}/indexes`);
  const indexes = ids.map(() => [randomSequence(indexRandom, 10), randomSequence(indexRandom, 10)] as const);
  const files: GeneratedFile[] = [];
  const describe = async (name: string, kind: GeneratedFile['kind']) => {
    const file = path.join(dir, name);
    files.push({ name, path: file, kind, size: (await stat(file)).size });
  };
  await writeFile(
    path.join(dir, 'SampleSheet.csv'),
    renderSampleSheetV2({
      runName: runId,
      read1Cycles: readLength,
      read2Cycles: readLength,
      data: Array.from({ length: lanes }, (_, lane) =>
        ids.map((sampleId, i) => ({ lane: lane + 1, sampleId, index: indexes[i]![0], index2: indexes[i]![1] })),
      ).flat(),
      cloud: ids.map((sampleId) => ({ sampleId, projectName: options.projectName ?? 'demo', libraryName: `${sampleId}_lib` })),
    }),
  );
  await describe('SampleSheet.csv', 'samplesheet');
  const simulated: AlignmentRun['samples'] = [];
  for (const [s, sampleId] of ids.entries()) {
    const fastqs: SimulatedFastq[] = [];
    for (let lane = 1; lane <= lanes; lane++) {
      const random = new Random(`${seed}/${sampleId}/L${lane}`);
      const base = `${sampleId}_S${s + 1}_L${String(lane).padStart(3, '0')}`;
      const writers = (['R1', 'R2'] as const).map((read) => ({
        read,
        name: `${base}_${read}_001.fastq.gz`,
        writer: new FastqWriter(path.join(dir, `${base}_${read}_001.fastq.gz`)),
      }));
      for (let i = 0; i < pairsPerLane; i++) {
        const draw = random.next();
        const pair = simulatePair(random, reference, readLength, draw < 0.03 ? 'n-rich' : draw < 0.08 ? 'random' : 'mapped');
        const id = `LH00417:1:22FJKLT3:${lane}:1101:${1000 + i}:${random.int(1000, 30000)}`;
        for (const [mate, { writer }] of writers.entries()) {
          await writer.write({
            name: `${id} ${mate + 1}:N:0:${indexes[s]![0]}+${indexes[s]![1]}`,
            sequence: pair[mate]!,
            plus: '',
            quality: qualities(random, readLength),
          });
        }
      }
      for (const { read, name, writer } of writers) {
        const { records } = await writer.close();
        fastqs.push({ name, path: path.join(dir, name), lane, read, reads: records });
        await describe(name, 'fastq');
      }
    }
    simulated.push({ sampleId, fastqs });
  }
  await writeFile(path.join(dir, 'RTAComplete.txt'), `RTA 4.6.7 completed for run ${runId}\r\n`);
  await describe('RTAComplete.txt', 'marker');
  await writeFile(path.join(dir, 'CopyComplete.txt'), '');
  await describe('CopyComplete.txt', 'marker');
  return { dir, runId, files, samples: simulated };
}
