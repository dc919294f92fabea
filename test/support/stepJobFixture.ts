/**
 * A step job as submitStep builds it (manifest stored at home, three containers, the demo qc command
 * expanded), for suites that set up jobs by hand around the real catalog and a paused executor.
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
