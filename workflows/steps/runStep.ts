#!/usr/bin/env node
/**
 * `landfall-step <step> --sample S --reads <R1 file> --out <dir>`: Landfall's built-in step programs (qc, trim,
 * profile), run as the tool of a step job like any lab's tool — stage-in has put the sample's reads in the
 * job's volume, stage-out uploads what the program writes to `--out` (workflows/job/). In AWS this is a
 * command of Landfall's image; on the embedded runtime a host process.
 */
import { exitCodeFor } from './errors.ts';
import { isMain } from './isMain.ts';
import { runStepTool } from './stepTool.ts';

if (isMain(import.meta.url)) {
  runStepTool(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // Bad input data exits 65 and a usage error 64, so Batch evaluateOnExit can stop retrying what cannot succeed.
    process.exit(exitCodeFor(error));
  });
}
