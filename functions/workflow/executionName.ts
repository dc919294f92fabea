import { createHash } from 'node:crypto';

/** The sample version an execution runs (structurally a `VersionRef`; no import, so the catalog can use this module). */
interface NamedVersion {
  team: string;
  runId: string;
  sampleId: string;
  version: number;
}

/** Hex digits of the hash that keeps two names apart (40 bits: a collision needs ~10^6 names sharing a readable head). */
const HASH_LENGTH = 10;

/**
 * A name AWS accepts (`[A-Za-z0-9_-]`, at most `maxLength`) that is unique per `original`: a readable head
 * (sanitised, cut to fit) plus a short hash of the exact original. Sanitising alone collides
 * (`251201_COLL.1` and `251201_COLL_1`, or team `a-b` + run `c` and team `a` + run `b-c`), and in AWS an
 * execution name stays taken for 90 days, so the second run could never start.
 */
function uniqueName(readable: string, original: readonly unknown[], maxLength: number): string {
  const hash = createHash('sha256').update(JSON.stringify(original)).digest('hex').slice(0, HASH_LENGTH);
  return `${readable.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, maxLength - HASH_LENGTH - 1)}-${hash}`;
}

/**
 * Deterministic execution name of a sample version's automatic run (generation 0) or of a linked
 * reprocessing/recovery run (generation > 0): `<team>-<run>-<sample>-v<N>-g<G>-<hash>`, within Step
 * Functions' 80 characters of `[A-Za-z0-9_-]`, the hash over the exact team, run, sample, version and
 * generation. Both runtimes name executions with this function.
 *
 * @example executionNameOf({ team: 'genomics', runId: '251201_COLL.1', sampleId: 'S1', version: 1 })
 *   // 'genomics-251201_COLL_1-S1-v1-g0-<10 hex>', never equal to the name of run 251201_COLL_1
 */
export function executionNameOf(ref: NamedVersion, generation = 0): string {
  return uniqueName(
    `${ref.team}-${ref.runId}-${ref.sampleId}-v${ref.version}-g${generation}`,
    [ref.team, ref.runId, ref.sampleId, ref.version, generation],
    80,
  );
}

/** Batch job name of one step of one execution: within 128 characters of `[A-Za-z0-9_-]`, unique per (execution, step). */
export function jobNameOf(executionName: string, step: string): string {
  return uniqueName(`${executionName}-${step}`, [executionName, step], 128);
}
