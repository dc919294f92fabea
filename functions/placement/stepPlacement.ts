import { bucketNames } from '../../config/defineConfig.ts';
import { stagedInputKey } from '../../contracts/workArea.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import type { StepDefinition } from '../../workflows/pipeline.ts';
import type { Services } from '../shared/services.ts';
import type { SamplePayload } from '../workflow/payloads.ts';
import type { PlacementRecord } from '../catalog/types.ts';
import type { PlacementDecision, PlacementJob, PlacementSetup } from './types.ts';

export function placementSetup(config: LandfallConfig): PlacementSetup {
  return {
    homeRegion: config.homeRegion,
    regions: config.regions,
    health: {
      unhealthyAfterFailures: config.placement.unhealthyAfterFailures,
      windowSeconds: config.placement.healthWindowSeconds,
      queueStallSeconds: config.placement.queueStallSeconds,
      maxQueuedJobs: config.placement.maxQueuedJobsPerRegion,
    },
  };
}

/** When a step declares no estimate, a tenth of its timeout is the guess placement weighs queues with. */
export function expectedSecondsOf(step: StepDefinition): number {
  return step.expectedSeconds ?? step.timeoutSeconds / 10;
}

/**
 * The placement question for one step job: its size, its priority, and where the sample's inputs already
 * are (the home landing bucket, plus every region an earlier step of this version ran in: staged there).
 */
export async function placementJobFor(
  svc: Pick<Services, 'catalog' | 'config'>,
  sample: SamplePayload,
  step: StepDefinition,
  jobName: string,
  priority: number,
): Promise<PlacementJob> {
  const ref = { team: sample.team, runId: sample.runId, sampleId: sample.sampleId, version: sample.version };
  const ranIn = (await svc.catalog.steps.list(ref)).map((record) => record.region);
  return {
    jobName,
    vcpus: step.vcpus,
    memoryMiB: step.memoryMiB,
    expectedSeconds: expectedSecondsOf(step),
    inputBytes: sample.inputs.reduce((sum, input) => sum + input.size, 0),
    dataRegions: [...new Set([svc.config.homeRegion, ...ranIn])],
    priority,
  };
}

export function placementRecord(decision: PlacementDecision, extra: Pick<PlacementRecord, 'replaces' | 'why'> = {}): PlacementRecord {
  return {
    jobName: decision.jobName,
    region: decision.region,
    at: new Date().toISOString(),
    estimatedStartSeconds: Math.round(decision.estimatedStartSeconds),
    reasons: decision.reasons,
    ...extra,
  };
}

/**
 * Inputs as the job in `region` reads them: at home the landed objects; elsewhere copies in the region's
 * staging bucket, copied only when not there yet with the same size (a later step of the sample, or a
 * retried submission, reuses them). The step program still checks every input's MD5.
 */
export async function stageInputs(
  svc: Pick<Services, 'storage' | 'config'>,
  sample: SamplePayload,
  region: string,
  onCopied?: (bytes: number) => void,
): Promise<SamplePayload['inputs']> {
  if (region === svc.config.homeRegion) return sample.inputs;
  const bucket = bucketNames(svc.config).workArea(region);
  const staged = [];
  for (const input of sample.inputs) {
    const key = stagedInputKey(sample, input.name);
    const present = await svc.storage.head(bucket, key);
    if (!present || present.size !== input.size) {
      await svc.storage.copy(input.bucket, input.key, bucket, key);
      onCopied?.(input.size); // what the job's transfer cost counts
    }
    staged.push({ ...input, bucket, key });
  }
  return staged;
}
