/**
 * The three containers of every step job, in the order they run, as one Batch multi-container task
 * (`ecsProperties`): stage-in fills the shared volume, the tool runs the step's command, stage-out uploads the
 * outputs (or records the failure). The same list is the job definition in AWS (stacks/) and what the embedded
 * runtime's executor runs as host processes.
 */
import { LANDFALL_IMAGE } from '../../config/pipeline.ts';
import type { JobContainer } from '../../seams/jobs/JobService.ts';
import { manifestEnvironment } from '../../contracts/jobPayload.ts';

/** Names of the containers of a step job's task (the job definition's, the task metadata's, the local runner's). */
export const CONTAINER_NAMES = { stageIn: 'stage-in', tool: 'tool', stageOut: 'stage-out' } as const;

/** Commands of the phase programs in Landfall's image (workflows/steps/Dockerfile installs them). */
export const PHASE_COMMANDS = { stageIn: 'landfall-stage-in', stageOut: 'landfall-stage-out' } as const;

/**
 * Containers of a step job: stage-in (not essential) → the tool (not essential, starts when stage-in SUCCEEDED)
 * → stage-out (essential, starts when the tool COMPLETED, whatever its exit code: it reads the tool's exit code
 * from the task metadata and ends the job with it). COMPLETE and SUCCESS may only name non-essential containers.
 *
 * @example stepJobContainers({ image: 'quay.io/biocontainers/fastp:…', command: ['fastp', …] }, { bucket, key })
 */
export function stepJobContainers(tool: { image: string; command: string[] }, manifest?: { bucket: string; key: string }): JobContainer[] {
  const environment = manifest ? manifestEnvironment(manifest) : undefined;
  return [
    {
      name: CONTAINER_NAMES.stageIn,
      image: LANDFALL_IMAGE,
      command: [PHASE_COMMANDS.stageIn],
      essential: false,
      ...(environment && { environment }),
    },
    {
      name: CONTAINER_NAMES.tool,
      image: tool.image,
      command: tool.command,
      essential: false,
      dependsOn: [{ containerName: CONTAINER_NAMES.stageIn, condition: 'SUCCESS' }],
    },
    {
      name: CONTAINER_NAMES.stageOut,
      image: LANDFALL_IMAGE,
      command: [PHASE_COMMANDS.stageOut],
      essential: true,
      dependsOn: [{ containerName: CONTAINER_NAMES.tool, condition: 'COMPLETE' }],
      ...(environment && { environment }),
    },
  ];
}
