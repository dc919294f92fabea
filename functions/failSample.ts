import type { z } from 'zod';
import { bucketNames } from '../config/defineConfig.ts';
import { emitOnce } from './shared/emit.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { generationSuffix } from './workflow/startVersionExecution.ts';
import { services } from './shared/services.ts';
import { writeManifest } from './publishing/manifest.ts';
import { releaseDeferredJobs } from './workflow/earlySteps.ts';
import { FinishSamplePayload } from './workflow/payloads.ts';

type Payload = z.infer<typeof FinishSamplePayload>;

/** `Record sample failure`: a step failed for good; the version is FAILED with the error, "Sample Failed" once. */
export async function failSample(payload: Payload) {
  const svc = await services();
  const ref = {
    team: payload.sample.team,
    runId: payload.sample.runId,
    sampleId: payload.sample.sampleId,
    version: payload.sample.version,
  };
  const error = payload.error?.Error ?? 'Unknown';
  const cause = payload.error?.Cause;
  const failedStep = (await svc.catalog.steps.list(ref)).find((step) => step.status === 'FAILED')?.step;
  const current = await svc.catalog.samples.finishVersion(ref, 'FAILED', { error: cause ? `${error}: ${cause}` : error });
  await svc.catalog.samples.bumpManifestRevision(ref);
  await writeManifest(svc, ref, bucketNames(svc.config).results);
  if (!current) {
    // A newer version was cataloged while this one ran (its files were re-landed): the sample is that version's
    // now, so neither its status nor a "Sample Failed" may speak for this one.
    await releaseDeferredJobs(svc, ref.team, ref.runId);
    return { outcome: 'superseded', error };
  }
  await svc.catalog.samples.setStatus(ref, 'FAILED', {
    currentVersion: ref.version,
    detail: `failed${failedStep ? ` in ${failedStep}` : ''}: ${cause ?? error}`,
  });
  await emitOnce(svc, 'Sample Failed', {
    ...ref,
    step: failedStep,
    error,
    cause,
    dedupeKey: `failed:${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}${generationSuffix(payload.sample.generation)}`,
  });
  await releaseDeferredJobs(svc, ref.team, ref.runId); // a failed early step no longer holds the run back
  return { outcome: 'failed', error };
}

export const handler = lambdaHandler(failSample, FinishSamplePayload);
