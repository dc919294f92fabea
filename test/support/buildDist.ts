/**
 * Vitest global setup: brings `dist/` up to date with the sources before any test runs (a no-op when it is,
 * a few seconds when not). Tests that run Landfall as a user does — `landfall up` for the end-to-end suites,
 * read commands — start the compiled `bin` (test/support/runtimeProcess.ts `landfallCommand`), and must not run
 * a build of yesterday's sources.
 */
import { buildCli, buildJobPrograms, staleBuilds } from '../../scripts/build.ts';

export default async function setup(): Promise<void> {
  const stale = staleBuilds();
  await Promise.all(stale.map((part) => (part === 'cli' ? buildCli() : buildJobPrograms())));
}
