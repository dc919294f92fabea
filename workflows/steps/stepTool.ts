/**
 * `landfall-step <name> --sample S --reads <R1 file> --out <dir>`: a built-in step program run as the tool of a
 * step job, like any lab's tool: stage-in has put the sample's reads in the volume (one file per read label,
 * lanes concatenated) with `reads.json` beside them, and stage-out uploads what it writes to `--out`. The R1
 * path leads to that folder, where the program finds the other reads by label and role.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ReadRole } from '../../layouts/types.ts';
import { StepUsageError } from './errors.ts';
import { delayIfAsked, failIfAsked, failWithEnospcIfAsked } from './interruptionFault.ts';
import { type StepContext, stepPrograms } from './stepPrograms.ts';

/** Name of the index stage-in writes beside the staged reads (workflows/job/stageIn.ts). */
export const READS_INDEX = 'reads.json';

interface ReadsIndex {
  reads: Array<{ label: string; role?: ReadRole; file: string; lanes: number[] }>;
}

/** The staged reads beside `readsFile`, as step program inputs (one per label, in label order). */
export async function stagedInputs(readsFile: string): Promise<StepContext['inputs']> {
  const folder = path.dirname(readsFile);
  let index: ReadsIndex;
  try {
    index = JSON.parse(await readFile(path.join(folder, READS_INDEX), 'utf8')) as ReadsIndex;
  } catch (error) {
    throw new StepUsageError(`${path.join(folder, READS_INDEX)} is missing or not JSON: --reads must name a read file stage-in wrote`, {
      cause: error,
    });
  }
  return index.reads
    .map((read) => ({ name: read.file, path: path.join(folder, read.file), read: read.label, lane: read.lanes[0] ?? 1, role: read.role }))
    .sort((a, b) => a.read.localeCompare(b.read));
}

/** Parses `<step> --sample S --reads FILE --out DIR` and runs the built-in program. */
export async function runStepTool(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { sample: { type: 'string' }, reads: { type: 'string' }, out: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new StepUsageError(`${(error as Error).message}\nusage: landfall-step <step> --sample S --reads R1_FILE --out DIR`, {
      cause: error,
    });
  }
  const [step] = parsed.positionals;
  const { sample, reads, out } = parsed.values;
  if (!step || !sample || !reads || !out)
    throw new StepUsageError('usage: landfall-step <step> --sample S --reads R1_FILE --out DIR (all four are required)');
  const program = stepPrograms[step];
  if (!program) throw new StepUsageError(`no step program named ${step} (known: ${Object.keys(stepPrograms).join(', ')})`);
  failIfAsked({ step });
  failWithEnospcIfAsked({ step });
  await delayIfAsked({ step });
  await program({ sampleId: sample, inputs: await stagedInputs(reads), outDir: out });
}
