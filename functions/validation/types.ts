import { LAYOUT_PROFILES, type LayoutProfile, type ReadLabel, type ReadRole } from '../../layouts/types.ts';
import type { ValidationReason } from '../catalog/types.ts';

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
