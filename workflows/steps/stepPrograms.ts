import { pairMates } from '../../layouts/pairs.ts';
import { resolveReadStructure } from '../../layouts/readStructure.ts';
import type { ReadLabel, ReadRole } from '../../layouts/types.ts';
import { StepUsageError } from './errors.ts';
import { runProfile } from './profile.ts';
import { runQc } from './qc.ts';
import { runTrim } from './trim.ts';

/** A step's local view of its job: inputs already downloaded to scratch, an empty output folder. */
export interface StepContext {
  sampleId: string;
  /**
   * The sample's files: `read` is the label as the instrument named it (R1, R2, R3, I1, …), `role` what
   * that read is for (layouts/: mate1, mate2, single, umi, index1, index2), `part` the order of several
   * files of one lane and read (chunks, MinKNOW batches).
   */
  inputs: Array<{ name: string; path: string; read: string; lane: number; role?: ReadRole; part?: number }>;
  outDir: string;
}

export type StepProgram = (context: StepContext) => Promise<unknown>;

type RoledInput = StepContext['inputs'][number] & { role: ReadRole };

/**
 * Each input with its role: as the job says, else from the labels present (R1+R2 mates; R1, R2, R3: R2
 * a UMI read; R1 alone: single-end), the same rule layouts/ applies when nothing else is known.
 */
function withRoles(inputs: StepContext['inputs']): RoledInput[] {
  const structure = resolveReadStructure({ labelsSeen: new Set(inputs.map((input) => input.read as ReadLabel)) });
  return inputs.map((input) => ({
    ...input,
    role: input.role ?? structure.reads.find((read) => read.label === input.read)?.role ?? 'single',
  }));
}

/** Files of the given roles in the order a read is concatenated: lane, then part, then name. */
const ordered = (inputs: RoledInput[], roles: ReadRole[]) =>
  inputs
    .filter((input) => roles.includes(input.role))
    .sort((a, b) => a.lane - b.lane || (a.part ?? 1) - (b.part ?? 1) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((input) => input.path);

const DATA_READS: ReadRole[] = ['mate1', 'mate2', 'single'];

/**
 * The programs `landfall-step <step>` can run, by step name. Each is small and lives in its own file;
 * this table only adapts the job's downloaded inputs to the program's options: `qc` looks at every file,
 * `trim` at the mates (or the single-end reads: MiSeq single reads, ONT, PacBio HiFi), `profile` at the
 * data reads. Index and UMI reads are never trimmed or paired as mates.
 */
export const stepPrograms: Record<string, StepProgram> = {
  qc: ({ inputs, outDir }) => runQc({ inputs: withRoles(inputs).map((input) => ({ path: input.path, role: input.role })), outDir }),
  trim: ({ sampleId, inputs, outDir }) => {
    const { pairs, loneMates } = pairMates(
      withRoles(inputs).map((input) => ({ ...input, label: input.read as ReadLabel, part: input.part ?? 1 })),
    );
    const lone = loneMates[0];
    // Validation refuses such a sample; trimming the others and dropping this one would lose reads silently.
    if (lone)
      throw new StepUsageError(
        `trim: ${lone.file.name} (lane ${lone.file.lane}) has no ${lone.missing === 'mate2' ? 'mate 2' : 'mate 1'} among the inputs`,
      );
    if (pairs.length > 0)
      return runTrim({ r1: pairs.map((pair) => pair.mate1.path), r2: pairs.map((pair) => pair.mate2.path), outDir, sample: sampleId });
    return runTrim({ r1: ordered(withRoles(inputs), ['single']), outDir, sample: sampleId });
  },
  profile: ({ inputs, outDir }) => runProfile({ inputs: ordered(withRoles(inputs), DATA_READS), outDir }),
};
