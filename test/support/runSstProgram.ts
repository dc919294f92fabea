/**
 * Child-process entry of the offline SST harness: `node --import tsx test/support/runSstProgram.ts '<options json>'`.
 * Runs `sst.config.ts` once under Pulumi mocks and writes the recorded run as JSON to `options.out`.
 * Tests call `runSstProgram()` from `pulumiHarness.ts`, which starts this.
 */
import { writeFileSync } from 'node:fs';
import { executeSstProgram, type SstProgramOptions } from './pulumiHarness.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as SstProgramOptions & { root: string; out: string };
function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}

// Errors inside Output callbacks (a mock that is missing, SST's own checks) surface only as unhandled
// rejections, and the program would wait forever for the output they broke: fail at once instead.
process.on('unhandledRejection', fail);

try {
  const run = await executeSstProgram(options);
  writeFileSync(options.out, JSON.stringify(run));
  process.exit(0);
} catch (error) {
  fail(error);
}
