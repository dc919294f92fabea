import type { LandfallConfig } from '../../config/schema.ts';
import { type Pipeline, PipelineError } from '../pipeline.ts';
import { demoPipeline } from './demo.ts';
import { dnaAlignPipeline } from './dnaAlign.ts';

/** The pipelines Landfall ships, by name; a config's `pipelines: [...]` adds the lab's own. */
export const builtInPipelines: Readonly<Record<string, Pipeline>> = {
  [demoPipeline.name]: demoPipeline,
  [dnaAlignPipeline.name]: dnaAlignPipeline,
};

/**
 * Every pipeline a config can route teams to: the built-in ones and the lab's own.
 *
 * @throws PipelineError when a lab pipeline takes a built-in pipeline's name
 */
export function pipelinesOf(config: Pick<LandfallConfig, 'pipelines'>): Record<string, Pipeline> {
  const all: Record<string, Pipeline> = { ...builtInPipelines };
  for (const pipeline of config.pipelines) {
    if (all[pipeline.name]) throw new PipelineError(`pipeline ${pipeline.name} is built in; give the config's pipeline another name`);
    all[pipeline.name] = pipeline;
  }
  return all;
}

/**
 * The pipeline called `name` in `config`.
 *
 * @throws PipelineError naming the pipelines there are
 * @example pipelineNamed(config, 'dna-align').steps.map((step) => step.name); // ['fastp', 'align', 'stats', 'multiqc']
 */
export function pipelineNamed(config: Pick<LandfallConfig, 'pipelines'>, name: string): Pipeline {
  const all = pipelinesOf(config);
  const pipeline = all[name];
  if (!pipeline) throw new PipelineError(`no pipeline named ${name} (pipelines: ${Object.keys(all).join(', ')})`);
  return pipeline;
}

/**
 * The pipelines teams are routed to, checked against the config: each exists, and each step's default
 * reference is one of the config's `references`.
 *
 * @throws PipelineError naming the team, pipeline, step and reference
 */
export function routedPipelines(config: Pick<LandfallConfig, 'pipelines' | 'teams' | 'references'>): Pipeline[] {
  const routed = new Map<string, Pipeline>();
  for (const team of config.teams) {
    const pipeline = pipelinesOf(config)[team.pipeline];
    if (!pipeline)
      throw new PipelineError(
        `team ${team.id} is routed to pipeline ${team.pipeline}, which does not exist (pipelines: ${Object.keys(pipelinesOf(config)).join(', ')})`,
      );
    routed.set(pipeline.name, pipeline);
  }
  for (const pipeline of routed.values()) {
    for (const step of pipeline.steps) {
      const fallback = step.reference?.default;
      if (fallback !== undefined && !(fallback in config.references))
        throw new PipelineError(
          `pipeline ${pipeline.name}: step ${step.name}: default reference ${fallback} is not in the config's references [${Object.keys(config.references).join(', ')}]; add \`references: { ${fallback}: '<folder or s3:// prefix>' }\``,
        );
    }
  }
  return [...routed.values()];
}
