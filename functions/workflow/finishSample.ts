import type { z } from 'zod';
import { emitOnce } from '../shared/emit.ts';
import { faultPoint } from '../shared/faults.ts';
import { stopVersionJobs } from './stopVersionJobs.ts';
import { failedStepOf } from '../catalog/Steps.ts';
import { listedKeys } from '../shared/eventLists.ts';
import { generationSuffix } from './startVersionExecution.ts';
import type { Services } from '../shared/services.ts';
import { rewriteManifest } from '../publishing/manifest.ts';
import { manifestKey } from '../../contracts/keys.ts';
import type { FinishSamplePayload } from './payloads.ts';
import type { VersionRecord } from '../catalog/types.ts';

/** What ending a version reads of the task's input: which version, of which execution generation, and why it failed. */
type Sample = z.infer<typeof FinishSamplePayload>['sample'];
type Payload = Omit<Partial<z.infer<typeof FinishSamplePayload>>, 'sample'> & {
  sample: Pick<Sample, 'team' | 'runId' | 'sampleId' | 'version' | 'generation'> & Partial<Sample>;
};

/** `Complete sample`: every step published; the version is COMPLETED and "Sample Completed" is emitted once. */
export async function completeSample(svc: Services, payload: Payload, completedAt = new Date().toISOString()) {
  const ref = {
    team: payload.sample.team,
    runId: payload.sample.runId,
    sampleId: payload.sample.sampleId,
    version: payload.sample.version,
  };
  const published = (await svc.catalog.steps.list(ref))
    .filter((step) => step.publishedAt)
    .sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  const steps = published.map((step) => step.step);
  const current = await svc.catalog.samples.finishVersion(ref, 'COMPLETED', { completedAt });
  await faultPoint('finish.afterFinishVersion');
  await rewriteManifest(svc, ref);
  // A newer version was cataloged while this one ran (or a person cancelled it): its outputs stay under v<N>,
  // but the sample's status is not this execution's to set, nor is the sample announced completed.
  if (!current) return { outcome: 'superseded', steps };
  // The sample's status is written once its fact is claimed: a process dying before that claim leaves the
  // sample RUNNING for the sweep to end (concludeFinishedVersion), never COMPLETED with its fact lost.
  await emitOnce(
    svc,
    'Sample Completed',
    {
      ...ref,
      steps,
      ...listedKeys([...published.flatMap((step) => (step.outputs ?? []).map((output) => output.key)), manifestKey(ref)]),
      manifestKey: manifestKey(ref),
      dedupeKey: `completed:${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}${generationSuffix(payload.sample.generation)}`,
    },
    {
      recordClaimed: () =>
        svc.catalog.samples.setStatus(ref, 'COMPLETED', {
          currentVersion: ref.version,
          detail: `v${ref.version} completed: ${steps.join(', ')}`,
        }),
    },
  );
  return { outcome: 'completed', steps };
}

/** `Record sample failure`: a step failed for good; the version is FAILED with the error, "Sample Failed" once. */
export async function failSample(svc: Services, payload: Payload) {
  const ref = {
    team: payload.sample.team,
    runId: payload.sample.runId,
    sampleId: payload.sample.sampleId,
    version: payload.sample.version,
  };
  const error = payload.error?.Error ?? 'Unknown';
  const cause = payload.error?.Cause;
  const failedStep = failedStepOf(await svc.catalog.steps.list(ref))?.step;
  const current = await svc.catalog.samples.finishVersion(ref, 'FAILED', { error: cause ? `${error}: ${cause}` : error });
  await faultPoint('finish.afterFinishVersion');
  // The execution is over: sibling steps still running in Batch, and later steps held behind the run's early
  // steps, would compute what no task is left to publish.
  await stopVersionJobs(svc, ref, `stopped: the sample failed${failedStep ? ` in ${failedStep}` : ''}`);
  await rewriteManifest(svc, ref);
  if (!current) {
    // A newer version was cataloged while this one ran (its files were re-landed), or a person cancelled it:
    // neither its status nor a "Sample Failed" may speak for this one.
    return { outcome: 'superseded', error };
  }
  // Written once the fact is claimed, as in completeSample.
  await emitOnce(
    svc,
    'Sample Failed',
    {
      ...ref,
      step: failedStep,
      error,
      cause,
      dedupeKey: `failed:${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}${generationSuffix(payload.sample.generation)}`,
    },
    {
      recordClaimed: () =>
        svc.catalog.samples.setStatus(ref, 'FAILED', {
          currentVersion: ref.version,
          detail: `failed${failedStep ? ` in ${failedStep}` : ''}: ${cause ?? error}`,
        }),
    },
  );
  return { outcome: 'failed', error };
}

/**
 * A version whose execution ended it (COMPLETED or FAILED) while its sample still says READY or RUNNING: the
 * process died between finishing the version and setting the sample's status and emitting its fact, and no
 * execution is left to do it. The reconciliation sweep ends it as the execution would have: every write is
 * idempotent, the fact goes out once (its dedupe key is the execution's), and the completion time stays.
 */
export async function concludeFinishedVersion(svc: Services, version: VersionRecord) {
  const { team, runId, sampleId } = version;
  const sample = { team, runId, sampleId, version: version.version, generation: version.generation ?? 0 };
  if (version.status === 'COMPLETED') return completeSample(svc, { sample }, version.completedAt ?? new Date().toISOString());
  if (version.status === 'FAILED') return failSample(svc, { sample, error: { Error: version.error ?? 'Unknown' } });
  throw new Error(`version ${version.version} of ${version.team}/${version.runId}/${version.sampleId} is ${version.status}, not finished`);
}
