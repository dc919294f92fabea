import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';

/**
 * Test-only fault hooks: named points in the code where a test can inject a delay (and mark that the
 * point was reached) to force races that production timing rarely shows. Off unless LANDFALL_FAULTS
 * names the point, e.g. LANDFALL_FAULTS='{"manifest.betweenReadAndWrite":{"delayMs":800,"touchFile":"/tmp/x"}}'.
 */
export type FaultPoint =
  | 'manifest.betweenReadAndWrite'
  /** The run index writer rendered index.json from the catalog and is about to write it. */
  | 'runIndex.betweenReadAndWrite'
  | 'publish.beforeCopy'
  /** After a step's outputs were copied under the team prefix, before the catalog and manifest know. */
  | 'publish.afterCopy'
  /** The copy of one output from the work area to the publishing staging area (storage layer). */
  | 'publish.copyToStaging'
  /** The copy of one verified output from staging to its final key under the team prefix (storage layer). */
  | 'publish.copyToTeam'
  /** After StartExecution returned, before the catalog recorded the execution. */
  | 'start.afterStartExecution'
  /** `Complete sample` / `Record sample failure` finished the version and has not yet set the sample's status. */
  | 'finish.afterFinishVersion'
  /** `Finish run steps` recorded how the run steps ended and has not rewritten their manifest. */
  | 'finishRunSteps.afterUpdateVersion'
  /** emitOnce is about to claim a fact: what led to it is written, nothing of the fact is (scope it with `detailType`). */
  | 'emit.beforeClaim'
  /** emitOnce claimed a fact in the catalog and has not published its event yet (scope it with `detailType`). */
  | 'emit.afterClaim'
  /** The embedded runtime's bus is about to append to its log (bus/events.jsonl, dead letters). */
  | 'bus.appendLog';

interface FaultSpec {
  delayMs?: number;
  /** SIGKILL this process at the point (crash tests: the embedded runtime dies mid-flight). */
  kill?: boolean;
  /** Written when the point is first reached, so another process can wait for it. */
  touchFile?: string;
  /**
   * What the storage layer does at a copy point: `throw` fails the copy, `corrupt` leaves other bytes at
   * the target (a checksum mismatch). Read by the code at the point through {@link faultPoint}'s result.
   */
  effect?: 'throw' | 'corrupt' | 'enospc';
  /** Fire the point this many times in this process, then never again. @default every time */
  times?: number;
  /**
   * Fire only where the point is reached for this event detail type (points that pass one:
   * `emit.beforeClaim`, `emit.afterClaim`), e.g. the first "Sample Landed"; other detail types pass and do not count toward `times`.
   */
  detailType?: string;
  /** Fire only while this file exists (a test switches the fault on and off, e.g. a disk filling up and freed). */
  whileFileExists?: string;
}

/** What the code at a point says about where it is, for a spec to match (see {@link FaultSpec.detailType}). */
interface FaultContext {
  detailType?: string;
}

const fired = new Map<string, number>();

let faults: Record<string, FaultSpec> | undefined;

/** Runs the fault configured for `name`, if any; returns its `effect` for the code at the point to act on. */
export async function faultPoint(name: FaultPoint, context: FaultContext = {}): Promise<FaultSpec['effect'] | undefined> {
  faults ??= process.env.LANDFALL_FAULTS ? (JSON.parse(process.env.LANDFALL_FAULTS) as Record<string, FaultSpec>) : {};
  const spec = faults[name];
  if (!spec) return undefined;
  if (spec.detailType !== undefined && spec.detailType !== context.detailType) return undefined;
  if (spec.whileFileExists !== undefined && !existsSync(spec.whileFileExists)) return undefined;
  const count = (fired.get(name) ?? 0) + 1;
  if (spec.times !== undefined && count > spec.times) return undefined;
  fired.set(name, count);
  if (spec.touchFile) await writeFile(spec.touchFile, name);
  if (spec.kill) process.kill(process.pid, 'SIGKILL');
  if (spec.delayMs) await new Promise((resolve) => setTimeout(resolve, spec.delayMs));
  if (spec.effect === 'throw') throw new Error(`injected fault at ${name}: the storage layer failed the operation`);
  if (spec.effect === 'enospc')
    throw Object.assign(new Error(`ENOSPC: no space left on device (injected fault at ${name})`), { code: 'ENOSPC', errno: -28 });
  return spec.effect;
}
