import type { FunctionName } from '../contracts/names.ts';

/**
 * Timeout and memory of every function, each sized for its longest work (SST's default timeout is 20 seconds,
 * shorter than several of these: a function killed part-way is retried from the start and dies again).
 * A new function must say what it needs here (the Record makes a missing one a type error).
 */
export const FUNCTION_SIZING: Record<
  FunctionName,
  { timeout: `${number} minute` | `${number} minutes` | `${number} seconds`; memory: `${number} MB` }
> = {
  // One landed file: its catalog record, then the run's completeness (lists the run's files).
  land: { timeout: '1 minute', memory: '1024 MB' },
  // Walks every open run; re-drives what waits (validation inline, lost job changes, held steps).
  reconcileRuns: { timeout: '5 minutes', memory: '1024 MB' },
  uploadBarrier: { timeout: '1 minute', memory: '1024 MB' },
  // A whole run reprocessed: an execution started per sample.
  reprocess: { timeout: '5 minutes', memory: '1024 MB' },
  // Validation streams FASTQ (up to validation.inlineMaxBytes per sample), then concludes: a rejected sample's
  // files are copied to quarantine.
  validate: { timeout: '15 minutes', memory: '2048 MB' },
  validateFile: { timeout: '15 minutes', memory: '2048 MB' },
  // Concludes samples larger than validation.inlineMaxBytes: a rejection copies them (tens of GB) to quarantine.
  validationJobFinished: { timeout: '15 minutes', memory: '1024 MB' },
  startWorkflow: { timeout: '1 minute', memory: '1024 MB' },
  jobStateChange: { timeout: '2 minutes', memory: '1024 MB' },
  submitStep: { timeout: '2 minutes', memory: '1024 MB' },
  // Copies a step's outputs twice (multipart above 5 GiB) and verifies them.
  publishStep: { timeout: '15 minutes', memory: '1024 MB' },
  completeSample: { timeout: '1 minute', memory: '1024 MB' },
  // Stops the sample's other jobs, one TerminateJob each.
  failSample: { timeout: '2 minutes', memory: '1024 MB' },
  // Both write the run's index, whose writer keeps at it for up to its budget (updateRunIndex.ts
  // RUN_INDEX_WRITER_BUDGET_MS): killed before, it leaves its lease to expire and the run's changes unwritten.
  finishRunSteps: { timeout: '2 minutes', memory: '1024 MB' },
  indexRun: { timeout: '2 minutes', memory: '1024 MB' },
  // Submits every job a run held behind its early steps: hundreds for a full flow cell, a few calls each.
  releaseHeldSteps: { timeout: '5 minutes', memory: '1024 MB' },
  reportRun: { timeout: '2 minutes', memory: '1024 MB' },
  publishActivity: { timeout: '1 minute', memory: '1024 MB' },
  scaleRegion: { timeout: '1 minute', memory: '1024 MB' },
  regionWokeUp: { timeout: '1 minute', memory: '1024 MB' },
  warmBusinessHours: { timeout: '1 minute', memory: '1024 MB' },
  // Email through SNS, chat through a webhook: each a network call that may be slow.
  notify: { timeout: '1 minute', memory: '1024 MB' },
};
