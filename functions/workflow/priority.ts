import type { Pipeline } from '../../workflows/pipeline.ts';
import { expectedSecondsOf } from '../placement/stepPlacement.ts';

/**
 * Scheduling priority of step jobs (Batch `schedulingPriority`, 0–9999; higher runs first within a region).
 *
 * Two parts. The class, in bands: urgent samples before the backlog, and within each, early steps (outputs
 * a remote team waits for) before later steps. Within a class, longest job first (LPT): a run of many
 * samples is bounded by packing (work over capacity), not by its critical path, and starting the long jobs
 * first leaves the short ones to fill the end, where a long job started last would run alone. A step that
 * gates a longer one (qc before trim) ranks just below that step, so LPT does not starve the long job of
 * its predecessor behind shorter independent work. FIFO within a class (the previous dispatch) left the
 * issue's workload ~15 % over the lower bound on average, this ~11 % (bench/placement.ts).
 */

/** Width of one class band: rank units are clamped below it, so a class never overtakes a higher one. */
export const PRIORITY_BAND = 2000;
/** Seconds per rank unit: 10 s resolution distinguishes steps up to ~5.5 h long, longer ones tie (FIFO). */
const SECONDS_PER_UNIT = 10;
/** Validation jobs: every sample must be cataloged before its steps matter, so above every step class. */
export const VALIDATION_PRIORITY = 4 * PRIORITY_BAND + 1000;

export interface PriorityClass {
  /** The sample (or its run) was marked urgent. */
  urgent: boolean;
  /** The step is early (its outputs are published before the run's later steps start). */
  early: boolean;
}

/**
 * Rank of every step of a pipeline within its class, in 10 s units: its own expected length (as placement
 * weighs it), or one unit below the highest rank among the steps that need it, whichever is higher.
 * @example lptRanks(qc 60 s → trim 120 s ∥ profile 90 s) // Map { qc → 11, trim → 12, profile → 9 }
 */
export function lptRanks(pipeline: Pipeline): Map<string, number> {
  const ranks = new Map<string, number>();
  // definePipeline rejects cycles, so the recursion ends.
  const rank = (step: Pipeline['steps'][number]): number => {
    const known = ranks.get(step.name);
    if (known !== undefined) return known;
    const own = Math.min(PRIORITY_BAND - 1, Math.ceil(expectedSecondsOf(step) / SECONDS_PER_UNIT));
    const gated = pipeline.steps.filter((candidate) => candidate.needs.includes(step.name)).map((candidate) => rank(candidate) - 1);
    const value = Math.max(own, ...gated);
    ranks.set(step.name, value);
    return value;
  };
  for (const step of pipeline.steps) rank(step);
  return ranks;
}

/** The class band's base: urgent before backlog, early before later steps within each. */
export function classBase({ urgent, early }: PriorityClass): number {
  return (Number(urgent) * 2 + Number(early)) * PRIORITY_BAND;
}

/**
 * Scheduling priority of one step job: its class band plus its {@link lptRanks} rank.
 * @throws {Error} when the pipeline has no such step.
 * @example stepPriority(demo, 'trim', { urgent: true }) // 4000 + 12 (urgent band, 120 s)
 */
export function stepPriority(pipeline: Pipeline, stepName: string, options: { urgent: boolean }): number {
  const step = pipeline.steps.find((candidate) => candidate.name === stepName);
  if (!step)
    throw new Error(
      `pipeline ${pipeline.name} has no step ${stepName} (steps: ${pipeline.steps.map((candidate) => candidate.name).join(', ')})`,
    );
  return classBase({ urgent: options.urgent, early: step.early }) + lptRanks(pipeline).get(stepName)!;
}

/** Whether a job of this priority belongs on the region's urgent queue (urgent samples and early steps). */
export function isUrgentClass(priority: number): boolean {
  return priority >= PRIORITY_BAND;
}

/** An urgent rule as the configuration holds it (config/schema.ts UrgentRule). */
export interface UrgentRule {
  team: string;
  runPrefix?: string;
  sampleIds?: readonly string[];
}

/**
 * Whether a sample is urgent: marked so when its execution started (`landfall reprocess --urgent`), or
 * matched by a configured rule (its team, and the run prefix and sample IDs when the rule names them).
 * @example isUrgentSample([{ team: 'genomics', runPrefix: '240901_' }], { team: 'genomics', runId: '240901_A01', sampleId: 'S1' }) // true
 */
export function isUrgentSample(
  rules: readonly UrgentRule[],
  sample: { team: string; runId: string; sampleId: string; urgent?: boolean },
): boolean {
  if (sample.urgent) return true;
  return rules.some(
    (rule) =>
      rule.team === sample.team &&
      (rule.runPrefix === undefined || sample.runId.startsWith(rule.runPrefix)) &&
      (rule.sampleIds === undefined || rule.sampleIds.includes(sample.sampleId)),
  );
}

/**
 * A priority in words, for the placement reasoning the catalog records.
 * @example describePriority(4012) // 'priority 4012: urgent sample, later step, rank 12 (longest job first)'
 */
export function describePriority(priority: number): string {
  const band = Math.floor(priority / PRIORITY_BAND);
  if (priority < 0 || band > 3) return `priority ${priority}: outside the step classes`;
  return `priority ${priority}: ${band >= 2 ? 'urgent sample' : 'backlog'}, ${band % 2 === 1 ? 'early step' : 'later step'}, rank ${priority % PRIORITY_BAND} (longest job first)`;
}
