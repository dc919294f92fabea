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
  /** After StartExecution returned, before the catalog recorded the execution. */
  | 'start.afterStartExecution';

interface FaultSpec {
  delayMs?: number;
  /** SIGKILL this process at the point (crash tests: the embedded runtime dies mid-flight). */
  kill?: boolean;
  /** Written when the point is first reached, so another process can wait for it. */
  touchFile?: string;
}

let faults: Record<string, FaultSpec> | undefined;

export async function faultPoint(name: FaultPoint): Promise<void> {
  faults ??= process.env.LANDFALL_FAULTS ? (JSON.parse(process.env.LANDFALL_FAULTS) as Record<string, FaultSpec>) : {};
  const spec = faults[name];
  if (!spec) return;
  if (spec.touchFile) await writeFile(spec.touchFile, name);
  if (spec.kill) process.kill(process.pid, 'SIGKILL');
  if (spec.delayMs) await new Promise((resolve) => setTimeout(resolve, spec.delayMs));
}
