/**
 * A step job as submitStep builds it (manifest stored at home, three containers, the demo qc command
 * expanded), for suites that set up jobs by hand around the real catalog and a paused executor, and the
 * payload `Run <step>` hands submitStep.
 */
import { createHash } from 'node:crypto';
import type { JobManifest } from '../../contracts/jobPayload.ts';
import type { Services } from '../../functions/shared/services.ts';
import { stepJobSpec, storeStepManifest } from '../../functions/workflow/stepJob.ts';
import type { JobSpec } from '../../seams/jobs/JobService.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';

/** The md5 a fixture file's bytes have (manifests carry real ones). */
export const md5Of = (text: string) => createHash('md5').update(text).digest('hex');

/** The demo pipeline's `qc` job of one sample whose R1 is `file`, placed in `region`. */
export async function qcJobSpec(
  svc: Pick<Services, 'storage' | 'config'>,
  options: {
    jobName: string;
    team: string;
    runId: string;
    sampleId: string;
    region: string;
    workPrefix: string;
    file: { name: string; bucket: string; key: string; size: number; md5: string };
  },
): Promise<JobSpec> {
  const step = demoPipeline.steps.find((candidate) => candidate.name === 'qc')!;
  const manifest: JobManifest = {
    schemaVersion: 1,
    pipeline: demoPipeline.name,
    step: step.name,
    scope: 'sample',
    team: options.team,
    runId: options.runId,
    sampleId: options.sampleId,
    reads: [{ ...options.file, label: 'R1', lane: 1 }],
    steps: [],
    workBucket: 'landfall-results',
    workPrefix: options.workPrefix,
  };
  const manifestRef = await storeStepManifest(svc, manifest, options.jobName);
  return stepJobSpec(svc, {
    pipeline: demoPipeline,
    step,
    sample: {
      team: options.team,
      runId: options.runId,
      sampleId: options.sampleId,
      version: 1,
      pipeline: 'demo',
      generation: 0,
      inputs: [],
    },
    manifest,
    manifestRef,
    jobName: options.jobName,
    region: options.region,
    queueKind: 'normal',
    priority: 0,
  });
}

/**
 * `Run <step>`'s payload for v1 of a demo-pipeline sample of team genomics; its reads are named (Illumina
 * names, in the landing bucket), never read: submission stores the job's manifest and reads no input.
 */
export function runStepPayload(
  runId: string,
  sampleId: string,
  step: string,
  options: { reads?: { read: 'R1' | 'R2'; size: number }[]; executionName?: string; urgent?: boolean } = {},
) {
  const { reads = [{ read: 'R1', size: 10 }], executionName = `genomics-${runId}-${sampleId}-v1-g0`, urgent } = options;
  return {
    taskToken: `token-${runId}-${sampleId}-${step}`,
    executionName,
    step,
    sample: {
      team: 'genomics',
      runId,
      sampleId,
      version: 1,
      pipeline: 'demo',
      generation: 0,
      inputs: reads.map(({ read, size }) => ({
        name: `${sampleId}_${sampleId}_L001_${read}_001.fastq.gz`,
        bucket: 'landfall-landing',
        key: `incoming/genomics/${runId}/${sampleId}_${sampleId}_L001_${read}_001.fastq.gz`,
        size,
        md5: '0'.repeat(32),
        read,
        lane: 1,
      })),
      ...(urgent !== undefined && { urgent }),
    },
  };
}
