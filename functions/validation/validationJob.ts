import { createHash } from 'node:crypto';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import type { LandedFile } from '../../contracts/validationJob.ts';
import { VALIDATION_PRIORITY } from '../workflow/priority.ts';
import { validationJobDocumentKeys } from '../../contracts/validationJob.ts';
import { VALIDATION_JOB_DEFINITION, VALIDATION_JOB_PREFIX, functionStage, jobDefinitionName, jobQueueName } from '../../contracts/names.ts';

/**
 * Validation of a sample too large for a function (a Lambda stops at 15 minutes) runs as a Batch job:
 * the same `validateSample` code, in the step image (`landfall-validate`), with its input and result
 * as JSON in the home work area. The job's "Batch Job State Change" brings the result back.
 */

/**
 * Deterministic job name (SubmitJob has no idempotency token): the sample and the identity of its files,
 * so a re-drive of the same files finds the same job and a changed file makes a new one.
 */
export function validationJobName(ref: { team: string; runId: string; sampleId: string }, landed: LandedFile[]): string {
  // The exact sample as well as its files: two runs whose names sanitise alike never share a job.
  const identity = createHash('sha256')
    .update(
      JSON.stringify([
        ref.team,
        ref.runId,
        ref.sampleId,
        landed.map((file) => [file.name, file.etag, file.size, file.versionId ?? '']).sort(),
      ]),
    )
    .digest('hex')
    .slice(0, 12);
  const readable = `${ref.team}-${ref.runId}-${ref.sampleId}`
    .replace(/[^A-Za-z0-9_-]/g, '_')
    .slice(0, 128 - VALIDATION_JOB_PREFIX.length - 13);
  return `${VALIDATION_JOB_PREFIX}${readable}-${identity}`;
}

/** Where a validation job's input and result live: the home region's work area. */
export function validationJobKeys(config: LandfallConfig, jobName: string) {
  return {
    bucket: bucketNames(config).workArea(config.homeRegion),
    ...validationJobDocumentKeys(jobName),
  };
}

/** The Batch job that validates one sample in the home region, at urgent priority (nothing runs before it is cataloged). */
export function validationJobSpec(config: LandfallConfig, jobName: string): JobSpec {
  const keys = validationJobKeys(config, jobName);
  return {
    jobName,
    region: config.homeRegion,
    jobQueue: jobQueueName(config.app, functionStage(), config.homeRegion, 'urgent'),
    jobDefinition: jobDefinitionName(config.app, functionStage(), VALIDATION_JOB_DEFINITION),
    command: ['landfall-validate', keys.bucket, keys.input],
    environment: {},
    vcpus: config.validation.jobVcpus,
    memoryMiB: config.validation.jobMemoryMiB,
    timeoutSeconds: config.validation.jobTimeoutSeconds,
    attempts: 2,
    priority: VALIDATION_PRIORITY,
    // A lost host is retried; a failing program (I/O error) is not.
    evaluateOnExit: [
      { onStatusReason: 'Host EC2*', action: 'RETRY' },
      { onReason: '*', action: 'EXIT' },
    ],
  };
}
