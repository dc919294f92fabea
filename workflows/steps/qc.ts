import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFastqName } from '../../layouts/fastqNames.ts';
import { resolveReadStructure } from '../../layouts/readStructure.ts';
import type { ReadLabel, ReadRole } from '../../layouts/types.ts';
import { readFastqBatches } from '../fastq/readFastq.ts';
import { asStepError, exitCodeFor, StepInputError, StepUsageError } from './errors.ts';
import { isMain } from './isMain.ts';

/** A FASTQ file, with its read role when the job knows it (else the file names decide, see {@link runQc}). */
export type QcInput = string | { path: string; role?: ReadRole };

/** Options of {@link runQc}. */
export interface QcOptions {
  /** FASTQ files (gzip or plain). */
  inputs: QcInput[];
  /** Where `qc.json` and `qc.tsv` are written (created if missing). */
  outDir: string;
  /** Files read at the same time; gunzip runs off the main thread, so 2 keeps two cores busy. @default 2 */
  concurrency?: number;
}

/**
 * Statistics of one FASTQ file. Counts are exact integers; derived values are rounded to 2
 * decimals and `null` when their denominator is 0. See {@link QC_DEFINITIONS}.
 */
export interface FileQc {
  /** Base name of the input. */
  file: string;
  reads: number;
  bases: number;
  acgtBases: number;
  gcBases: number;
  nBases: number;
  qualitySum: number;
  q30Bases: number;
  gcPercent: number | null;
  meanQuality: number | null;
  q30Percent: number | null;
  minLength: number | null;
  meanLength: number | null;
  maxLength: number | null;
}

/** Mate 1 / mate 2 read counts of files whose names differ only in the read designator. */
export interface PairQc {
  /** File name with the read designator replaced by `{read}`. */
  pairKey: string;
  sample: string;
  /** The mate-1 file (R1). */
  r1: string | null;
  /** The mate-2 file: R2, or R3 when R2 is a UMI or barcode read. */
  r2: string | null;
  r1Reads: number | null;
  r2Reads: number | null;
  /** `true`/`false` when both mates are present, `null` for a lone mate. */
  readsMatch: boolean | null;
}

export interface QcReport {
  schemaVersion: 1;
  definitions: typeof QC_DEFINITIONS;
  /** In input order. */
  files: FileQc[];
  /** Sorted by pair key. Only mates are paired: single-end reads, index (`I1`/`I2`) and UMI reads are not. */
  pairs: PairQc[];
}

/** The fixed definitions behind every number in the report; written into `qc.json` as they are here. */
export const QC_DEFINITIONS = {
  reads: 'number of FASTQ records',
  bases: 'sum of sequence lengths',
  acgtBases: 'bases that are A, C, G or T (either case)',
  gcBases: 'bases that are G or C (either case)',
  nBases: 'bases that are N (either case); other IUPAC codes count only in bases',
  gcPercent: '100 * gcBases / acgtBases (N and other codes excluded)',
  qualitySum: 'sum over all bases of Phred = ASCII code - 33',
  meanQuality: 'qualitySum / bases (mean over all bases, not of per-read means)',
  q30Bases: 'bases with Phred >= 30',
  q30Percent: '100 * q30Bases / bases',
  length: 'minLength, meanLength (= bases / reads), maxLength over reads',
  rounding: 'derived values are rounded to 2 decimals; null when the denominator is 0',
} as const;

const ACGT = 1;
const GC = 2;
const N = 3;
const BASE_CLASS = new Uint8Array(256);
for (const c of 'ATat') BASE_CLASS[c.charCodeAt(0)] = ACGT;
for (const c of 'GCgc') BASE_CLASS[c.charCodeAt(0)] = GC;
// '.' is a legacy no-call: validation accepts it only with validation.legacyNoCalls, as N.
for (const c of 'Nn.') BASE_CLASS[c.charCodeAt(0)] = N;

/**
 * Compute per-file QC statistics and per-pair read counts, and write `<outDir>/qc.json` and a
 * tab-separated `<outDir>/qc.tsv` (one row per file, `NA` for null). Which files are mates comes from
 * each input's role, else from the names present (layouts' read structure: R1+R2 mates; R1, R2, R3:
 * R2 is a UMI read and R3 the mate; R1 alone: single-end, nothing paired).
 *
 * @throws StepInputError an input is not FASTQ or a quality character is outside Phred+33 ('!'..'~'); names file and line
 * @throws StepUsageError no inputs
 * @example
 * const report = await runQc({ inputs: ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L001_R2_001.fastq.gz'], outDir: 'out/qc' });
 * report.pairs[0]?.readsMatch; // true
 */
export async function runQc(options: QcOptions): Promise<QcReport> {
  const { outDir } = options;
  const inputs = options.inputs.map((input) => (typeof input === 'string' ? input : input.path));
  if (inputs.length === 0) throw new StepUsageError('qc: no input files given');
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));

  const files: FileQc[] = new Array(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const i = next++;
      files[i] = await qcFile(inputs[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));

  const roles = options.inputs.map((input) => (typeof input === 'string' ? undefined : input.role));
  const report: QcReport = { schemaVersion: 1, definitions: QC_DEFINITIONS, files, pairs: pairFiles(files, roles) };
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'qc.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(outDir, 'qc.tsv'), toTsv(files));
  return report;
}

/**
 * QC statistics of one FASTQ file (gzip or plain).
 *
 * @example
 * const { reads, gcPercent } = await qcFile('S1_S1_L001_R1_001.fastq.gz');
 */
export async function qcFile(path: string): Promise<FileQc> {
  let reads = 0;
  let bases = 0;
  let acgt = 0;
  let gc = 0;
  let n = 0;
  let qualitySum = 0;
  let q30 = 0;
  let minLength = Infinity;
  let maxLength = 0;
  try {
    for await (const batch of readFastqBatches(path)) {
      for (const record of batch) {
        const { sequence, quality } = record;
        const length = sequence.length;
        reads++;
        bases += length;
        if (length < minLength) minLength = length;
        if (length > maxLength) maxLength = length;
        for (let i = 0; i < length; i++) {
          const cls = BASE_CLASS[sequence.charCodeAt(i) & 0xff]!;
          if (cls === GC) gc++;
          else if (cls === N) n++;
          if (cls === ACGT || cls === GC) acgt++;
          const c = quality.charCodeAt(i);
          if (c < 33 || c > 126) throw badQuality(path, record.line + 3, i, c);
          qualitySum += c - 33;
          if (c >= 63) q30++;
        }
      }
    }
  } catch (err) {
    throw asStepError(err);
  }
  return {
    file: basename(path),
    reads,
    bases,
    acgtBases: acgt,
    gcBases: gc,
    nBases: n,
    qualitySum,
    q30Bases: q30,
    gcPercent: ratio(100 * gc, acgt),
    meanQuality: ratio(qualitySum, bases),
    q30Percent: ratio(100 * q30, bases),
    minLength: reads > 0 ? minLength : null,
    meanLength: ratio(bases, reads),
    maxLength: reads > 0 ? maxLength : null,
  };
}

function badQuality(path: string, line: number, column: number, code: number): StepInputError {
  const found = `${JSON.stringify(String.fromCharCode(code))} (code ${code}) at column ${column + 1}`;
  return new StepInputError(path, line, `${path}:${line}: expected Phred+33 quality characters '!'..'~', found ${found}`);
}

/** `a / b` rounded to 2 decimals, `null` when `b` is 0. */
function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Math.round((a / b) * 100) / 100;
}

/** The name with its read label replaced by `{read}`: mates of one lane share it. */
function pairKeyOf(name: string, label: ReadLabel): string {
  const at = Math.max(name.lastIndexOf(`_${label}`), name.lastIndexOf(`.${label}`));
  return at < 0 ? name : `${name.slice(0, at + 1)}{read}${name.slice(at + 1 + label.length)}`;
}

function pairFiles(files: FileQc[], roles: Array<ReadRole | undefined>): PairQc[] {
  const names = files.map((file) => parseFastqName(file.file));
  const structure = resolveReadStructure({
    labelsSeen: new Set(names.flatMap((name) => (name && name.form !== 'bare' ? [name.label] : []))),
  });
  const pairs = new Map<string, PairQc>();
  for (const [index, file] of files.entries()) {
    const parsed = names[index];
    if (!parsed || parsed.form === 'bare') continue;
    const role = roles[index] ?? structure.reads.find((read) => read.label === parsed.label)?.role;
    if (role !== 'mate1' && role !== 'mate2') continue;
    const pairKey = pairKeyOf(file.file, parsed.label);
    let pair = pairs.get(pairKey);
    if (!pair) {
      pair = { pairKey, sample: parsed.stem, r1: null, r2: null, r1Reads: null, r2Reads: null, readsMatch: null };
      pairs.set(pairKey, pair);
    }
    if (role === 'mate1') {
      pair.r1 = file.file;
      pair.r1Reads = file.reads;
    } else {
      pair.r2 = file.file;
      pair.r2Reads = file.reads;
    }
  }
  for (const pair of pairs.values()) {
    if (pair.r1Reads !== null && pair.r2Reads !== null) pair.readsMatch = pair.r1Reads === pair.r2Reads;
  }
  return [...pairs.values()].sort((a, b) => (a.pairKey < b.pairKey ? -1 : a.pairKey > b.pairKey ? 1 : 0));
}

const TSV_COLUMNS = [
  'file',
  'reads',
  'bases',
  'gcPercent',
  'meanQuality',
  'q30Percent',
  'minLength',
  'meanLength',
  'maxLength',
  'nBases',
] as const;

function toTsv(files: FileQc[]): string {
  const rows = files.map((file) => TSV_COLUMNS.map((column) => file[column] ?? 'NA').join('\t'));
  return `${[TSV_COLUMNS.join('\t'), ...rows].join('\n')}\n`;
}

const USAGE = 'usage: node --import tsx workflows/steps/qc.ts --out DIR FILE...';

/** CLI: `qc --out DIR FILE...`; prints the report as JSON. Exit codes: see `exitCodeFor`. */
async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { out: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new StepUsageError(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  if (parsed.values.out === undefined) throw new StepUsageError(`qc: --out DIR is required\n${USAGE}`);
  if (parsed.positionals.length === 0) throw new StepUsageError(`qc: no input files given\n${USAGE}`);
  const report = await runQc({ inputs: parsed.positionals, outDir: parsed.values.out });
  process.stdout.write(`${JSON.stringify(report.files)}\n`);
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = exitCodeFor(err);
  });
}
