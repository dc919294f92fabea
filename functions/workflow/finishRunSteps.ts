import type { z } from 'zod';
import { indexAndConcludeRun } from '../publishing/updateRunIndex.ts';
import type { Services } from '../shared/services.ts';
import type { FinishSamplePayload } from './payloads.ts';
import { faultPoint } from '../shared/faults.ts';
import { rewriteManifest } from '../publishing/manifest.ts';

/**
 * `Finish run steps` / `Record run steps failure` of a run's run-level state machine: records how the run
 * steps ended on their version (COMPLETED, or FAILED with the error), rewrites their manifest, and concludes
 * the run — DONE and "Run Completed" once every sample is terminal too. A failed run step does not hold the
 * run: the run is DONE and its index says the run steps FAILED, and why.
 */
export async function finishRunSteps(svc: Services, payload: z.infer<typeof FinishSamplePayload>) {
  const { sample, error } = payload;
  const ref = { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, version: sample.version };
  const failed = error !== undefined;
  const reason = failed ? (error.Cause ? `${error.Error ?? 'Error'}: ${error.Cause}` : (error.Error ?? 'Unknown')) : undefined;
  await svc.catalog.samples.updateVersion(ref, {
    status: failed ? 'FAILED' : 'COMPLETED',
    ...(failed ? { error: reason } : { completedAt: new Date().toISOString() }),
  });
  await faultPoint('finishRunSteps.afterUpdateVersion');
  await rewriteManifest(svc, ref);
  const concluded = await indexAndConcludeRun(svc, ref.team, ref.runId);
  return { outcome: failed ? 'run-steps-failed' : 'run-steps-completed', run: concluded.outcome };
}
