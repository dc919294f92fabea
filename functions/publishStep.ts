import type { z } from 'zod';
import { bucketNames } from '../config/defineConfig.ts';
import { emitOnce } from './shared/emit.ts';
import { faultPoint } from './shared/faults.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { generationSuffix } from './workflow/startVersionExecution.ts';
import { services } from './shared/services.ts';
import { writeManifest } from './publishing/manifest.ts';
import { manifestKey, publishingKey, stepOutputPrefix } from '../contracts/keys.ts';
import { OUTPUT_MD5_METADATA } from '../contracts/workArea.ts';
import { verifiedCopy } from './publishing/verifiedCopy.ts';
import { releaseDeferredJobs } from './workflow/earlySteps.ts';
import { jobNameOf } from './workflow/executionName.ts';
import { PublishStepPayload } from './workflow/payloads.ts';

/**
 * `Publish <step>`: the moment a step succeeds, copies its successful attempt's verified outputs to
 * `teams/<team>/runs/<run>/samples/<sample>/v<N>/<step>/`, records them in the catalog, rewrites the
 * manifest from the catalog, and emits "Step Output Published" once. Publishing twice is a no-op.
 */
export async function publishStep(payload: z.infer<typeof PublishStepPayload>) {
  const svc = await services();
  const { sample, step, job } = payload;
  const ref = { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, version: sample.version };
  const results = bucketNames(svc.config).results;
  const dedupeKeyOf = (generation?: number) =>
    `published:${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}/${step}${generationSuffix(generation)}`;
  const already = await svc.catalog.steps.get(ref, step);
  if (already?.publishedAt) {
    const keys = (already.outputs ?? []).map((output) => output.key);
    // A crash may have come between the catalog write and the event (the runtime killed, a Lambda timed
    // out). Finish that fact under the key of the execution whose job published it: emitOnce makes it a
    // no-op when it was emitted, so a step reused by a later generation is never announced twice.
    const publisher = (await svc.catalog.executions.list(ref)).find(
      (execution) => jobNameOf(execution.executionName, step) === already.jobName,
    );
    if (publisher && already.sequence) {
      await writeManifest(svc, ref, results);
      await emitOnce(svc, 'Step Output Published', {
        ...ref,
        step,
        keys,
        sequence: already.sequence,
        manifestKey: manifestKey(ref),
        dedupeKey: dedupeKeyOf(publisher.generation),
      });
      await releaseDeferredJobs(svc, ref.team, ref.runId);
    }
    return { outcome: 'already-published', keys };
  }

  await faultPoint('publish.beforeCopy');
  const objects = await svc.storage.list(job.workBucket, job.workPrefix);
  if (objects.length === 0) throw new Error(`${step} attempt ${job.attempt} left no outputs in s3://${job.workBucket}/${job.workPrefix}`);
  // Phase 1: every output is copied to a staging key outside teams/ and verified there. Only when all
  // verified does phase 2 copy them under the team prefix: an unverified file is never visible to a team.
  const staged = [];
  for (const listed of objects) {
    // Listing carries no user metadata (as in S3): HeadObject reads the MD5 the job recorded.
    const object = (await svc.storage.head(listed.bucket, listed.key)) ?? listed;
    const expectedMd5 = object.metadata[OUTPUT_MD5_METADATA];
    if (!expectedMd5)
      throw new Error(`s3://${object.bucket}/${object.key} has no recorded MD5: it was not written by a completed step program`);
    const relative = object.key.slice(job.workPrefix.length);
    const staging = await verifiedCopy(
      svc.storage,
      { bucket: object.bucket, key: object.key, expectedMd5 },
      { bucket: results, key: publishingKey(payload.executionName, step, relative) },
      'publish.copyToStaging',
    );
    staged.push({ relative, staging });
  }
  const outputs = [];
  for (const { relative, staging } of staged) {
    outputs.push(
      await verifiedCopy(
        svc.storage,
        { bucket: results, key: staging.key, expectedMd5: staging.md5 },
        { bucket: results, key: `${stepOutputPrefix(ref, step)}${relative}` },
        'publish.copyToTeam',
      ),
    );
  }
  for (const { staging } of staged) await svc.storage.delete(results, staging.key);
  await faultPoint('publish.afterCopy');

  const { first, sequence } = await svc.catalog.steps.recordPublished(ref, step, outputs, job.attempt, job.cost);
  await writeManifest(svc, ref, results);
  if (first) {
    await emitOnce(svc, 'Step Output Published', {
      ...ref,
      step,
      keys: outputs.map((output) => output.key),
      sequence,
      manifestKey: manifestKey(ref),
      dedupeKey: dedupeKeyOf(sample.generation),
    });
  }
  await releaseDeferredJobs(svc, ref.team, ref.runId);
  return { outcome: 'published', keys: outputs.map((output) => output.key), sequence };
}

export const handler = lambdaHandler(publishStep, PublishStepPayload);
