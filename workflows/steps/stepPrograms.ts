import { runProfile } from './profile.ts';
import { runQc } from './qc.ts';
import { runTrim } from './trim.ts';

/** A step's local view of its job: inputs already downloaded to scratch, an empty output folder. */
export interface StepContext {
  sampleId: string;
  inputs: Array<{ name: string; path: string; read: string; lane: number }>;
  outDir: string;
}

export type StepProgram = (context: StepContext) => Promise<unknown>;

const byLane = (inputs: StepContext['inputs'], read: string) =>
  inputs
    .filter((input) => input.read === read)
    .sort((a, b) => a.lane - b.lane)
    .map((input) => input.path);

/**
 * The programs `landfall-step <step>` can run, by step name. Each is small and lives in its own file;
 * this table only adapts the job's downloaded inputs to the program's options.
 */
export const stepPrograms: Record<string, StepProgram> = {
  qc: ({ inputs, outDir }) => runQc({ inputs: inputs.map((input) => input.path), outDir }),
  trim: ({ sampleId, inputs, outDir }) => runTrim({ r1: byLane(inputs, 'R1'), r2: byLane(inputs, 'R2'), outDir, sample: sampleId }),
  profile: ({ inputs, outDir }) => runProfile({ inputs: inputs.map((input) => input.path), outDir }),
};
