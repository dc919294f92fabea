import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readFastqBatches } from '../fastq/readFastq.ts';
import { asStepError, StepUsageError } from './errors.ts';

/** Options of {@link runProfile}. */
export interface ProfileOptions {
  /** FASTQ files (gzip or plain). */
  inputs: string[];
  /** Where `profile.json` is written (created if missing). */
  outDir: string;
  /** Reads per file whose sequences are remembered for duplication (FastQC samples the same way). @default 200000 */
  duplicationSample?: number;
  /** k of the k-mer spectrum. @default 4 */
  k?: number;
}

/** Duplication and composition profile of one FASTQ file. */
export interface FileProfile {
  file: string;
  reads: number;
  /** Reads among the first `sampledReads` whose exact sequence was seen before in that sample. */
  sampledReads: number;
  duplicateReads: number;
  /** Percent of sampled reads that are duplicates, 2 decimals; null without reads. */
  duplicationPercent: number | null;
  /** The most frequent sequences of the sample, with their share of it. */
  overrepresented: Array<{ sequence: string; count: number; percent: number }>;
  /** Reads by their GC percent, in ten bins: [0,10), [10,20), …, [90,100]. */
  gcHistogram: number[];
  /** Share of each k-mer among all k-mers of A/C/G/T only, 4 decimals, keys sorted. */
  kmerFrequencies: Record<string, number>;
}

export interface ProfileReport {
  schemaVersion: 1;
  k: number;
  files: FileProfile[];
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/**
 * Sequences longer than this (long reads) are remembered for duplication by a hash, and shown as their
 * first bases: 200,000 remembered HiFi or nanopore reads would otherwise hold gigabytes.
 */
const REMEMBERED_SEQUENCE_MAX = 1000;
const SHOWN_PREFIX = 50;

function duplicationKey(sequence: string): string {
  return sequence.length <= REMEMBERED_SEQUENCE_MAX ? sequence : `#${createHash('sha1').update(sequence).digest('base64')}`;
}
const CODE: Record<string, number> = { A: 0, C: 1, G: 2, T: 3 };

async function profileFile(path: string, sample: number, k: number): Promise<FileProfile> {
  const seen = new Map<string, number>();
  const shown = new Map<string, string>();
  const kmers = new Float64Array(4 ** k);
  const gcHistogram = new Array<number>(10).fill(0);
  let reads = 0;
  let duplicates = 0;
  try {
    for await (const batch of readFastqBatches(path)) {
      for (const { sequence } of batch) {
        reads++;
        if (reads <= sample) {
          const key = duplicationKey(sequence);
          const count = seen.get(key) ?? 0;
          if (count > 0) duplicates++;
          else if (key !== sequence) shown.set(key, `${sequence.slice(0, SHOWN_PREFIX)}… (${sequence.length} bp)`);
          seen.set(key, count + 1);
        }
        let gc = 0;
        let code = 0;
        let valid = 0;
        for (let i = 0; i < sequence.length; i++) {
          const base = sequence[i]!;
          if (base === 'G' || base === 'C') gc++;
          const value = CODE[base];
          if (value === undefined) {
            valid = 0; // an N breaks every k-mer that spans it
            continue;
          }
          code = ((code << 2) | value) & (4 ** k - 1);
          if (++valid >= k) kmers[code]!++;
        }
        gcHistogram[Math.min(9, Math.floor((sequence.length === 0 ? 0 : gc / sequence.length) * 10))]!++;
      }
    }
  } catch (error) {
    throw asStepError(error);
  }
  const sampledReads = Math.min(reads, sample);
  const total = kmers.reduce((sum, count) => sum + count, 0);
  const kmerFrequencies: Record<string, number> = {};
  for (let code = 0; code < kmers.length; code++) {
    let name = '';
    for (let i = k - 1; i >= 0; i--) name += 'ACGT'[(code >> (2 * i)) & 3];
    kmerFrequencies[name] = total === 0 ? 0 : round(kmers[code]! / total, 4);
  }
  const overrepresented = [...seen.entries()]
    .filter(([, count]) => count > 1)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, 5)
    .map(([key, count]) => ({ sequence: shown.get(key) ?? key, count, percent: round((count / sampledReads) * 100, 2) }));
  return {
    file: basename(path),
    reads,
    sampledReads,
    duplicateReads: duplicates,
    duplicationPercent: sampledReads === 0 ? null : round((duplicates / sampledReads) * 100, 2),
    overrepresented,
    gcHistogram,
    kmerFrequencies,
  };
}

/**
 * The `profile` step: per file, the duplication rate (exact repeated sequences among the first reads),
 * the most over-represented sequences, a GC histogram and a k-mer spectrum; writes `profile.json`.
 * Runs beside `trim` on the same inputs.
 *
 * @example await runProfile({ inputs: ['S1_R1.fastq.gz'], outDir: 'out' }) // out/profile.json
 */
export async function runProfile(options: ProfileOptions): Promise<ProfileReport> {
  if (options.inputs.length === 0) throw new StepUsageError('profile: no input files given');
  const k = options.k ?? 4;
  if (!Number.isInteger(k) || k < 1 || k > 8) throw new StepUsageError(`profile: k must be a whole number from 1 to 8, found ${k}`);
  const files = [];
  for (const input of options.inputs) files.push(await profileFile(input, options.duplicationSample ?? 200_000, k));
  const report: ProfileReport = { schemaVersion: 1, k, files };
  await mkdir(options.outDir, { recursive: true });
  await writeFile(join(options.outDir, 'profile.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}
