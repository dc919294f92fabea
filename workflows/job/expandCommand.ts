/**
 * Expands a step's command for one job: every `{{...}}` becomes a value (sample, run, team, sizes, sample-sheet
 * parameters) or a path in the job's shared volume (reads, earlier steps' outputs, the sample sheet, the
 * reference, the output folder). Paths are fixed by the volume layout, so the command is complete when the job
 * is submitted and the tool container needs nothing from Landfall.
 */
import type { StepDefinition } from '../../config/pipeline.ts';
import { isShellScript, type Placeholder, SHELL_SAFE_VALUE, substitutePlaceholders } from '../../config/placeholders.ts';
import type { JobManifest } from '../../contracts/jobPayload.ts';
import { isGzipName, stagedReadName, VOLUME_PATH, volumeLayout } from './volume.ts';

/** A command that cannot be expanded for this job (a read the sample lacks, an unsafe value in shell text). */
export class CommandExpansionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandExpansionError';
  }
}

/** What a job's command is expanded with, besides its manifest. */
export interface ExpansionContext {
  /** Sample-sheet values of the sample (`{{param.<Column>}}`), defaults already applied. */
  params?: Record<string, string>;
  /** Where the volume is mounted. @default {@link VOLUME_PATH} */
  root?: string;
}

/**
 * Staged file name per read label of a sample: `<sample>_<label>.fastq.gz` (or `.fastq` when the landed files
 * are not gzipped). Lanes of one label must agree, since they are concatenated into one file.
 *
 * @throws CommandExpansionError when a label's lanes mix gzipped and plain files
 */
export function stagedReadNames(sampleId: string, reads: JobManifest['reads']): Map<string, string> {
  const names = new Map<string, string>();
  const gzipped = new Map<string, boolean>();
  for (const read of reads) {
    const gz = isGzipName(read.name);
    const seen = gzipped.get(read.label);
    if (seen !== undefined && seen !== gz)
      throw new CommandExpansionError(
        `sample ${sampleId}: the ${read.label} files mix gzipped and plain FASTQ (${read.name}); they cannot be concatenated into one file`,
      );
    gzipped.set(read.label, gz);
    names.set(read.label, stagedReadName(sampleId, read.label, gz));
  }
  return names;
}

/**
 * The command of `step` for the job described by `manifest`, ready to run.
 *
 * @throws CommandExpansionError naming the step and the placeholder when the job lacks what it names
 * @example expandCommand(step, manifest); // ['fastp', '--in1', '/landfall/in/reads/S1_R1.fastq.gz', …]
 */
export function expandCommand(
  step: Pick<StepDefinition, 'name' | 'command' | 'vcpus' | 'memoryMiB'>,
  manifest: Pick<JobManifest, 'team' | 'runId' | 'sampleId' | 'reads' | 'steps'>,
  context: ExpansionContext = {},
): string[] {
  const layout = volumeLayout(context.root ?? VOLUME_PATH);
  const readNames = manifest.sampleId ? stagedReadNames(manifest.sampleId, manifest.reads) : new Map<string, string>();
  const where = `step ${step.name}${manifest.sampleId ? ` of sample ${manifest.sampleId}` : ''}`;
  const expand = (placeholder: Placeholder): string => {
    switch (placeholder.kind) {
      case 'sample':
        if (!manifest.sampleId) throw new CommandExpansionError(`${where}: ${placeholder.text} needs a sample`);
        return manifest.sampleId;
      case 'run':
        return manifest.runId;
      case 'team':
        return manifest.team;
      case 'vcpus':
        return String(step.vcpus);
      case 'memoryMiB':
        return String(step.memoryMiB);
      case 'out':
        return layout.out;
      case 'samplesheet':
        return layout.samplesheet;
      case 'ref':
        return layout.ref;
      case 'steps':
        return layout.steps(placeholder.step);
      case 'reads': {
        const name = readNames.get(placeholder.label);
        if (!name)
          throw new CommandExpansionError(
            `${where}: ${placeholder.text} names read ${placeholder.label}, but the sample has ${readNames.size > 0 ? `only ${[...readNames.keys()].join(', ')}` : 'no reads'}`,
          );
        return `${layout.reads}/${name}`;
      }
      case 'param': {
        const value = context.params?.[placeholder.column];
        if (value === undefined || value === '')
          throw new CommandExpansionError(
            `${where}: ${placeholder.text} has no value: the sample sheet leaves column ${placeholder.column} empty and the pipeline gives no default`,
          );
        return value;
      }
    }
  };
  return step.command.map((element, index) =>
    substitutePlaceholders(element, (placeholder) => {
      const value = expand(placeholder);
      if (isShellScript(step.command, index) && !SHELL_SAFE_VALUE.test(value))
        throw new CommandExpansionError(
          `${where}: ${placeholder.text} is "${value}", which has characters a shell would interpret; shell text (sh -c) takes only letters, digits and . _ + , : = @ % / -`,
        );
      return value;
    }),
  );
}
