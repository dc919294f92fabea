import { isFastqName } from './fastqNames.ts';
import type { LayoutProfile, RunFileKind } from './types.ts';

/** Manifest names a run folder may hold (md5sum/sha256sum format, or JSON): the same rule for landing and `landfall validate`. */
export const MANIFEST_NAME = /^(manifest\.json|.+\.md5|.+\.sha256|md5sums?\.txt|sha256sums?\.txt|MD5SUMS|SHA256SUMS)$/i;

/** Illumina sample sheets by name (`SampleSheet.csv`, `SampleSheet_v2.csv`, …). */
export const SAMPLE_SHEET_NAME = /^samplesheet.*\.csv$/i;

/**
 * The onboard analysis a file was written by: `Analysis/<n>/` (NovaSeq X, NextSeq 1000/2000; Illumina: "the
 * number of the analysis/requeue, such as '1' for the initial analysis"), -1 outside one.
 */
export const analysisNumber = (path: string): number => Number(/(?:^|\/)Analysis\/(\d+)\//.exec(path)?.[1] ?? -1);

/** The newest onboard analysis whose FASTQs are among `paths` (a requeue is a higher number), -1 when none. */
export function latestAnalysis(paths: readonly string[]): number {
  let latest = -1;
  // Every evaluation of a run asks this of all its files: the cheap test first.
  for (const path of paths) {
    if (!path.includes('Analysis/')) continue;
    const analysis = analysisNumber(path);
    if (analysis > latest && isFastqName(baseName(path))) latest = analysis;
  }
  return latest;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/**
 * Where an onboard analysis writes its own copy of the sheet it demultiplexed with, most telling first
 * (NovaSeq X: `Analysis/<n>/Data/` and `Data/BCLConvert/`; NextSeq 1000/2000: `Data/Reports/`).
 */
const ANALYSIS_SHEET_FOLDERS = ['Data', 'Data/BCLConvert', 'Data/Reports'];

/**
 * THE sample sheet a run's samples are read from, among the paths of its landed files: the top-level
 * `SampleSheet.csv` (else another top-level `SampleSheet*.csv`), except in a requeued onboard analysis. A
 * requeue is mostly made to correct the sheet (a wrong index, a misnamed sample), and the instrument leaves the
 * run's top-level sheet as it was: the requeue's own copy under `Analysis/<n>/` says which samples its FASTQs
 * are. So when the newest analysis is a requeue (n ≥ 2) and its sheet landed, that sheet is the run's; an
 * analysis's sheet is also used when no top-level sheet landed (a lab that copies only `Analysis/`), and so is
 * BCL Convert's copy in `Reports/` (a BCL Convert output directory copied as the run folder).
 * Used by the landing, the sweep and `landfall validate` alike.
 *
 * @example runSampleSheetPath(['SampleSheet.csv', 'Analysis/2/Data/SampleSheet.csv', 'Analysis/2/Data/BCLConvert/fastq/A_S1_L001_R1_001.fastq.gz'])
 * // 'Analysis/2/Data/SampleSheet.csv'
 */
export function runSampleSheetPath(paths: readonly string[]): string | undefined {
  const top = paths.filter((path) => !path.includes('/') && SAMPLE_SHEET_NAME.test(path));
  const topSheet = top.find((path) => path === 'SampleSheet.csv') ?? top.sort()[0];
  const latest = latestAnalysis(paths);
  if (latest < 1 || (latest === 1 && topSheet)) return topSheet ?? bclConvertCopy(paths, 'SampleSheet.csv');
  const sheets = new Set(paths.filter((path) => analysisNumber(path) === latest && SAMPLE_SHEET_NAME.test(baseName(path))));
  const analysisSheet =
    ANALYSIS_SHEET_FOLDERS.map((folder) => `Analysis/${latest}/${folder}/SampleSheet.csv`).find((path) => sheets.has(path)) ??
    [...sheets].sort()[0];
  return analysisSheet ?? topSheet ?? bclConvertCopy(paths, 'SampleSheet.csv');
}

/**
 * The copy BCL Convert keeps of a document it converted with: "the sample sheet and RunInfo.xml file used during
 * conversion is copied into the Reports/ output subfolder". A run folder that is a BCL Convert output directory
 * (`--output-directory` copied to the share: FASTQs, `Reports/`, `Logs/`) has no other.
 */
const bclConvertCopy = (paths: readonly string[], name: string): string | undefined =>
  paths.includes(`Reports/${name}`) ? `Reports/${name}` : undefined;

/**
 * THE RunInfo.xml a run's reads and lanes are read from: the top-level one (the instrument's), else the copy
 * beside the run's sample sheet (an onboard analysis's), else BCL Convert's in `Reports/`.
 *
 * @example runInfoPath(['Reports/SampleSheet.csv', 'Reports/RunInfo.xml'], 'Reports/SampleSheet.csv') // 'Reports/RunInfo.xml'
 */
export function runInfoPath(paths: readonly string[], sheetPath = runSampleSheetPath(paths)): string | undefined {
  if (paths.includes('RunInfo.xml')) return 'RunInfo.xml';
  const beside = sheetPath?.includes('/') ? `${sheetPath.slice(0, sheetPath.lastIndexOf('/') + 1)}RunInfo.xml` : undefined;
  return beside !== undefined && paths.includes(beside) ? beside : bclConvertCopy(paths, 'RunInfo.xml');
}

/** Completion markers every profile understands: a run marker, a per-sample marker, or an instrument's own. */
export const COMPLETION_MARKERS: ReadonlyArray<{ pattern: RegExp; profiles: readonly LayoutProfile[] }> = [
  { pattern: /^CopyComplete\.txt$/, profiles: ['illumina', 'manifest', 'marker'] },
  { pattern: /^RTAComplete\.(txt|xml)$/, profiles: ['illumina', 'manifest', 'marker'] },
  {
    pattern: /^(RunCompletionStatus\.xml|SequenceComplete\.txt|(Basecalling|ImageAnalysis)_Netcopy_complete.*\.txt)$/,
    profiles: ['illumina', 'manifest', 'marker'],
  },
  // BCL Convert: "the file FastqComplete.txt is created in the Logs/ subfolder when conversion is complete".
  { pattern: /^FastqComplete\.txt$/, profiles: ['illumina', 'manifest', 'marker'] },
  { pattern: /^transfer_complete\.txt$/, profiles: ['illumina', 'manifest', 'marker', 'ont', 'pacbio'] },
  { pattern: /^.+\.complete$/, profiles: ['illumina', 'manifest', 'marker'] },
  // MinKNOW writes final_summary_<flow cell>_<ids>.txt "once all files have been written for the sequencing run".
  { pattern: /^final_summary_.*\.txt$/, profiles: ['ont'] },
  // PacBio Sequel/Revio transfer: <movie>.transferdone once a movie's files are copied.
  { pattern: /^.+\.transferdone$/, profiles: ['pacbio'] },
];

// Illumina run folders: instrument output and demultiplexer reports that are kept, never processed.
const ILLUMINA_FOLDERS =
  /^(InterOp|Data|Thumbnail_Images|Images|Config|Recipe|Logs|Log|PeriodicSaveRates|Analysis|Alignment_\d+|Autocenter|Calibration)$/i;
const ILLUMINA_REPORT_FOLDERS = /^(Reports|Stats|Report)$/i;
const ILLUMINA_REPORT_FILES =
  /^(Demultiplex_Stats\.csv|Top_Unknown_Barcodes\.csv|fastq_list\.csv|Adapter_Metrics\.csv|Index_Hopping_Counts\.csv|Quality_Metrics\.csv|DemultiplexingStats\.xml|ConversionStats\.xml|Stats\.json|.+\.html)$/i;
const RUN_PARAMETERS = /^(RunParameters|runParameters)\.xml$/;

// MinKNOW (ONT output specifications, "Output Structure"): per-run reports beside the read folders.
const ONT_REPORTS =
  /^(sequencing_summary_.*\.txt|report_.*\.(html|json|md|pdf)|sample_sheet_.*\.csv|barcode_alignment_.*\.tsv|output_hash_.*\.csv|pore_activity_.*\.csv|throughput_.*\.csv|duty_time_.*\.csv)$/;
const ONT_FOLDERS =
  /^(pod5|pod5_pass|pod5_fail|pod5_skip|fast5_pass|fast5_fail|fast5_skip|bam_pass|bam_fail|other_reports|adaptive_sampling)$/;

// PacBio Revio/Sequel (PacBio file formats, "Revio & Vega file structure"): the movie folder's non-FASTQ parts.
const PACBIO_FOLDERS = /^(metadata|statistics|pb_formats)$/;
const PACBIO_FILES = /\.(bam|bam\.pbi|pbi|xml|json|log|fasta|csv|txt|zip|html|gz\.md5)$/i;

/**
 * What a run-level (non-sample) file is, per profile: the sample sheet, RunInfo/RunParameters, a
 * completion marker, a manifest, instrument output (InterOp, BCLs, logs), or a report. Returns undefined
 * for a file Landfall does not know; FASTQs are matched to samples elsewhere, Undetermined reads too.
 *
 * @example runFileKind('InterOp/QMetricsOut.bin', 'illumina') // 'instrument-output'
 */
export function runFileKind(path: string, profile: LayoutProfile): RunFileKind | undefined {
  const segments = path.split('/');
  const base = segments[segments.length - 1]!;
  const folders = segments.slice(0, -1);
  if (COMPLETION_MARKERS.some((marker) => marker.profiles.includes(profile) && marker.pattern.test(base))) return 'completion-marker';
  if (MANIFEST_NAME.test(base)) return 'manifest';
  if (profile === 'ont') {
    if (folders.some((folder) => /^fastq_fail/.test(folder))) return 'failed-reads';
    if (ONT_REPORTS.test(base)) return 'report';
    if (folders.some((folder) => ONT_FOLDERS.test(folder))) return 'instrument-output';
    return undefined;
  }
  if (profile === 'pacbio') {
    if (folders.includes('fail_reads')) return 'failed-reads';
    if (folders.some((folder) => PACBIO_FOLDERS.test(folder)) || PACBIO_FILES.test(base)) return 'instrument-output';
    return undefined;
  }
  if (SAMPLE_SHEET_NAME.test(base)) return 'sample-sheet';
  if (base === 'RunInfo.xml') return 'run-info';
  if (RUN_PARAMETERS.test(base)) return 'run-parameters';
  if (folders.some((folder) => ILLUMINA_REPORT_FOLDERS.test(folder)) || ILLUMINA_REPORT_FILES.test(base)) return 'report';
  if (folders.some((folder) => ILLUMINA_FOLDERS.test(folder))) return 'instrument-output';
  return undefined;
}

/** Reads an instrument or demultiplexer can write in a form other than gzip FASTQ, and what a lab does about it. */
const READS_NOT_AS_FASTQ: ReadonlyArray<{ profiles: readonly LayoutProfile[]; pattern: RegExp; what: string; todo: string }> = [
  {
    profiles: ['illumina', 'manifest', 'marker'],
    pattern: /\.f(?:ast)?q\.ora$/i,
    what: 'reads compressed as DRAGEN ORA (.fastq.ora)',
    todo: "set FastqCompressionFormat,gzip in the sheet's [BCLConvert_Settings] and convert again, or decompress them with orad, and upload the .fastq.gz files",
  },
  {
    profiles: ['ont'],
    pattern: /(^|\/)bam_pass\/.*\.bam$/,
    what: "basecalled reads as BAM only (MinKNOW's bam_pass/)",
    todo: 'turn on FASTQ output in MinKNOW for the next run, or convert them with `samtools fastq` and upload the .fastq.gz files under fastq_pass/',
  },
  {
    profiles: ['pacbio'],
    pattern: /\.hifi_reads(\.[^./]+)?\.bam$/,
    what: 'HiFi reads as BAM only',
    todo: 'export them as FASTQ (SMRT Link, or `bam2fastq` from pbtk) and upload the .fastq.gz files beside them',
  },
];

/**
 * Why a run's reads cannot become samples when they are written as something other than gzip FASTQ (DRAGEN
 * ORA, a Revio's HiFi BAMs, MinKNOW's BAM output): the first such file, how many more, and what to do.
 * Undefined when there are none. Landfall reads FASTQ only; without this a run of such files waits for
 * FASTQs that never come and ends INCOMPLETE at the deadline without saying why.
 *
 * @example readsNotAsFastq(['Analysis/1/Data/BCLConvert/ora_fastq/S1_S1_L001_R1_001.fastq.ora'], 'illumina')
 */
export function readsNotAsFastq(paths: readonly string[], profile: LayoutProfile): string | undefined {
  for (const kind of READS_NOT_AS_FASTQ) {
    if (!kind.profiles.includes(profile)) continue;
    const found = paths.filter((path) => kind.pattern.test(path));
    if (found.length === 0) continue;
    const more = found.length > 1 ? ` and ${found.length - 1} more` : '';
    return `FASTQ: ${found[0]}${more} hold ${kind.what}, which Landfall does not read; ${kind.todo}`;
  }
  return undefined;
}

/**
 * THE `Demultiplex_Stats.csv` that counts the run's FASTQs: BCL Convert's report of the reads it assigned to
 * each sample and lane, in the newest onboard analysis (`Analysis/<n>/…`, NovaSeq X, NextSeq 1000/2000) or
 * beside FASTQs converted off the instrument (`Reports/`); of several, the one in a folder the instrument or BCL
 * Convert writes it to; undefined when there is none or none of several is known (no count is then made).
 *
 * @example demultiplexStatsPath(['Reports/Demultiplex_Stats.csv', 'S1_S1_L001_R1_001.fastq.gz']) // 'Reports/Demultiplex_Stats.csv'
 */
export function demultiplexStatsPath(paths: readonly string[]): string | undefined {
  const latest = latestAnalysis(paths);
  const reports = paths.filter((path) => baseName(path) === 'Demultiplex_Stats.csv' && analysisNumber(path) === (latest < 1 ? -1 : latest));
  if (reports.length === 1) return reports[0];
  const known = latest < 1 ? ['Reports'] : ANALYSIS_REPORT_FOLDERS.map((folder) => `Analysis/${latest}/${folder}`);
  return known.map((folder) => `${folder}/Demultiplex_Stats.csv`).find((path) => reports.includes(path));
}

/** Where an onboard analysis keeps its Demultiplex_Stats.csv (NovaSeq X: Data/Demux/, or beside the FASTQs; NextSeq 1000/2000: Data/Reports/). */
const ANALYSIS_REPORT_FOLDERS = ['Data/Demux', 'Data/BCLConvert/fastq/Reports', 'Data/Reports'];
