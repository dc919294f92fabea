/**
 * The step contract (issue 17): what a pipeline step is, how pipelines are declared (`definePipeline`), and
 * the checks that make a bad definition a load-time error naming the step and the placeholder. Pure: the
 * built-in pipelines (workflows/pipelines/) and a lab's own (`pipelines: [...]` in landfall.config.ts) are
 * checked by the same code.
 */
import { z } from 'zod';
import { type Placeholder, PlaceholderSyntaxError, placeholdersIn, programName, SHELLS } from './placeholders.ts';

/**
 * `image` of the steps that run Landfall's own programs (`landfall-step <name> …`): the step image built from
 * workflows/steps/Dockerfile, which the stacks reference by its content tag in each region.
 */
export const LANDFALL_IMAGE = 'landfall';

const StepName = z
  .string()
  .regex(/^[a-z][a-z0-9-]*$/, 'step names are lower-case words: ^[a-z][a-z0-9-]*$')
  .refine((name) => name !== 'validate', 'step name "validate" is reserved for the validation job');

/** How a step picks its reference per sample: a sample-sheet column naming one of the config's `references`. */
export const ReferenceChoice = z
  .object({
    /** Sample-sheet column whose value names a reference, e.g. `Reference`. */
    column: z.string().min(1),
    /** Reference used when the sample leaves the column empty. @default none: such a sample is rejected at validation */
    default: z.string().min(1).optional(),
  })
  .strict();

export const StepDefinition = z
  .object({
    name: StepName,
    description: z.string().min(1),
    /** Steps that must have published before this one starts; independent steps run in parallel. */
    needs: z.array(z.string()).default([]),
    vcpus: z.number().positive(),
    memoryMiB: z.number().int().positive(),
    /** Per attempt; always emitted into the ASL as TimeoutSeconds (the local interpreter defaults to 60 s). */
    timeoutSeconds: z.number().int().positive(),
    /** Typical run time, seconds: placement weighs queued work with it. @default a tenth of timeoutSeconds */
    expectedSeconds: z.number().positive().optional(),
    /** Batch retryStrategy.attempts. */
    attempts: z.number().int().min(1).max(10).default(2),
    /**
     * Outputs a remote team needs first: early steps run at higher priority, and a run's later steps
     * wait until every early step of that run has published. @default false
     */
    early: z.boolean().default(false),
    /**
     * Scratch disk the job needs: `standard` (100 GiB) or `large` (1000 GiB). Batch on EC2 has no per-job
     * disk size, so each class has its own compute environments and queues (contracts/names.ts). @default 'standard'
     */
    scratch: z.enum(['standard', 'large']).default('standard'),
    /**
     * The container image AWS Batch runs the command in (any public or ECR image, e.g. a BioContainers image);
     * it needs nothing from Landfall. {@link LANDFALL_IMAGE} names Landfall's own step image.
     */
    image: z.string().min(1),
    /** argv; `{{...}}` placeholders are expanded per job; an element may be `sh -c` text. */
    command: z.array(z.string().min(1)).min(1),
    /** `sample`: once per sample version; `run`: once per run, over its samples. @default 'sample' */
    scope: z.enum(['sample', 'run']).default('sample'),
    /** Globs relative to `{{out}}`: only matching files are published. @default every file under `{{out}}` */
    outputs: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Which published outputs of an earlier step `{{steps.<name>}}` holds: globs relative to that step's outputs,
     * per step the command names. A run-wide report that reads fastp's JSON must not download every sample's
     * trimmed reads with it. @default every published output of each step
     * @example stageIn: { fastp: ['*.fastp.json'] }
     */
    stageIn: z.record(z.string(), z.array(z.string().min(1)).min(1)).optional(),
    /** Programs the step needs on PATH on the embedded runtime. @default `command[0]` unless it is a shell */
    requires: z.array(z.string().min(1)).optional(),
    /** Which of the config's `references` `{{ref}}` is, per sample. */
    reference: ReferenceChoice.optional(),
    /**
     * The step submits AWS Batch jobs of its own (a Nextflow head, `nextflowPipeline`): in AWS its job gets a
     * role of its own that may submit and watch Batch jobs, pass `taskRoleArn` to them, and use `workDir`.
     */
    submitsBatchJobs: z
      .object({
        taskRoleArn: z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'an IAM role ARN'),
        workDir: z.string().regex(/^s3:\/\/[^/]+\//, 'an s3://<bucket>/<prefix>/'),
      })
      .strict()
      .optional(),
  })
  .strict();

export const PipelineDefinition = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'pipeline names are lower-case words: ^[a-z][a-z0-9-]*$'),
    version: z.string().min(1),
    description: z.string().min(1),
    steps: z.array(StepDefinition).min(1),
    /**
     * Values for `{{param.<Column>}}` when a sample leaves that sample-sheet column empty. A column a step uses
     * with no default here must be filled for every sample, or the sample is rejected at validation.
     */
    paramDefaults: z.record(z.string(), z.string()).default({}),
  })
  .strict()
  .superRefine((pipeline, ctx) => {
    for (const problem of pipelineProblems(pipeline)) ctx.addIssue({ code: 'custom', message: problem });
  });

export type StepDefinition = z.output<typeof StepDefinition>;
export type Pipeline = z.output<typeof PipelineDefinition>;
export type PipelineInput = z.input<typeof PipelineDefinition>;

/** A pipeline definition that is not a valid step graph, or uses the step contract wrongly. */
export class PipelineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PipelineError';
  }
}

/** Every placeholder a step's command uses, with the index of the argv element it is in. */
export function placeholdersOf(step: Pick<StepDefinition, 'command'>): Array<Placeholder & { index: number }> {
  return step.command.flatMap((element, index) => placeholdersIn(element).map((placeholder) => ({ ...placeholder, index })));
}

/**
 * What is wrong with a pipeline, one sentence each naming the pipeline, the step and the placeholder: duplicate
 * or unknown steps in `needs`, a cycle, an unknown placeholder, `{{steps.X}}` with X not in `needs`, and
 * placeholders the step's scope cannot have. Empty when the pipeline is sound.
 */
export function pipelineProblems(pipeline: Pick<Pipeline, 'name' | 'steps'>): string[] {
  const problems: string[] = [];
  const where = (step: string) => `pipeline ${pipeline.name}: step ${step}`;
  const byName = new Map<string, StepDefinition>();
  for (const step of pipeline.steps) {
    if (byName.has(step.name)) problems.push(`pipeline ${pipeline.name}: step ${step.name} is defined twice`);
    byName.set(step.name, step);
  }
  for (const step of pipeline.steps) {
    for (const need of step.needs) {
      if (!byName.has(need))
        problems.push(`${where(step.name)} needs ${need}, which is not a step (steps: ${[...byName.keys()].join(', ')})`);
      else if (step.scope === 'sample' && byName.get(need)!.scope === 'run')
        problems.push(`${where(step.name)}: needs run-scope step ${need}; a sample-scope step can only need sample-scope steps`);
    }
    let placeholders: Array<Placeholder & { index: number }> = [];
    try {
      placeholders = placeholdersOf(step);
    } catch (error) {
      if (!(error instanceof PlaceholderSyntaxError)) throw error;
      problems.push(`${where(step.name)}: ${error.message}`);
    }
    for (const placeholder of placeholders) {
      const at = `${placeholder.text} in command[${placeholder.index}]`;
      if (placeholder.kind === 'steps' && !step.needs.includes(placeholder.step))
        problems.push(`${where(step.name)}: ${at} names ${placeholder.step}, which is not in its needs [${step.needs.join(', ')}]`);
      if (step.scope === 'run' && ['reads', 'sample', 'param', 'ref'].includes(placeholder.kind))
        problems.push(`${where(step.name)}: ${at} is per sample, but the step runs once per run (scope 'run')`);
      if (step.scope === 'sample' && placeholder.kind === 'samplesheet')
        problems.push(`${where(step.name)}: ${at} lists the run's samples; only a step with scope 'run' has it`);
      if (placeholder.kind === 'ref' && !step.reference)
        problems.push(`${where(step.name)}: ${at} needs \`reference: { column, default }\` on the step to know which reference`);
    }
    for (const glob of step.outputs ?? []) {
      if (leavesFolder(glob)) problems.push(`${where(step.name)}: output glob "${glob}" must be relative to {{out}} (no leading /, no ..)`);
    }
    const named = new Set(placeholders.flatMap((placeholder) => (placeholder.kind === 'steps' ? [placeholder.step] : [])));
    for (const [from, globs] of Object.entries(step.stageIn ?? {})) {
      if (!named.has(from))
        problems.push(
          `${where(step.name)}: stageIn names ${from}, but its command has no {{steps.${from}}} (it stages ${named.size > 0 ? [...named].join(', ') : 'no earlier step'})`,
        );
      for (const glob of globs)
        if (leavesFolder(glob))
          problems.push(`${where(step.name)}: stageIn glob "${glob}" must be relative to {{steps.${from}}} (no leading /, no ..)`);
    }
  }
  const cycle = findCycle(pipeline.steps.filter((step) => step.needs.every((need) => byName.has(need))));
  if (cycle) {
    const edges = cycle.slice(0, -1).map((name, i) => {
      const next = cycle[i + 1]!;
      const via = byName.get(name)!.command.some((element) => element.includes(`{{steps.${next}}}`)) ? ` (uses {{steps.${next}}})` : '';
      return `${name} needs ${next}${via}`;
    });
    const members = cycle.slice(0, -1);
    problems.push(`pipeline ${pipeline.name}: steps ${members.join(', ')} depend on each other in a cycle: ${edges.join(', ')}`);
  }
  return problems;
}

/** A glob that could reach outside the folder it is relative to: absolute, or through `..`. */
function leavesFolder(glob: string): boolean {
  return glob.startsWith('/') || glob.split('/').includes('..');
}

/** A cycle through `needs` as step names, first repeated last (`['a', 'b', 'a']`), or undefined. */
function findCycle(steps: readonly StepDefinition[]): string[] | undefined {
  const byName = new Map(steps.map((step) => [step.name, step]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'visiting');
    path.push(name);
    for (const need of byName.get(name)?.needs ?? []) {
      const cycle = visit(need);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const step of steps) {
    const cycle = visit(step.name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Validates a pipeline against the step contract and returns it with defaults applied.
 *
 * @throws PipelineError naming the pipeline, the step and the placeholder
 * @example
 * export const trimmed = definePipeline({ name: 'trimmed', version: '1', description: 'fastp only', steps: [{
 *   name: 'fastp', description: 'trim', vcpus: 2, memoryMiB: 2048, timeoutSeconds: 3600,
 *   image: 'quay.io/biocontainers/fastp:0.23.4--hadf994f_2',
 *   command: ['fastp', '-i', '{{reads.R1}}', '-I', '{{reads.R2}}', '-o', '{{out}}/R1.fq.gz', '-O', '{{out}}/R2.fq.gz'] }] });
 */
export function definePipeline(input: PipelineInput): Pipeline {
  const parsed = PipelineDefinition.safeParse(input);
  if (!parsed.success) {
    const name = (input as { name?: string }).name ?? '?';
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'custom' && issue.path.length === 0 ? issue.message : `pipeline ${name}: ${z.prettifyError(new z.ZodError([issue]))}`,
    );
    throw new PipelineError(problems.join('\n'), { cause: parsed.error });
  }
  return parsed.data;
}

/** Steps that run once per sample version (the per-sample state machine's steps). */
export function sampleSteps(pipeline: Pick<Pipeline, 'steps'>): StepDefinition[] {
  return pipeline.steps.filter((step) => step.scope === 'sample');
}

/** Steps that run once per run, after the run's samples published what they need. */
export function runSteps(pipeline: Pick<Pipeline, 'steps'>): StepDefinition[] {
  return pipeline.steps.filter((step) => step.scope === 'run');
}

/**
 * Groups steps into levels: every step's needs are in earlier levels (or outside `steps`, e.g. the sample
 * steps a run step needs); steps of one level run in parallel.
 */
export function stepLevels(
  pipeline: Pick<Pipeline, 'name' | 'steps'>,
  steps: readonly StepDefinition[] = pipeline.steps,
): StepDefinition[][] {
  const levels: StepDefinition[][] = [];
  const inScope = new Set(steps.map((step) => step.name));
  const placed = new Set<string>();
  let remaining = [...steps];
  while (remaining.length > 0) {
    const ready = remaining.filter((step) => step.needs.every((need) => placed.has(need) || !inScope.has(need)));
    if (ready.length === 0)
      throw new PipelineError(
        `pipeline ${pipeline.name}: steps ${remaining.map((step) => step.name).join(', ')} depend on each other in a cycle`,
      );
    levels.push(ready);
    for (const step of ready) placed.add(step.name);
    remaining = remaining.filter((step) => !placed.has(step.name));
  }
  return levels;
}

/** A step and every step that depends on it, transitively: what re-runs when reprocessing from `step`. */
export function stepsFrom(pipeline: Pick<Pipeline, 'name' | 'steps'>, step: string): Set<string> {
  if (!pipeline.steps.some((candidate) => candidate.name === step)) {
    throw new PipelineError(
      `pipeline ${pipeline.name} has no step ${step} (steps: ${pipeline.steps.map((candidate) => candidate.name).join(', ')})`,
    );
  }
  const selected = new Set([step]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const candidate of pipeline.steps) {
      if (!selected.has(candidate.name) && candidate.needs.some((need) => selected.has(need))) {
        selected.add(candidate.name);
        grew = true;
      }
    }
  }
  return selected;
}

/** Programs the step needs on PATH: `requires`, else `command[0]` unless that is a shell (then nothing is known). */
export function requiredPrograms(step: Pick<StepDefinition, 'command' | 'requires'>): string[] {
  if (step.requires) return [...step.requires];
  const program = step.command[0]!;
  return SHELLS.has(programName(program)) ? [] : [program];
}
