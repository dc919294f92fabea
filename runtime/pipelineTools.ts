/**
 * Before the embedded runtime starts: every program a routed pipeline's steps need must be on PATH, since
 * there the tool runs as a host process (in AWS it runs in the step's image). A missing one is named with its
 * step and the Debian package that provides it, and the runtime does not start.
 */
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { LandfallConfig } from '../config/schema.ts';
import { requiredPrograms } from '../workflows/pipeline.ts';
import { routedPipelines } from '../workflows/pipelines/index.ts';

/** Debian packages of the programs lab pipelines use most (apt-cache policy NAME on Debian bookworm). */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  fastp: 'fastp',
  bwa: 'bwa',
  samtools: 'samtools',
  bcftools: 'bcftools',
  minimap2: 'minimap2',
  multiqc: 'multiqc',
  fastqc: 'fastqc',
  cutadapt: 'cutadapt',
  seqkit: 'seqkit',
  seqtk: 'seqtk',
  bowtie2: 'bowtie2',
  pigz: 'pigz',
  snakemake: 'snakemake',
  python3: 'python3',
  bash: 'bash',
  gzip: 'gzip',
  zcat: 'gzip',
};

/** The Debian packages to `apt-get install` for these programs (a program's own name where its package is not known). */
export function debianPackagesFor(programs: readonly string[]): string[] {
  return [...new Set(programs.map((program) => DEBIAN_PACKAGES[program] ?? program))];
}

/** A program a routed step needs that is not on PATH. */
export interface MissingProgram {
  pipeline: string;
  step: string;
  program: string;
  /** The Debian package that provides it, when known. */
  debianPackage?: string;
}

/** Routed pipelines' programs are missing on this machine: the runtime refuses to start. */
export class MissingProgramsError extends Error {
  constructor(readonly missing: MissingProgram[]) {
    const lines = missing.map(
      (entry) =>
        `pipeline ${entry.pipeline}, step ${entry.step}: ${entry.program} is not on PATH${entry.debianPackage ? ` (Debian package ${entry.debianPackage})` : ''}`,
    );
    const packages = [...new Set(missing.flatMap((entry) => (entry.debianPackage ? [entry.debianPackage] : [])))];
    super(
      `${lines.join('\n')}${packages.length > 0 ? `\ninstall with: sudo apt-get install ${packages.join(' ')}` : ''}\nThe embedded runtime runs each step's command as a host process, so its programs must be installed here.`,
    );
    this.name = 'MissingProgramsError';
  }
}

/** Whether `program` (a name or a path) can be run: an executable file on PATH, or at that path. */
export function onPath(program: string, pathVariable = process.env.PATH ?? ''): boolean {
  const candidates = program.includes('/')
    ? [program]
    : pathVariable
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, program));
  return candidates.some((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Programs routed steps need that this machine lacks, `provided` ones excepted (the runtime's own programs,
 * such as `landfall-step`).
 */
export function missingPrograms(
  config: Pick<LandfallConfig, 'pipelines' | 'teams' | 'references'>,
  provided: readonly string[],
  isInstalled: (program: string) => boolean = onPath,
): MissingProgram[] {
  const missing: MissingProgram[] = [];
  for (const pipeline of routedPipelines(config)) {
    for (const step of pipeline.steps) {
      for (const program of requiredPrograms(step)) {
        if (provided.includes(program) || isInstalled(program)) continue;
        const name = program.slice(program.lastIndexOf('/') + 1);
        missing.push({
          pipeline: pipeline.name,
          step: step.name,
          program,
          ...(DEBIAN_PACKAGES[name] && { debianPackage: DEBIAN_PACKAGES[name] }),
        });
      }
    }
  }
  return missing;
}

/** A routed step larger than any local region: its jobs could never start. */
export class StepTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepTooLargeError';
  }
}

/**
 * Refuses a config the embedded runtime cannot run: a team routed to an unknown pipeline, a default reference
 * the config lacks (PipelineError), a program not on PATH (MissingProgramsError), or a step asking for more
 * vCPUs or memory than a local region has (StepTooLargeError).
 */
export function assertPipelinesRunnable(
  config: Pick<LandfallConfig, 'pipelines' | 'teams' | 'references' | 'embedded'>,
  provided: readonly string[],
): void {
  const missing = missingPrograms(config, provided);
  if (missing.length > 0) throw new MissingProgramsError(missing);
  const { vcpusPerRegion, memoryMiBPerRegion } = config.embedded;
  for (const pipeline of routedPipelines(config)) {
    for (const step of pipeline.steps) {
      if (step.vcpus > vcpusPerRegion || step.memoryMiB > memoryMiBPerRegion)
        throw new StepTooLargeError(
          `pipeline ${pipeline.name}, step ${step.name} asks for ${step.vcpus} vCPUs and ${step.memoryMiB} MiB; a local region has ${vcpusPerRegion} vCPUs and ${memoryMiBPerRegion} MiB: raise embedded.vcpusPerRegion / embedded.memoryMiBPerRegion in the config`,
        );
    }
  }
}
