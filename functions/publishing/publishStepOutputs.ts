import type { z } from 'zod';
import { bucketNames } from '../../config/defineConfig.ts';
import { emitOnce } from '../shared/emit.ts';
import { listedKeys } from '../shared/eventLists.ts';
import { faultPoint } from '../shared/faults.ts';
import { generationSuffix } from '../workflow/startVersionExecution.ts';
import type { Services } from '../shared/services.ts';
import { writeManifest } from './manifest.ts';
import { manifestKey, publishingKey, RUN_STEPS_SAMPLE, stepOutputPrefix } from '../../contracts/keys.ts';
import { publishVerified } from './publishVerified.ts';
import { markEarlyStepsIfDone } from '../workflow/earlySteps.ts';
import { jobNameOf } from '../workflow/executionName.ts';
import { copyBackCost, OUTPUTS_COPIED_BACK } from '../workflow/jobCost.ts';

/** The cost item of a job's outputs copied back home sits beside the job's own, under this suffix. */
const COPY_BACK_SUFFIX = '#copy-back';
import type { PublishStepPayload } from '../workflow/payloads.ts';

/**
 * `Publish <step>`: the moment a step succeeds, copies its successful attempt's verified outputs to
 * `teams/<team>/runs/<run>/samples/<sample>/v<N>/<step>/`, records them in the catalog, rewrites the
 * manifest from the catalog, and emits "Step Output Published" once. Publishing twice is a no-op. Nothing run-wide
 * happens here (held later steps are released by rule `release-held-steps`, the index by `index-run`): the
 * task's outcome depends on this step's outputs alone, never on housekeeping that could time it out.
 */
export async function publishStepOutputs(svc: Services, payload: z.infer<typeof PublishStepPayload>) {
  const { sample, step, job } = payload;
  const ref = { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, version: sample.version };
  const results = bucketNames(svc.config).results;
  const dedupeKeyOf = (generation?: number) =>
    `published:${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}/${step}${generationSuffix(generation)}`;
  // The step as published so far and whether its version was cancelled: one query (they share a key prefix).
  const { version, steps } = await svc.catalog.steps.versionWithSteps(ref);
  const already = steps.find((record) => record.step === step);
  if (already?.publishedAt) {
    const keys = (already.outputs ?? []).map((output) => output.key);
    // A crash may have come between the catalog write and the event (the runtime killed, a Lambda timed
    // out). Finish that fact under the key of the execution whose job published it: emitOnce makes it a
    // no-op when it was emitted, so a step reused by a later generation is never announced twice. The record
    // names that generation: its jobName may be a later generation's, which re-submitted the step while an
    // ended execution's job was still publishing it (records from before it: the execution of its job).
    const publisherGeneration =
      already.publishedGeneration ??
      (await svc.catalog.executions.list(ref)).find((execution) => jobNameOf(execution.executionName, step) === already.jobName)
        ?.generation;
    if (publisherGeneration !== undefined && already.sequence) {
      await writeManifest(svc, ref, results);
      await emitOnce(svc, 'Step Output Published', {
        ...ref,
        step,
        ...listedKeys(keys),
        sequence: already.sequence,
        manifestKey: manifestKey(ref),
        dedupeKey: dedupeKeyOf(publisherGeneration),
      });
    }
    return { outcome: 'already-published', ...listedKeys(keys) };
  }

  // A cancelled version publishes nothing further (`landfall cancel`): a job that finished as it was stopped stays in work/.
  if (version?.status === 'CANCELLED') return { outcome: 'cancelled', keys: [] };

  await faultPoint('publish.beforeCopy');
  // Errors keep their names (VerificationError, CopyFailedError): the state machine retries on them.
  const outputs = await publishVerified(svc.storage, {
    work: { bucket: job.workBucket, prefix: job.workPrefix },
    bucket: results,
    stagingKey: (relative) => publishingKey(payload.executionName, step, relative),
    publishedKey: (relative) => `${stepOutputPrefix(ref, step)}${relative}`,
  });
  if (outputs.length === 0) throw new Error(`${step} attempt ${job.attempt} left no outputs in s3://${job.workBucket}/${job.workPrefix}`);
  await faultPoint('publish.afterCopy');

  if (job.region !== svc.config.homeRegion) {
    // The outputs crossed regions on their way to the team: that transfer is paid for too. Recorded before the
    // step counts as published, so a crash in between is retried; once per job, so a repeat adds nothing.
    const bytes = outputs.reduce((total, output) => total + output.size, 0);
    await svc.catalog.costs.record(ref, step, `${job.jobName}${COPY_BACK_SUFFIX}`, {
      ...copyBackCost(svc.config, job.region, bytes),
      status: OUTPUTS_COPIED_BACK,
    });
  }
  const { first, sequence } = await svc.catalog.steps.recordPublished(ref, step, outputs, job.attempt, job.cost, sample.generation);
  // Said before the fact that releases the run's held steps, so the gate it asks can already skip this sample.
  if (first && version?.pipeline && ref.sampleId !== RUN_STEPS_SAMPLE) await markEarlyStepsIfDone(svc, ref, version.pipeline, step, steps);
  await writeManifest(svc, ref, results);
  if (first) {
    await emitOnce(svc, 'Step Output Published', {
      ...ref,
      step,
      ...listedKeys(outputs.map((output) => output.key)),
      sequence,
      manifestKey: manifestKey(ref),
      dedupeKey: dedupeKeyOf(sample.generation),
    });
  }
  // The task's result stays small too: Step Functions refuses task results over 256 KB (even discarded ones).
  return { outcome: 'published', ...listedKeys(outputs.map((output) => output.key)), sequence };
}
