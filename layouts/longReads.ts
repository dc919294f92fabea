import { isFastqName } from './fastqNames.ts';

/** What a long-read FASTQ's path says: the sample it belongs to (or that it is unclassified), and its order. */
export interface LongReadFile {
  /** The sample: MinKNOW barcode or alias folder, PacBio barcode, movie or sample name. */
  sampleId?: string;
  /** Reads no barcode was assigned to (MinKNOW `unclassified/`, PacBio `unassigned`). */
  unclassified: boolean;
  /** MinKNOW batch number (`…_<batch>.fastq.gz`), for ordering a sample's files. */
  batch?: number;
}

/** Ids Landfall accepts for long-read samples: MinKNOW aliases are `[a-zA-Z0-9_@.]+`, PacBio barcode pairs use `--`. */
export const LONG_READ_SAMPLE_ID = /^(?!\.{1,2}$)[A-Za-z0-9_.@-]+$/;

/**
 * MinKNOW FASTQ paths (ONT output specifications, "FASTQ" paths and "Output Structure"):
 * `fastq_pass/<barcode or alias>/<flow cell>_pass_<alias>_<protocol run>_<run>_<batch>.fastq.gz` for a
 * barcoded run, `fastq_pass/<flow cell>_pass_<protocol run>_<run>_<batch>.fastq.gz` without barcoding.
 * The run folder may sit inside the protocol group / sample folders MinKNOW creates above it. Reads in
 * `fastq_fail/` are not this function's (the caller counts them as failed reads). Returns undefined for a
 * path that is not a passed MinKNOW FASTQ.
 *
 * @example parseMinknowPath('fastq_pass/barcode01/PAO25751_pass_barcode01_e05460c6_de9f2c7f_3.fastq.gz')
 *   // { sampleId: 'barcode01', unclassified: false, batch: 3 }
 */
export function parseMinknowPath(path: string): LongReadFile | undefined {
  const segments = path.split('/');
  const base = segments[segments.length - 1]!;
  if (!isFastqName(base)) return undefined;
  const passAt = segments.findIndex((segment) => /^fastq_pass/.test(segment));
  if (passAt < 0) return undefined;
  const below = segments.slice(passAt + 1, -1);
  const batchMatch = /_(\d+)\.f(?:ast)?q(?:\.gz)?$/i.exec(base);
  const batch = batchMatch ? Number(batchMatch[1]) : undefined;
  const withBatch = batch === undefined ? {} : { batch };
  if (below.length === 0) {
    // Not barcoded: one sample, named after the flow cell the file names start with.
    const flowCell = /^([A-Za-z0-9-]+)_(?:pass|fail)_/.exec(base)?.[1];
    return { ...(flowCell ? { sampleId: flowCell } : {}), unclassified: false, ...withBatch };
  }
  if (below.length > 1) return undefined;
  const alias = below[0]!;
  if (/^unclassified$/i.test(alias)) return { unclassified: true, ...withBatch };
  return { sampleId: alias, unclassified: false, ...withBatch };
}

const MOVIE = String.raw`m\d+[A-Za-z]?_\d{6}_\d{6}(?:_s\d+)?`;
const FASTQ_EXT = String.raw`\.f(?:ast)?q(?:\.gz)?$`;
// Revio / SMRT Link export: <movie>.hifi_reads.<barcode>.fastq.gz ('default' = no barcode, 'unassigned' = none matched).
const PACBIO_MOVIE_BARCODE = new RegExp(`^(${MOVIE})\\.hifi_reads\\.([^.]+)${FASTQ_EXT}`, 'i');
// SMRT Link demultiplexing: <movie>.<bcF>--<bcR>.hifi_reads.fastq.gz, or demultiplex.<bcF>--<bcR>.hifi_reads.fastq.gz.
const PACBIO_BARCODE_PAIR = new RegExp(`^(?:${MOVIE}|demultiplex)\\.([^.]+--[^.]+)\\.hifi_reads${FASTQ_EXT}`, 'i');
// One cell, no barcodes: <movie>.hifi_reads.fastq.gz; a provider's per-sample export: <sample>.hifi_reads.fastq.gz.
const PACBIO_NAMED = new RegExp(`^(.+?)\\.hifi_reads${FASTQ_EXT}`, 'i');
const PACBIO_BARE = new RegExp(`^(.+?)${FASTQ_EXT}`, 'i');

/**
 * PacBio HiFi FASTQ names (PacBio file formats, "Revio & Vega file structure"; SMRT Link demultiplexing
 * output): `<movie>.hifi_reads.<barcode>.fastq.gz` (Revio, sample = barcode; `unassigned` reads are
 * unclassified, `default` means no barcode and the sample is the movie), `<movie>.<bc>--<bc>.hifi_reads.fastq.gz`
 * and `demultiplex.<bc>--<bc>.hifi_reads.fastq.gz` (SMRT Link, sample = the barcode pair),
 * `<movie or sample>.hifi_reads.fastq.gz`, and `<sample>.fastq.gz`. Reads in `fail_reads/` are not
 * this function's. Returns undefined for a path that is not a FASTQ.
 *
 * @example parsePacbioPath('hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz') // { sampleId: 'bc2001', unclassified: false }
 */
export function parsePacbioPath(path: string): LongReadFile | undefined {
  const base = path.split('/').pop()!;
  if (!isFastqName(base)) return undefined;
  const movieBarcode = PACBIO_MOVIE_BARCODE.exec(base);
  if (movieBarcode) {
    const [, movie, barcode] = movieBarcode as unknown as [string, string, string];
    if (/^unassigned$/i.test(barcode)) return { unclassified: true };
    return { sampleId: /^default$/i.test(barcode) ? movie : barcode, unclassified: false };
  }
  const pair = PACBIO_BARCODE_PAIR.exec(base);
  if (pair) return { sampleId: pair[1]!, unclassified: false };
  const named = PACBIO_NAMED.exec(base) ?? PACBIO_BARE.exec(base);
  const sampleId = named?.[1];
  if (sampleId && /^unassigned$/i.test(sampleId.split('.').pop()!)) return { unclassified: true };
  return { ...(sampleId ? { sampleId } : {}), unclassified: false };
}

/** MinKNOW's final summary, at any depth of the run folder: written once every file of the run is. */
export const MINKNOW_FINAL_SUMMARY = /(^|\/)final_summary_[^/]*\.txt$/;

/** What a MinKNOW `final_summary_*.txt` promises about the folder it sits in. */
export interface MinknowFinalSummary {
  /** `fastq_files_in_final_dest`: every FASTQ MinKNOW wrote below this folder (pass and fail); absent in old versions. */
  fastqFiles?: number;
}

/**
 * Reads a MinKNOW final summary (`key=value` lines, written once every file of the run is written).
 * Landfall uses its FASTQ count so that a summary that lands before some of the FASTQs it counts (a
 * share or S3 does not keep write order) cannot start a sample on part of its reads.
 *
 * @example parseMinknowFinalSummary('flow_cell_id=PAO25751\nfastq_files_in_final_dest=6\n') // { fastqFiles: 6 }
 */
export function parseMinknowFinalSummary(text: string): MinknowFinalSummary {
  const value = /^fastq_files_in_final_dest=(\d+)\s*$/m.exec(text)?.[1];
  return value === undefined ? {} : { fastqFiles: Number(value) };
}

/**
 * FASTQs a final summary counts that have not landed: those counted minus those present below the
 * summary's folder (`fastq_pass/`, `fastq_fail/`, any depth). 0 when all are there or the count is unknown.
 */
export function fastqsNotYetLanded(summaryPath: string, summary: MinknowFinalSummary, paths: readonly string[]): number {
  if (summary.fastqFiles === undefined) return 0;
  const folder = summaryPath.includes('/') ? summaryPath.slice(0, summaryPath.lastIndexOf('/') + 1) : '';
  const present = paths.filter((path) => path.startsWith(folder) && isFastqName(path.slice(path.lastIndexOf('/') + 1))).length;
  return Math.max(0, summary.fastqFiles - present);
}
