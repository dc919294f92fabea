import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

declare const LANDFALL_COMPILED: boolean | undefined;
/** scripts/build.ts compiles each worker thread's entry to dist/cli/<name>.mjs (import.meta.url stays the source file's). */
const compiled = typeof LANDFALL_COMPILED !== 'undefined' && LANDFALL_COMPILED === true;

/**
 * Where one of the runtime's worker threads starts: compiled, its own entry in `dist/cli/` (scripts/build.ts
 * builds `<name>.mjs` beside the CLI's chunks); from the sources, `source` (TypeScript) through tsx, inherited
 * when the process already loads it.
 *
 * @example
 * const { url, execArgv } = workerThreadEntry('catalogThread', new URL('./catalogThread.ts', import.meta.url));
 * const thread = new Worker(url, { workerData, execArgv });
 */
export function workerThreadEntry(name: string, source: URL): { url: URL; execArgv?: string[] } {
  if (compiled) return { url: new URL(`../dist/cli/${name}.mjs`, import.meta.url) };
  if (process.execArgv.some((argument) => argument.includes('tsx'))) return { url: source };
  return { url: source, execArgv: [...process.execArgv, '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] };
}
