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
 * The placement question for one step job: its size, its priority, and where its inputs are: at home (the
 * landed files and every published output); a job placed elsewhere reads them from there.
 */
export async function placementJobFor(
  svc: Pick<Services, 'catalog' | 'config'>,
  sample: SamplePayload,
  step: StepDefinition,
  jobName: string,
  priority: number,
): Promise<PlacementJob> {
  return {
    jobName,
    vcpus: step.vcpus,
    memoryMiB: step.memoryMiB,
    expectedSeconds: expectedSecondsOf(step),
    inputBytes: sample.inputs.reduce((sum, input) => sum + input.size, 0),
    dataRegions: [svc.config.homeRegion],
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
