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

/** MinKNOW's default barcode folder names: the same in every library a kit is used for. */
const DEFAULT_BARCODE = /^barcode\d+$/i;
/** A MinKNOW protocol run folder: `{start_time}_{device_id}_{flow_cell_id}_{short_protocol_run_id}`. */
const PROTOCOL_RUN_FOLDER = /^\d{8}_\d{4}_[^_]+_.+_[0-9a-f]{8}$/i;
const FASTQ_FOLDER = /^fastq_(?:pass|fail)/;

/**
 * The MinKNOW library (the user's "Sample ID", `{sample_id}` in the output path) a FASTQ path names, if
 * the run folder holds that level: `<sample_id>/<protocol run folder>/fastq_pass/…` (data pooling off) or
 * `<sample_id>/fastq_pass/…` (pooling on). Undefined when the run folder is the library or the protocol run.
 */
function minknowLibrary(above: readonly string[]): string | undefined {
  const last = above[above.length - 1];
  if (last === undefined) return undefined;
  return PROTOCOL_RUN_FOLDER.test(last) ? above[above.length - 2] : last;
}

/** Ids Landfall accepts for long-read samples: MinKNOW aliases are `[a-zA-Z0-9_@.]+`, PacBio barcode pairs use `--`. */
export const LONG_READ_SAMPLE_ID = /^(?!\.{1,2}$)[A-Za-z0-9_.@-]+$/;

/**
 * MinKNOW FASTQ paths (ONT output specifications, "FASTQ" paths and "Output Structure"):
 * `fastq_pass/<barcode or alias>/<flow cell>_pass_<alias>_<protocol run>_<run>_<batch>.fastq.gz` for a
 * barcoded run, `fastq_pass/<flow cell>_pass_<protocol run>_<run>_<batch>.fastq.gz` without barcoding.
 * The run folder may sit inside the protocol group / sample folders MinKNOW creates above it. A default
 * barcode name (`barcode01`) inside a library folder is qualified by the library (`libA_barcode01`): every
 * library of an experiment uses the kit's same names, and two libraries are two different pools of samples
 * (ONT output specifications: `sample_id` is "a user-supplied identifier for the library"). An alias is the
 * user's own sample name and stays as it is. Reads in `fastq_fail/` are not this function's (the caller
 * counts them as failed reads). Returns undefined for a path that is not a passed MinKNOW FASTQ.
 *
 * @example parseMinknowPath('fastq_pass/barcode01/PAO25751_pass_barcode01_e05460c6_de9f2c7f_3.fastq.gz')
 *   // { sampleId: 'barcode01', unclassified: false, batch: 3 }
 * @example parseMinknowPath('libA/20250603_1201_1A_PAW11111_e05460c6/fastq_pass/barcode01/PAW11111_pass_barcode01_e05460c6_de9f2c7f_0.fastq.gz')
 *   // { sampleId: 'libA_barcode01', unclassified: false, batch: 0 }
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
    // Flow cell ids are `[A-Z0-9_-]+` (ONT sample sheet spec): up to the first `_pass_` or `_fail_`.
    const flowCell = /^([A-Za-z0-9_-]+?)_(?:pass|fail)_/.exec(base)?.[1];
    return { ...(flowCell ? { sampleId: flowCell } : {}), unclassified: false, ...withBatch };
  }
  if (below.length > 1) return undefined;
  const alias = below[0]!;
  if (/^unclassified$/i.test(alias)) return { unclassified: true, ...withBatch };
  const library = DEFAULT_BARCODE.test(alias) ? minknowLibrary(segments.slice(0, passAt)) : undefined;
  return { sampleId: library === undefined ? alias : `${library}_${alias}`, unclassified: false, ...withBatch };
}

const MOVIE = String.raw`m\d+[A-Za-z]?_\d{6}_\d{6}(?:_s\d+)?`;
const MOVIE_PREFIX = new RegExp(`^(${MOVIE})\\.`, 'i');
const FASTQ_EXT = String.raw`\.f(?:ast)?q(?:\.gz)?$`;
// Revio / SMRT Link export: <movie>.hifi_reads.<barcode>.fastq.gz ('default' = no barcode, 'unassigned' = none matched).
const PACBIO_MOVIE_BARCODE = new RegExp(`^(${MOVIE})\\.hifi_reads\\.([^.]+)${FASTQ_EXT}`, 'i');
// SMRT Link demultiplexing: <movie>.<bcF>--<bcR>.hifi_reads.fastq.gz, or demultiplex.<bcF>--<bcR>.hifi_reads.fastq.gz.
const PACBIO_BARCODE_PAIR = new RegExp(`^(?:(${MOVIE})|demultiplex)\\.([^.]+--[^.]+)\\.hifi_reads${FASTQ_EXT}`, 'i');
// One cell, no barcodes: <movie>.hifi_reads.fastq.gz; a provider's per-sample export: <sample>.hifi_reads.fastq.gz.
const PACBIO_NAMED = new RegExp(`^(.+?)\\.hifi_reads${FASTQ_EXT}`, 'i');
const PACBIO_BARE = new RegExp(`^(.+?)${FASTQ_EXT}`, 'i');

/**
 * The PacBio movie (one SMRT Cell) a file's name starts with, e.g. `m84001_220722_134701_s1` for
 * `m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz` or `m84001_220722_134701_s1.transferdone`.
 */
export function pacbioMovieOf(path: string): string | undefined {
  return MOVIE_PREFIX.exec(path.split('/').pop()!)?.[1];
}

/**
 * PacBio HiFi FASTQ names (PacBio file formats, "Revio & Vega file structure"; SMRT Link demultiplexing
 * output): `<movie>.hifi_reads.<barcode>.fastq.gz` (Revio, sample = `<movie>.<barcode>`; `unassigned`
 * reads are unclassified, `default` means no barcode and the sample is the movie),
 * `<movie>.<bc>--<bc>.hifi_reads.fastq.gz` (SMRT Link, sample = `<movie>.<bc>--<bc>`),
 * `demultiplex.<bc>--<bc>.hifi_reads.fastq.gz` (sample = the barcode pair), `<movie or
 * sample>.hifi_reads.fastq.gz`, and `<sample>.fastq.gz`. A barcode is qualified by its movie because
 * every SMRT Cell of a run may use the same barcodes for different biosamples (the run design assigns a
 * biosample per well and barcode): merged, two cells' samples would become one. Reads in `fail_reads/`
 * are not this function's. Returns undefined for a path that is not a FASTQ.
 *
 * @example parsePacbioPath('hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz')
 *   // { sampleId: 'm84001_220722_134701_s1.bc2001', unclassified: false }
 */
export function parsePacbioPath(path: string): LongReadFile | undefined {
  const base = path.split('/').pop()!;
  if (!isFastqName(base)) return undefined;
  const movieBarcode = PACBIO_MOVIE_BARCODE.exec(base);
  if (movieBarcode) {
    const [, movie, barcode] = movieBarcode as unknown as [string, string, string];
    if (/^unassigned$/i.test(barcode)) return { unclassified: true };
    return { sampleId: /^default$/i.test(barcode) ? movie : `${movie}.${barcode}`, unclassified: false };
  }
  const pair = PACBIO_BARCODE_PAIR.exec(base);
  if (pair) return { sampleId: pair[1] === undefined ? pair[2]! : `${pair[1]}.${pair[2]}`, unclassified: false };
  const named = PACBIO_NAMED.exec(base) ?? PACBIO_BARE.exec(base);
  const sampleId = named?.[1];
  if (sampleId && /^unassigned$/i.test(sampleId.split('.').pop()!)) return { unclassified: true };
  return { ...(sampleId ? { sampleId } : {}), unclassified: false };
}

/** MinKNOW's final summary, at any depth of the run folder: written once every file of the run is. */
export const MINKNOW_FINAL_SUMMARY = /(^|\/)final_summary_[^/]*\.txt$/;

/**
 * MinKNOW's output hash file (ONT output specifications, "Output Hash File"), at any depth of the run folder: written
 * beside the final summary, one CSV row per output file with its SHA-256.
 */
export const MINKNOW_OUTPUT_HASH = /(^|\/)output_hash_[^/]*\.csv$/;

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

/** The flow cell and run ids a final summary's name carries: `final_summary_{flow_cell_id}_{short_protocol_run_id}_{short_run_id}.txt`. */
function summaryIds(summaryPath: string): { flowCell: string; protocolRun: string; ids: string } | undefined {
  const match = /(?:^|\/)final_summary_(.+)_([^_/]+)_([^_/]+)\.txt$/.exec(summaryPath);
  return match ? { flowCell: match[1]!, protocolRun: match[2]!, ids: `_${match[2]}_${match[3]}_` } : undefined;
}

/**
 * Whether a MinKNOW final summary speaks for a FASTQ: the FASTQ was written into the summary's own output
 * folder (the protocol run folder, or with data pooling the library folder several flow cells share) and,
 * when both names carry them, by the same flow cell and protocol run (FASTQ names are
 * `{flow_cell_id}_{pass|fail}_[{alias}_]{short_protocol_run_id}_{short_run_id}_{batch}`). So one flow cell's
 * summary never completes another flow cell's reads, in the same experiment folder or the same pooled folder.
 */
export function minknowSummaryCovers(summaryPath: string, fastqPath: string): boolean {
  const folder = summaryPath.includes('/') ? summaryPath.slice(0, summaryPath.lastIndexOf('/') + 1) : '';
  const segments = fastqPath.split('/');
  const fastqAt = segments.findIndex((segment) => FASTQ_FOLDER.test(segment));
  const outputFolder =
    fastqAt < 0
      ? undefined
      : segments
          .slice(0, fastqAt)
          .map((segment) => `${segment}/`)
          .join('');
  if (outputFolder === undefined ? !fastqPath.startsWith(folder) : outputFolder !== folder) return false;
  const ids = summaryIds(summaryPath);
  const base = segments[segments.length - 1]!;
  if (!ids || !/_(?:pass|fail)_/.test(base)) return true;
  return base.startsWith(`${ids.flowCell}_`) && base.includes(ids.ids);
}

/**
 * Whether the output hash file of a final summary's protocol run is among `paths`: in the summary's folder, named
 * `output_hash_{flow_cell_id}_{daq_start_time}_{short_protocol_run_id}.csv` (ONT output specifications) for the
 * summary's flow cell and protocol run (a pooled folder holds several flow cells' files).
 *
 * @example outputHashLanded('a/final_summary_PAW1_e05460c6_de9f2c7f.txt', ['a/output_hash_PAW1_20250603_1201_e05460c6.csv']) // true
 */
export function outputHashLanded(summaryPath: string, paths: readonly string[]): boolean {
  const folder = summaryPath.includes('/') ? summaryPath.slice(0, summaryPath.lastIndexOf('/') + 1) : '';
  const ids = summaryIds(summaryPath);
  return paths.some((path) => {
    const base = path.slice(folder.length);
    if (!path.startsWith(folder) || base.includes('/') || !MINKNOW_OUTPUT_HASH.test(base)) return false;
    return !ids || (base.startsWith(`output_hash_${ids.flowCell}_`) && base.endsWith(`_${ids.protocolRun}.csv`));
  });
}

/**
 * FASTQs a final summary counts that have not landed: those counted minus those present that it speaks for
 * ({@link minknowSummaryCovers}: `fastq_pass/`, `fastq_fail/`). 0 when all are there or the count is unknown.
 */
export function fastqsNotYetLanded(summaryPath: string, summary: MinknowFinalSummary, paths: readonly string[]): number {
  if (summary.fastqFiles === undefined) return 0;
  const present = paths.filter(
    (path) => isFastqName(path.slice(path.lastIndexOf('/') + 1)) && minknowSummaryCovers(summaryPath, path),
  ).length;
  return Math.max(0, summary.fastqFiles - present);
}
