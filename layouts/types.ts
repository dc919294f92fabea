/**
 * The shared vocabulary of run-folder layouts (COORDINATION.md "Shared contracts"): every file of a
 * sample carries the read LABEL exactly as the instrument named it, the ROLE that label plays in the
 * read structure, and the lane (and part) it holds. Everyone else imports these types from here.
 */

import { ReadLabel as ReadLabelSchema, type ReadRole } from '../contracts/reads.ts';

/**
 * Read labels (`R1`–`R4`, `I1`/`I2`) and roles (`mate1`, `mate2`, `single`, `index1`, `index2`, `umi`):
 * the shape is fixed in contracts/reads.ts (it crosses events, job payloads and the catalog); layouts/
 * decides which file has which. Index and UMI reads are never mates; `single` stands alone.
 */
export type { ReadLabel, ReadRole } from '../contracts/reads.ts';

export const READ_LABELS: readonly ReadLabel[] = ReadLabelSchema.options;
type ReadLabel = (typeof ReadLabelSchema.options)[number];

/** One read of the read structure: the FASTQ label it is written as, its role, and its length when known. */
export interface ReadSegment {
  label: ReadLabel;
  role: ReadRole;
  /** Cycles (bases) of this read, when RunInfo.xml or the sheet says. */
  cycles?: number;
  /**
   * Index reads are written as FASTQs only on request (bcl2fastq `--create-fastq-for-index-reads`, BCL
   * Convert `CreateFastqForIndexReads,1`): such a read is required only when the sheet asks for it; else
   * the index files that landed are attached with their role and none is waited for.
   */
  optional?: boolean;
}

/** Where a read structure was read from, in the order they are trusted. */
export type ReadStructureSource = 'RunInfo.xml' | 'OverrideCycles' | 'sample sheet [Reads]' | 'files present' | 'long reads';

/** The reads every sample (of a run, or of one sample when its sheet row overrides cycles) is written as. */
export interface ReadStructure {
  reads: ReadSegment[];
  source: ReadStructureSource;
}

/** How a run folder is laid out and when it counts as complete: Illumina-style naming, or a long-read instrument. */
export type LayoutProfile = 'illumina' | 'manifest' | 'marker' | 'ont' | 'pacbio';

export const LAYOUT_PROFILES: readonly LayoutProfile[] = ['illumina', 'manifest', 'marker', 'ont', 'pacbio'];

/**
 * Lane value of a file that holds every lane of its sample (bcl2fastq `--no-lane-splitting`, BCL Convert
 * `NoLaneSplitting,true`): the name has no `_L00<k>` part.
 */
export const ALL_LANES = 0;

/** One file a sample should have: which read, role, lane and part, and whether (and as what) it landed. */
export interface ExpectedFile {
  /**
   * Path inside the run folder as it landed; for a file not landed yet, the name the layout expects
   * (without a folder: the matcher finds it in any folder).
   */
  name: string;
  label: ReadLabel;
  role: ReadRole;
  /** Lane 1–8, or {@link ALL_LANES} (0) when lanes were not split. Long reads: 1. */
  lane: number;
  /**
   * Order of this file among several of one lane and label (CASAVA 1.8 `_001`, `_002` chunks, MinKNOW
   * batches, PacBio cells): steps concatenate a label's files by lane, then part.
   */
  part: number;
  landed: boolean;
}

/** What the layout says about one landed file of a sample: its read label, role, lane and part (contracts/reads.ts). */
export type { FileRead } from '../contracts/reads.ts';

/** A sample of a run folder: every file it should have, in lane, label and part order. */
export interface LayoutSample {
  /** The sample id: the sheet's Sample_ID, the MinKNOW barcode/alias, the PacBio barcode or sample name. */
  sampleId: string;
  /** Sample_Project (or Cloud_Data ProjectName) when the sheet gives one. */
  project?: string;
  /** The `S<n>` number the demultiplexer gives the sample (first appearance in the sheet). */
  sampleNumber?: number;
  readStructure: ReadStructure;
  files: ExpectedFile[];
}

/** Why a run-level file is known (kept, never processed as a sample). */
export type RunFileKind =
  | 'sample-sheet'
  | 'run-info'
  | 'run-parameters'
  | 'completion-marker'
  | 'manifest'
  | 'undetermined'
  | 'unclassified'
  | 'failed-reads'
  | 'instrument-output'
  | 'report';

export interface RunLevelFile {
  name: string;
  kind: RunFileKind;
}

/** A landed file that belongs to no sample and is not a known run-level file: it is kept and counted, never processed. */
export interface UnexpectedFile {
  name: string;
  /** Why it fits nowhere, in words a user can act on. */
  reason: string;
  /** A FASTQ of an onboard analysis a requeue replaced: kept and not processed, but no fault of the folder. */
  superseded?: true;
}

/** A problem with the layout itself (the same file name in two folders, a sample without readable name). */
export interface LayoutProblem {
  file: string;
  message: string;
  expected?: string;
  found?: string;
}

/** What a run folder's landed files make: samples with every expected file, the known run files, the unexpected ones. */
export interface RunLayout {
  profile: LayoutProfile;
  /** The run's read structure (a sample whose sheet row overrides cycles carries its own). */
  readStructure: ReadStructure;
  /** Lanes every sample without a Lane column in the sheet is expected in, or `[ALL_LANES]` when lanes were not split. */
  lanes: number[];
  samples: LayoutSample[];
  runFiles: RunLevelFile[];
  unexpected: UnexpectedFile[];
  problems: LayoutProblem[];
}
