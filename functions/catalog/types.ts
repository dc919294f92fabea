import type { FileRead } from '../../layouts/types.ts';
import type { ValidationReason, VersionFile } from '../../validation/types.ts';
import type { FileSetRef } from './FileSets.ts';

/** Sample statuses (DESIGN.md "Statuses"). */
export type SampleStatus =
  | 'RECEIVING'
  | 'VALIDATING'
  | 'REJECTED'
  | 'READY'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'SUPERSEDED'
  /** Stopped by a person (`landfall cancel`): its executions and jobs stopped, nothing more published; reprocess restarts it. */
  | 'CANCELLED';
export const TERMINAL_SAMPLE_STATUSES: readonly SampleStatus[] = ['REJECTED', 'COMPLETED', 'FAILED', 'SUPERSEDED', 'CANCELLED'];
/** Every sample status, in the order a sample moves through them (listings, `--status` help, validation of a filter). */
export const SAMPLE_STATUSES: readonly SampleStatus[] = [
  'RECEIVING',
  'VALIDATING',
  'REJECTED',
  'READY',
  'RUNNING',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'SUPERSEDED',
];

/** Run statuses (DESIGN.md "Statuses"). */
export type RunStatus = 'RECEIVING' | 'INCOMPLETE' | 'COMPLETE' | 'PROCESSING' | 'DONE';

// A landed object as the catalog remembers it (contracts/validationJob.ts: validation reads it too).
export type { LandedFile } from '../../contracts/validationJob.ts';

// A file of a sample version: validation builds it (validation/types.ts), the catalog keeps it.
export type { VersionFile } from '../../validation/types.ts';

// The references every key, event and item names a sample by (contracts/keys.ts).
export type { SampleRef, VersionRef } from '../../contracts/keys.ts';
import type { SampleRef, VersionRef } from '../../contracts/keys.ts';

/** Missing files named on a run item and in a "Run Incomplete" (the count is always exact). */
export const MISSING_LISTED = 20;

export interface RunRecord {
  team: string;
  runId: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  /** Legacy: the expected sample ids, on run items written before they moved to `EXPECTED#` items (Runs.expectedSamples). */
  expectedSamples?: string[];
  /** How many samples the run expects; their ids: `catalog.runs.expectedSamples`. */
  expectedSampleCount?: number;
  /** The `EXPECTED#` items holding the ids, and the digest of the list they hold (written only when it changes). */
  expectedSampleItems?: number;
  expectedSamplesDigest?: string;
  /** The first missing files by name (at most {@link MISSING_LISTED}); `missingCount` says how many in all. */
  missing?: string[];
  missingCount?: number;
  /** What completeness still waits for, in words ("CopyComplete.txt", "3 missing files"). */
  waitingFor?: string;
  /** What said the instrument was done (CopyComplete.txt, a marker, the manifest, the gateway barrier). */
  signal?: string;
  /** Completion time of the last Storage Gateway working-set barrier (NotifyWhenUploaded) for this run's share. */
  barrierAt?: string;
  /** Cataloged samples with changed re-uploads still settling (relandQuietSeconds): the sweep re-evaluates the run until empty. */
  settlingSamples?: string[];
  /** Incremented by every change the run's index.json reflects (functions/publishing/updateRunIndex.ts). */
  indexRevision?: number;
  /** The revision index.json shows: behind `indexRevision` while a change waits for the writer (the sweep re-drives). */
  indexWrittenRevision?: number;
  /** The run's one index writer and how long its lease lasts (epoch ms). */
  indexLeaseOwner?: string;
  indexLeaseUntil?: number;
  /** When the run report was last written (reports/ under the run); the sweep re-drives a DONE run without it. */
  reportedAt?: string;
  /** The last error the sweep met on this run (recorded there; the sweep goes on with the other runs). */
  sweepError?: { at: string; message: string };
  /** Names of the run's landed sample sheet and manifest, as the last evaluation read them (validation reads these). */
  documents?: string[];
  /** Landed files that belong to no sample and are no known run file (layouts/): counted, never processed. */
  unexpectedCount?: number;
  /** The first of them with why (bounded: the count is exact, each one is also an "Unexpected File" event). */
  unexpected?: Array<{ name: string; reason: string }>;
}

export interface SampleRecord extends SampleRef {
  status: SampleStatus;
  currentVersion?: number;
  updatedAt: string;
  /** Where the sample is now, in words a person understands ("running trim in eu-west-1"). */
  detail?: string;
  /** Identity of the file set last announced as "Sample Landed" (see evaluateRun): the same set is not announced again. */
  landedIdentity?: string;
  /**
   * Identity of the run's checksum documents (its manifest, MinKNOW's hash files) the sample was last checked
   * against: written with VALIDATING for the documents its validation reads, and by the run's evaluation when it
   * checks a cataloged version against a later one (see evaluateRun, concludeValidationWithDocuments). A
   * document landing later is checked once.
   */
  checkedDocuments?: string;
  /** The file set a validation began on (VALIDATING): what the sweep validates again if that validation's process died. */
  validating?: { files: string[]; reads?: FileRead[]; fileSet?: FileSetRef };
  /**
   * The version whose early steps had all published when the last of them did (functions/workflow/earlySteps.ts):
   * the early-step gate need not read that version's steps. Cleared when one of them runs again (reprocess).
   */
  earlyStepsDoneVersion?: number;
}

export interface VersionRecord extends VersionRef {
  versionHash: string;
  status: SampleStatus;
  /** Every file of the version (read from the catalog whole, wherever the item keeps them). */
  files: VersionFile[];
  /** Where a list too long for the item is kept (its `files` then empty as stored); null once replaced inline. */
  filesRef?: FileSetRef | null;
  createdAt: string;
  updatedAt: string;
  /** The first reasons of a rejection; `reasonCount` of them in all, the full list at `reasonsKey` (quarantine bucket). */
  reasons?: ValidationReason[];
  reasonCount?: number;
  reasonsKey?: string;
  pipeline?: string;
  executionName?: string;
  executionArn?: string;
  /** Generation of the current execution: 0 automatic, then linked recovery/reprocessing executions. */
  generation?: number;
  workflowStartedAt?: string;
  completedAt?: string;
  error?: string;
  /** Incremented by every catalog change the manifest reflects; the manifest writer loops until stable. */
  manifestRevision?: number;
  /** Last "Step Output Published" sequence number handed out for this version. */
  publishSequence?: number;
  /** The sample's sample-sheet values (`{{param.<Column>}}`, a step's reference column), as validation read them. */
  params?: Record<string, string>;
  /** A version of the run's run steps (RUN_STEPS_SAMPLE): the sample versions they cover. */
  runSamples?: Array<{ sampleId: string; version: number }>;
}

export interface PublishedOutput {
  key: string;
  size: number;
  md5: string;
}

export interface StepRecord extends VersionRef {
  step: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  jobName: string;
  jobId?: string;
  region: string;
  attempt?: number;
  workPrefix?: string;
  outputs?: PublishedOutput[];
  /** Where a list of outputs too long for the item is kept (its `outputs` then empty as stored). */
  outputsRef?: FileSetRef;
  sequence?: number;
  startedAt?: string;
  publishedAt?: string;
  /** The generation of the execution whose job's outputs were published (a later one reusing them says nothing again). */
  publishedGeneration?: number;
  /** Every placement of the step's job, oldest first: a re-placement (region lost) appends one. */
  placements?: PlacementRecord[];
  /** What the step's job used over all its attempts, and the estimated price (functions/workflow/jobCost.ts). */
  cost?: JobCost;
  /** Why a FAILED step failed, in one line: which container exited with which code, or Batch's reason. */
  error?: string;
  /** The last lines (at most 20) the failing container wrote: the tool's own error, not "Essential container in task exited". */
  logTail?: string[];
  /** FAILED because it was stopped, not because it failed: its sample was cancelled or failed in another step (`error` says which). */
  stopped?: boolean;
}

/** One finished job's cost, kept per job so failed and re-placed jobs count too. */
export interface JobCostRecord extends VersionRef {
  step: string;
  jobName: string;
  /** SUCCEEDED or FAILED: how the job ended. */
  status: string;
  cost: JobCost;
  at: string;
}

/** What the callback task left for the job-state handler: how to complete the waiting workflow task. */
export interface JobRecord extends VersionRef {
  jobName: string;
  step: string;
  taskToken: string;
  executionName: string;
  region: string;
  workBucket: string;
  /** `work/<execution>/<step>/`; each attempt writes under `attempt-<k>/`. */
  workPrefix: string;
  jobId?: string;
  submittedAt: string;
  /** A later step held back until the run's early steps published: the submission to make then. */
  deferredSpec?: string;
  releasedAt?: string;
  /** The JobSpec as submitted (JSON), so a re-placement can resubmit it elsewhere. */
  spec?: string;
  /** Bytes copied to stage the job's inputs into its region (its transfer cost). */
  stagedBytes?: number;
  /** Where placement put the job and why. */
  placement?: PlacementRecord;
  /** Set when the job was re-placed: its events no longer complete the task. */
  replacedBy?: string;
}

export interface ExecutionRecord extends VersionRef {
  executionName: string;
  executionArn: string;
  pipeline: string;
  generation: number;
  startedAt: string;
  /** Why a linked execution started: 'automatic', 'recovery' or 'reprocess'. */
  reason?: 'automatic' | 'recovery' | 'reprocess';
  /** Reprocessing: the step from which steps re-run (earlier ones reuse published outputs). */
  rerunFrom?: string;
}

export type CapacityType = 'on-demand' | 'spot';

/**
 * What one Batch job cost: every attempt counts (a failed or interrupted attempt was paid for too), plus
 * moving its inputs into a non-home region. Estimates from config prices, not the AWS bill.
 */
export interface JobCost {
  region: string;
  capacityType: CapacityType;
  attempts: number;
  /** Wall-clock seconds over all attempts. */
  seconds: number;
  vcpuSeconds: number;
  memoryGbSeconds: number;
  computeUsd: number;
  /** Bytes copied into the job's region to stage its inputs (0 at home, or when already staged). */
  transferBytes: number;
  transferUsd: number;
  /** computeUsd + transferUsd. */
  estimatedUsd: number;
}

/** Placement as the catalog records it on the job and on the step attempt (lineage of re-placements). */
export interface PlacementRecord {
  jobName: string;
  region: string;
  at: string;
  estimatedStartSeconds: number;
  reasons: string[];
  /** Set on a re-placement: the job it replaces and why. */
  replaces?: string;
  why?: string;
}
