import { z } from 'zod';

export const StepDefinition = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'step names are lower-case words: ^[a-z][a-z0-9-]*$'),
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
    /** What the job downloads: the sample's landed files. */
    inputs: z.literal('sample').default('sample'),
  })
  .strict();

export const PipelineDefinition = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    version: z.string().min(1),
    description: z.string().min(1),
    steps: z.array(StepDefinition).min(1),
  })
  .strict();

export type StepDefinition = z.output<typeof StepDefinition>;
export type Pipeline = z.output<typeof PipelineDefinition>;

/** A pipeline definition that is not a valid DAG of steps. */
export class PipelineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PipelineError';
  }
}

/**
 * Validates a pipeline: unique step names, every `needs` names a step, no cycles.
 *
 * @example definePipeline({ name: 'demo', version: '1', description: '…', steps: [{ name: 'qc', … }] })
 */
export function definePipeline(input: z.input<typeof PipelineDefinition>): Pipeline {
  const parsed = PipelineDefinition.safeParse(input);
  if (!parsed.success) throw new PipelineError(`pipeline ${(input as { name?: string }).name ?? '?'}: ${z.prettifyError(parsed.error)}`);
  const pipeline = parsed.data;
  const names = new Set<string>();
  for (const step of pipeline.steps) {
    if (names.has(step.name)) throw new PipelineError(`pipeline ${pipeline.name}: step ${step.name} is defined twice`);
    names.add(step.name);
  }
  for (const step of pipeline.steps) {
    for (const need of step.needs) {
      if (!names.has(need))
        throw new PipelineError(
          `pipeline ${pipeline.name}: step ${step.name} needs ${need}, which is not a step (steps: ${[...names].join(', ')})`,
        );
    }
  }
  stepLevels(pipeline); // throws on a cycle
  return pipeline;
}

/** Groups steps into levels: every step's needs are in earlier levels; steps of one level run in parallel. */
export function stepLevels(pipeline: Pipeline): StepDefinition[][] {
  const levels: StepDefinition[][] = [];
  const placed = new Set<string>();
  let remaining = [...pipeline.steps];
  while (remaining.length > 0) {
    const ready = remaining.filter((step) => step.needs.every((need) => placed.has(need)));
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
export function stepsFrom(pipeline: Pipeline, step: string): Set<string> {
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
