import { z } from 'zod';
import { TeamId } from '../names.ts';
import { eventEnvelope } from './envelope.ts';
import { FileRead } from '../reads.ts';

export const LANDFALL_SOURCE = 'landfall';

/** Fields every Landfall event carries, so a team can subscribe with one pattern on `detail.team`. */
const RunFields = {
  team: TeamId,
  runId: z.string().min(1),
  /** Consumers drop repeats by this key: delivery is at least once everywhere. */
  dedupeKey: z.string().min(1),
};
const SampleFields = { ...RunFields, sampleId: z.string().min(1), version: z.number().int().positive() };

const ObjectKeys = z.array(z.string().min(1));

/** A long list kept in the catalog (functions/catalog/FileSets.ts) instead of carried: its set's name and how many entries. */
export const FileSetRef = z.object({ fileSet: z.string().min(1), count: z.number().int().positive() });
export type FileSetRef = z.infer<typeof FileSetRef>;

/** The detail schema of every event Landfall emits, by detail-type. */
export const landfallEventDetails = {
  /** Every expected file of a sample has landed (and the run's completion marker); validation comes next. */
  'Sample Landed': z.object({
    ...RunFields,
    sampleId: z.string().min(1),
    /** The sample's files by name: all of them, or (with `fileSet`) the first 100. */
    files: z.array(z.string().min(1)).min(1),
    /** Each file's read label, role, lane and part, as the run's layout decided them (layouts/). */
    reads: z.array(FileRead).optional(),
    /**
     * Set when the sample has too many files to list in an event (a team's SNS topic takes 256 KB at most; a
     * MinKNOW barcode has thousands of batches): every name and read is in the catalog's file set of this
     * name (functions/catalog/FileSets.ts), `count` of them; `reads` is then absent.
     */
    fileSet: FileSetRef.optional(),
  }),
  /**
   * A FASTQ was cataloged by `land`: its own validation (validateFile) can start while the run still copies.
   * Published without the outbox: a lost one costs latency only (the sample's conclusion validates a file without a verdict).
   */
  'File Landed': z.object({
    ...RunFields,
    name: z.string().min(1),
    bucket: z.string().min(1),
    key: z.string().min(1),
    size: z.number().int().nonnegative(),
    etag: z.string(),
    versionId: z.string().optional(),
  }),
  /** A run still missing files when its deadline passed: never silently dropped. */
  'Run Incomplete': z.object({
    ...RunFields,
    /** The first missing files by name (at most 20, whatever a sheet holds); `missingCount` says how many in all. */
    missing: z.array(z.string()),
    missingCount: z.number().int().nonnegative().optional(),
    waitingFor: z.string().optional(),
  }),
  /** A file that is not simply part of a sample being received: a FASTQ of no sample, a file no run layout knows, late after cataloging, a changed re-upload, or a key Landfall refuses to use (traversal, control characters). */
  'Unexpected File': z.object({
    ...RunFields,
    sampleId: z.string().optional(),
    file: z.string(),
    kind: z.enum(['unknown-sample', 'unknown-file', 'late', 'changed', 'unsafe-key']),
    message: z.string(),
  }),
  /**
   * `landfall replay`, or the reconciliation sweep for an object the catalog never saw: a landed object
   * announced again, as Landfall's own event (EventBridge refuses `aws.*` sources from PutEvents), so both
   * runtimes replay the same way. Cataloged objects are a no-op.
   */
  'Object Replayed': z.object({
    ...RunFields,
    bucket: z.string().min(1),
    key: z.string().min(1),
    size: z.number().int().nonnegative(),
    etag: z.string(),
    /**
     * Re-driven by the sweep: it may follow a process that died mid-landing, so the object goes straight to the
     * catalog's conditional write, past the idempotency store that process may have left "in progress".
     */
    redrive: z.boolean().optional(),
  }),
  /** An operator asked to re-run landed data without re-uploading (`landfall reprocess`): a new linked execution. */
  'Reprocess Requested': z.object({
    ...RunFields,
    /** One sample, or every sample of the run when absent. */
    sampleId: z.string().optional(),
    /** Steps from this one on re-run; earlier ones reuse their published outputs. All steps when absent. */
    fromStep: z.string().optional(),
    pipeline: z.string().optional(),
    /** Every step of the new execution runs at urgent priority (ahead of the backlog, on the urgent queue). */
    urgent: z.boolean().optional(),
  }),
  'Sample Cataloged': z.object({
    ...SampleFields,
    /** The version's files (landing-bucket keys): all of them, or the first 100 when `fileCount` says more. */
    files: ObjectKeys,
    /** How many files the version has, when `files` lists only the first 100 (the manifest lists every one). */
    fileCount: z.number().int().positive().optional(),
    versionHash: z.string(),
  }),
  'Sample Rejected': z.object({
    ...SampleFields,
    /** The first reasons (the full list is in reasonsKey). */
    reasons: z.array(z.object({ file: z.string(), line: z.number().int().optional(), message: z.string() }).passthrough()).min(1),
    reasonCount: z.number().int().positive(),
    /** Quarantine bucket key of reasons.json, beside the quarantined files. */
    reasonsKey: z.string(),
  }),
  'Workflow Started': z.object({ ...SampleFields, executionName: z.string(), executionArn: z.string(), pipeline: z.string() }),
  'Step Output Published': z.object({
    ...SampleFields,
    step: z.string(),
    /** The step's published outputs (results-bucket keys): all of them, or the first 100 when `keyCount` says more. */
    keys: ObjectKeys,
    /** How many outputs the step published, when `keys` lists only the first 100 (the manifest lists every one). */
    keyCount: z.number().int().positive().optional(),
    sequence: z.number().int().positive(),
    manifestKey: z.string(),
  }),
  /** Every step of the version published: `keys` are its published outputs and its manifest. */
  'Sample Completed': z.object({
    ...SampleFields,
    steps: z.array(z.string()),
    /** Every published output and the manifest: all of them, or the first 100 when `keyCount` says more. */
    keys: ObjectKeys,
    /** How many keys there are, when `keys` lists only the first 100 (the manifest lists every one). */
    keyCount: z.number().int().positive().optional(),
    manifestKey: z.string(),
  }),
  /**
   * Every sample of the run is terminal (COMPLETED, FAILED, REJECTED, CANCELLED or SUPERSEDED): emitted once per set of
   * terminal sample versions (a changed re-upload that completes later makes a new fact). `keys` are the
   * run's index.json and the manifests of its samples' current versions.
   */
  'Run Completed': z.object({
    ...RunFields,
    /** Every sample and how it ended, or the first 1,000 when `sampleCount` says more (index.json lists every one). */
    samples: z.array(z.object({ sampleId: z.string().min(1), version: z.number().int().positive().optional(), status: z.string() })).min(1),
    sampleCount: z.number().int().positive().optional(),
    /** index.json, then the manifests: all of them, or the first 100 when `keyCount` says more (index.json lists every one). */
    keys: ObjectKeys,
    keyCount: z.number().int().positive().optional(),
    indexKey: z.string(),
  }),
  'Sample Failed': z.object({ ...SampleFields, step: z.string().optional(), error: z.string(), cause: z.string().optional() }),
  /** A region's inactivity alarm fired: its warm compute went to `warmVcpus` (0, or its business-hours capacity). Platform event, no team. */
  'Region Scaled Down': z.object({
    region: z.string().min(1),
    alarmName: z.string().min(1),
    warmVcpus: z.number().int().nonnegative(),
    /** Epoch ms of the alarm's transition. */
    scaledDownAt: z.number().int().nonnegative(),
    dedupeKey: z.string().min(1),
  }),
  /**
   * New work woke a scaled-down region: the job was submitted at once while warm capacity was raised in
   * parallel; emitted when that job runs, with the wake-up latency (wake → RUNNING). Platform event, no team.
   */
  'Region Woke Up': z.object({
    region: z.string().min(1),
    jobName: z.string().min(1),
    warmVcpus: z.number().int().nonnegative(),
    /** Epoch ms: submission into the scaled-down region, and the job's RUNNING. */
    wokeAt: z.number().int().nonnegative(),
    runningAt: z.number().int().nonnegative(),
    wakeLatencyMs: z.number().int().nonnegative(),
    dedupeKey: z.string().min(1),
  }),
} as const;

/** The facts that change what a run's index.json says, and may make the run complete. */
export const RUN_INDEX_DETAIL_TYPES = ['Step Output Published', 'Sample Completed', 'Sample Failed', 'Sample Rejected'] as const;

/**
 * Any of {@link RUN_INDEX_DETAIL_TYPES}, as the run-index function receives it: only `team` and `runId`
 * matter to it (the catalog, not the event, is the source of truth for what the index says).
 */
export const RunFactEvent = z
  .object({
    version: z.string().default('0'),
    id: z.string().optional(),
    source: z.literal(LANDFALL_SOURCE),
    'detail-type': z.enum(RUN_INDEX_DETAIL_TYPES),
    time: z.string().optional(),
    resources: z.array(z.string()).default([]),
    detail: z.object({ team: TeamId, runId: z.string().min(1) }).passthrough(),
  })
  .passthrough();

export type LandfallDetailType = keyof typeof landfallEventDetails;
export type LandfallEventDetail<T extends LandfallDetailType> = z.infer<(typeof landfallEventDetails)[T]>;

/** Full-envelope schema of one Landfall event, e.g. for a test that validates what a team received. */
export function landfallEventSchema<T extends LandfallDetailType>(detailType: T) {
  return eventEnvelope(LANDFALL_SOURCE, detailType, landfallEventDetails[detailType]);
}

/**
 * Builds a Landfall event, validating its detail against the schema so nothing malformed is ever emitted.
 *
 * @example
 * landfallEvent('Sample Completed', { team, runId, sampleId, version, steps, manifestKey, dedupeKey })
 */
export function landfallEvent<T extends LandfallDetailType>(detailType: T, detail: LandfallEventDetail<T>) {
  return {
    source: LANDFALL_SOURCE,
    'detail-type': detailType,
    time: new Date().toISOString(),
    resources: [] as string[],
    detail: landfallEventDetails[detailType].parse(detail) as Record<string, unknown>,
  };
}
