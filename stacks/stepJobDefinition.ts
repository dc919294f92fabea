/**
 * The Batch job definition of one pipeline step: a multi-container task (`ecsProperties`, AWS Batch User
 * Guide, "Create job definitions using EcsProperties"). Three containers share one task volume mounted at
 * `/landfall`: stage-in (Landfall's image) fills it, the tool (the step's own image, nothing of Landfall in
 * it) runs the step's command, stage-out (Landfall's image, the one essential container) uploads `{{out}}`
 * or records the failure. Plain module (no SST globals) so tests inspect exactly what is deployed.
 */
import { LANDFALL_IMAGE, type StepDefinition } from '../config/pipeline.ts';
import { JOB_LOG_GROUP } from '../contracts/names.ts';
import { StacksError } from './errors.ts';
import { stepJobContainers } from '../workflows/job/stepContainers.ts';
import { VOLUME_PATH } from '../workflows/job/volume.ts';

/** The task volume every container mounts: Docker-managed scratch on the instance, gone with the task. */
export const TASK_VOLUME = 'landfall';

// Log group Batch jobs log to; stage-out reads the tool's last lines from it (its log stream is in the task metadata).
export { JOB_LOG_GROUP };

/** Memory of each phase container (they stream; they run before and after the tool, never beside it). */
export const PHASE_MEMORY_MIB = 512;

/**
 * `ecsProperties` of a step's job definition. The tool container's command here is the step's template; every
 * submission overrides it with the command expanded for that job (BatchJobService: ecsPropertiesOverride).
 * vCPUs are reserved on the tool container only: the phases run before and after it.
 *
 * @example stepJobEcsProperties({ step, landfallImage: '<account>.dkr.ecr.eu-west-1.amazonaws.com/landfall-step:sha-…', taskRoleArn, region: 'eu-west-1' })
 */
export function stepJobEcsProperties(options: {
  step: Pick<StepDefinition, 'name' | 'image' | 'command' | 'vcpus' | 'memoryMiB'>;
  pipeline: string;
  landfallImage: string;
  taskRoleArn: string;
  region: string;
}) {
  const { step, landfallImage, taskRoleArn, region } = options;
  const imageOf = (image: string) => (image === LANDFALL_IMAGE ? landfallImage : image);
  const containers = stepJobContainers({ image: step.image, command: step.command }).map((container) => {
    const tool = container.name === 'tool';
    return {
      name: container.name,
      image: imageOf(container.image),
      command: container.command,
      essential: container.essential,
      // The task volume is created owned by root; Landfall's image runs as `node`, so stage-in (which creates
      // the volume's folders and leaves out/ writable by any user the tool's image runs as) runs as root.
      ...(container.name === 'stage-in' && { user: '0' }),
      ...(container.dependsOn && { dependsOn: container.dependsOn }),
      mountPoints: [{ sourceVolume: TASK_VOLUME, containerPath: VOLUME_PATH, readOnly: false }],
      // The SDK takes its region from the environment only (not from instance metadata), which the ECS agent on
      // EC2 has not always set: named here, the phases' S3 client never fails with "Region is missing".
      environment: [{ name: 'AWS_REGION', value: region }],
      resourceRequirements: tool
        ? [
            { type: 'VCPU', value: String(step.vcpus) },
            { type: 'MEMORY', value: String(step.memoryMiB) },
          ]
        : [{ type: 'MEMORY', value: String(PHASE_MEMORY_MIB) }],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': JOB_LOG_GROUP, 'awslogs-region': region, 'awslogs-stream-prefix': `${options.pipeline}-${step.name}` },
      },
    };
  });
  return { taskProperties: [{ taskRoleArn, volumes: [{ name: TASK_VOLUME }], containers }] };
}

/**
 * The config's references as S3 bucket and key prefix (for the job role's grants).
 *
 * @throws StacksError for a reference that is a folder on one machine: jobs in AWS cannot read it
 */
export function referencePrefixes(references: Record<string, string>): Array<{ name: string; bucket: string; prefix: string }> {
  return Object.entries(references).map(([name, location]) => {
    const at = s3Prefix(location);
    if (!at)
      throw new StacksError(
        `reference ${name} is ${location}, a folder on one machine: jobs in AWS read references from S3; give it as s3://<bucket>/<prefix>/`,
      );
    return { name, ...at };
  });
}

/** `s3://bucket/prefix` as bucket and a prefix that is empty or ends with `/`; undefined for anything else. */
export function s3Prefix(location: string): { bucket: string; prefix: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(location);
  if (!match) return undefined;
  const prefix = match[2] ?? '';
  return { bucket: match[1]!, prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/` };
}

/** One `s3:ListBucket` statement per location, limited to its prefix (`<sid>1`, `<sid>2`, …). */
export function listPrefixStatements(sid: string, locations: ReadonlyArray<{ bucket: string; prefix: string }>) {
  return locations.map(({ bucket, prefix }, index) => ({
    Sid: `${sid}${index + 1}`,
    Effect: 'Allow',
    Action: 's3:ListBucket',
    Resource: `arn:aws:s3:::${bucket}`,
    Condition: { StringLike: { 's3:prefix': [`${prefix}*`] } },
  }));
}
