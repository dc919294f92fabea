import type { LandedFile } from '../contracts/validationJob.ts';
import { LAYOUT_PROFILES, type LayoutProfile, type ReadLabel, type ReadRole } from '../layouts/types.ts';
import type { RuleCode } from './rules.ts';

/**
 * One problem found in landed data: the rule it breaks, where it is (file, line, record), and what was
 * expected and found, in words. Built with `reasonOf` (validation/rules.ts).
 */
export interface ValidationReason {
  /** The broken rule's code (`landfall validate --rules` lists them). */
  code: RuleCode;
  file: string;
  line?: number;
  /** 1-based FASTQ record (read) number, when the problem is inside a record. */
  record?: number;
  /** What a valid file has at this place, in words ("'@' at the start of the header line"). */
  expected?: string;
  /** What the file has instead ("'X'", "149 characters", "end of file"). */
  found?: string;
  message: string;
}

/**
 * Read statistics, computed in the validation pass with fixed definitions so that numbers from
 * different runs, machines and versions compare:
 * - `reads`: complete records; `bases`: sum of sequence lengths (N included);
 * - `minLength` / `meanLength` / `maxLength`: sequence lengths (0 when there are no reads);
 * - `gcPercent`: (G + C) / (A + C + G + T) × 100, case-insensitive, N excluded from both;
 * - `meanQuality`: mean Phred score over all quality characters (Phred+33: `'!'` = 0);
 * - `q30Percent`: share of quality characters with Phred ≥ 30 (`'?'` and above) × 100.
 * Means and percentages are rounded to 2 decimals.
 */
export interface ReadStats {
  reads: number;
  bases: number;
  minLength: number;
  meanLength: number;
  maxLength: number;
  gcPercent: number;
  meanQuality: number;
  q30Percent: number;
}

/** A file of a sample version: its identity plus the MD5 computed from the stored bytes. */
export interface VersionFile extends Omit<LandedFile, 'landedAt'> {
  md5: string;
  /** The read label as the instrument named the file: R1–R4, I1, I2 (layouts/). */
  read: ReadLabel;
  /** What the read is for: mate1, mate2, single, umi, index1, index2 (absent on versions cataloged before roles). */
  role?: ReadRole;
  /** Lane 1–8, or 0 when the file holds every lane (not lane-split). */
  lane: number;
  /** Order among several files of one lane and read (chunks, batches); 1 when there is one. */
  part?: number;
  reads: number;
  /** Read statistics from the validation pass (8 numbers: a few hundred bytes per file in the item). */
  stats?: ReadStats;
}

/**
 * How quality characters encode Phred scores: `phred+33` (Sanger, Illumina 1.8 and later, every current
 * instrument) or `phred+64` (Illumina pipelines 1.3–1.7), told apart as FastqScanner describes.
 */
export type QualityEncoding = 'phred+33' | 'phred+64';

/** What one streaming pass over one stored file found. */
export interface FastqInspection {
  /** MD5 (hex) of the stored bytes, compressed as they are. */
  md5: string;
  /** SHA-256 (hex) of the stored bytes, when asked for. */
  sha256?: string;
  /** Bytes of the stored (compressed) object. */
  size: number;
  /** True when the stored bytes are gzip (detected from the magic bytes, not the name). */
  compressed: boolean;
  reads: number;
  bases: number;
  stats: ReadStats;
  /** The quality encoding found (undefined when the file holds no quality character); `stats` use its scale. */
  qualityEncoding?: QualityEncoding;
  reasons: ValidationReason[];
}

/** The verdict on one file of `landfall validate`. */
export interface FileValidation {
  /** Path as given, or relative to the run folder. */
  path: string;
  valid: boolean;
  reasons: ValidationReason[];
  md5?: string;
  sha256?: string;
  size?: number;
  stats?: ReadStats;
  /** FASTQ only: the quality encoding found; `stats` are on its scale. */
  qualityEncoding?: QualityEncoding;
}

/** How the validator reads data, from the `validation` section of landfall.config.ts. */
export interface ValidationOptions {
  /** Accept '.' in sequences as a legacy no-call, counted as N (`validation.legacyNoCalls`). @default false */
  legacyNoCalls?: boolean;
}

/** Instrument profile used to decide which files a run folder must hold (the layouts' profiles). */
export type ValidationProfile = LayoutProfile;

export const VALIDATION_PROFILES: readonly ValidationProfile[] = LAYOUT_PROFILES;

/** Which files make a sample of a run folder (the live landing catalogs the same mapping). */
export interface SampleFiles {
  sampleId: string;
  files: Array<{ path: string; label: ReadLabel; role: ReadRole; lane: number; part: number }>;
}

/** The verdict on a file or a run folder; `reasons` holds run-level problems (missing files, orphans, manifest). */
export interface ValidationResult {
  valid: boolean;
  /** The profile that was applied (run folders only). */
  profile?: ValidationProfile;
  files: FileValidation[];
  reasons: ValidationReason[];
  /** Run folders: the samples the layout makes of its files. */
  samples?: SampleFiles[];
  /** Run folders: files that belong to no sample and are no known run file (the live landing counts them, never processes them). */
  unexpected?: Array<{ name: string; reason: string }>;
}
