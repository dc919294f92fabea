import type { RunRecord, RunStatus, SampleRecord, SampleStatus, StepRecord, VersionRecord } from '../catalog/types.ts';
import { TERMINAL_SAMPLE_STATUSES } from '../catalog/types.ts';
import { manifestKey } from '../../contracts/keys.ts';

/** One sample of a run as index.json shows it: its current version and what that version published. */
export interface RunIndexSample {
  sampleId: string;
  status: SampleStatus;
  version?: number;
  /** The current version's manifest.json (absent before a version exists). */
  manifestKey?: string;
  /** Published steps of the current version, in publish (sequence) order. */
  steps: Array<{ step: string; sequence?: number; publishedAt?: string; files: number; bytes: number }>;
}

/** `teams/<team>/runs/<run>/index.json`: rendered from the catalog, the source of truth. */
export interface RunIndex {
  team: string;
  runId: string;
  status: RunStatus;
  /** True once every sample is terminal (see {@link isRunTerminal}). */
  complete: boolean;
  samples: RunIndexSample[];
  counts: Partial<Record<SampleStatus, number>>;
  /** The run's run-scope steps (functions/workflow/runSteps.ts), when its pipeline has some and they started. */
  runSteps?: RunIndexRunSteps;
  revision: number;
  updatedAt: string;
}

/** The latest version of a run's run-scope steps as index.json shows it. */
export interface RunIndexRunSteps {
  version: number;
  status: SampleStatus;
  /** The sample versions they cover (samples that published what they need). */
  samples: Array<{ sampleId: string; version: number }>;
  manifestKey: string;
  steps: RunIndexSample['steps'];
  error?: string;
}

/** The catalog records one index is rendered from. */
export interface RunSnapshot {
  run: RunRecord;
  samples: Array<{ sample: SampleRecord; version?: VersionRecord; steps: StepRecord[] }>;
  /** The latest version of the run's run steps and its steps. */
  runSteps?: { version: VersionRecord; steps: StepRecord[] };
}

/**
 * True when the run's completeness has been decided (not RECEIVING or INCOMPLETE), every sample the run
 * expects has a record, and every sample is terminal: the moment "Run Completed" is due.
 *
 * @example
 * isRunTerminal({ status: 'PROCESSING', expectedSamples: ['S1'] } as RunRecord, [{ sampleId: 'S1', status: 'COMPLETED' }]); // true
 */
export function isRunTerminal(
  run: Pick<RunRecord, 'status' | 'expectedSamples'>,
  samples: Array<Pick<SampleRecord, 'sampleId' | 'status'>>,
): boolean {
  if (run.status === 'RECEIVING' || run.status === 'INCOMPLETE') return false;
  if (samples.length === 0) return false;
  const known = new Set(samples.map((sample) => sample.sampleId));
  if ((run.expectedSamples ?? []).some((sampleId) => !known.has(sampleId))) return false;
  return samples.every((sample) => TERMINAL_SAMPLE_STATUSES.includes(sample.status));
}

/** Renders index.json from a catalog snapshot; samples sorted by id, steps by sequence. */
export function renderRunIndex(snapshot: RunSnapshot): RunIndex {
  const { run } = snapshot;
  const samples = [...snapshot.samples]
    .sort((a, b) => a.sample.sampleId.localeCompare(b.sample.sampleId))
    .map(
      ({ sample, version, steps }): RunIndexSample => ({
        sampleId: sample.sampleId,
        status: sample.status,
        ...(sample.currentVersion
          ? { version: sample.currentVersion, manifestKey: manifestKey({ ...sample, version: sample.currentVersion }) }
          : {}),
        steps: (version ? steps : [])
          .filter((step) => step.publishedAt)
          .sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0))
          .map(publishedStep),
      }),
    );
  const counts: Partial<Record<SampleStatus, number>> = {};
  for (const sample of samples) counts[sample.status] = (counts[sample.status] ?? 0) + 1;
  return {
    team: run.team,
    runId: run.runId,
    status: run.status,
    complete: isRunTerminal(run, samples),
    samples,
    counts,
    ...(snapshot.runSteps && { runSteps: renderRunSteps(snapshot.runSteps) }),
    revision: run.indexRevision ?? 0,
    updatedAt: run.updatedAt,
  };
}

/** One published step as index.json lists it. */
function publishedStep(step: StepRecord): RunIndexSample['steps'][number] {
  return {
    step: step.step,
    sequence: step.sequence,
    publishedAt: step.publishedAt,
    files: step.outputs?.length ?? 0,
    bytes: (step.outputs ?? []).reduce((sum, output) => sum + output.size, 0),
  };
}

function renderRunSteps({ version, steps }: NonNullable<RunSnapshot['runSteps']>): RunIndexRunSteps {
  return {
    version: version.version,
    status: version.status,
    samples: version.runSamples ?? [],
    manifestKey: manifestKey(version),
    steps: steps
      .filter((step) => step.publishedAt)
      .sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0))
      .map(publishedStep),
    ...(version.error && { error: version.error }),
  };
}
