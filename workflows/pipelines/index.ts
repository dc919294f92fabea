import type { Pipeline } from '../pipeline.ts';
import { demoPipeline } from './demo.ts';
import { dnaAlignPipeline } from './dnaAlign.ts';

/** The pipelines Landfall ships, by name; a config's `pipelines: [...]` adds the lab's own. */
export const builtInPipelines: Readonly<Record<string, Pipeline>> = {
  [demoPipeline.name]: demoPipeline,
  [dnaAlignPipeline.name]: dnaAlignPipeline,
};

/** Every pipeline teams can be routed to (landfall.config.ts names them). */
export const pipelines: Record<string, Pipeline> = { ...builtInPipelines };

export function getPipeline(name: string): Pipeline {
  const pipeline = pipelines[name];
  if (!pipeline) throw new Error(`no pipeline named ${name} (pipelines: ${Object.keys(pipelines).join(', ')})`);
  return pipeline;
}
