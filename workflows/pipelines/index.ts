import type { Pipeline } from '../pipeline.ts';
import { demoPipeline } from './demo.ts';

/** Every pipeline teams can be routed to (landfall.config.ts names them). */
export const pipelines: Record<string, Pipeline> = { [demoPipeline.name]: demoPipeline };

export function getPipeline(name: string): Pipeline {
  const pipeline = pipelines[name];
  if (!pipeline) throw new Error(`no pipeline named ${name} (pipelines: ${Object.keys(pipelines).join(', ')})`);
  return pipeline;
}
