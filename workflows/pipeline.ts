/**
 * The step contract lives in config/pipeline.ts (the config layer validates a lab's `pipelines: [...]` with it);
 * this module re-exports it for the workflow code that has always imported it from here.
 */
export {
  definePipeline,
  LANDFALL_IMAGE,
  type Pipeline,
  PipelineDefinition,
  PipelineError,
  pipelineProblems,
  placeholdersOf,
  requiredPrograms,
  runSteps,
  sampleSteps,
  StepDefinition,
  stepLevels,
  stepsFrom,
} from '../config/pipeline.ts';
