import type { LandfallConfig } from '../../config/schema.ts';
import type { BatchJobStateChangeEvent } from '../../events/schemas/batch.ts';

/** What a step's job used and what that is estimated to cost (every attempt counts: failed attempts were paid for too). */
export interface JobCost {
  attempts: number;
  /** Wall-clock seconds over all attempts. */
  seconds: number;
  vcpuSeconds: number;
  /** vCPU-seconds × the region's vCPU-hour price / 3600; an estimate, not the AWS bill. */
  estimatedUsd: number;
}

/** Default on-demand price of one vCPU-hour (roughly a c6i/m6i vCPU in eu-west-1, 2026), when the region sets none. */
export const DEFAULT_VCPU_HOUR_USD = 0.045;

/** The region's vCPU-hour price from config (`regions[].vcpuHourUsd`), else the default. */
export function vcpuHourUsdOf(config: LandfallConfig, region: string): number {
  return config.regions.find((candidate) => candidate.name === region)?.vcpuHourUsd ?? DEFAULT_VCPU_HOUR_USD;
}

/**
 * The cost figures of a finished job from its "Batch Job State Change" event: each attempt's
 * startedAt..stoppedAt times the job's vCPUs (from `container.vcpus` or its VCPU resource requirement).
 *
 * @example jobCost(event.detail, 0.045) // { attempts: 1, seconds: 62.4, vcpuSeconds: 124.8, estimatedUsd: 0.00156 }
 */
export function jobCost(detail: BatchJobStateChangeEvent['detail'], vcpuHourUsd = DEFAULT_VCPU_HOUR_USD): JobCost {
  const container = (detail.container ?? {}) as { vcpus?: unknown; resourceRequirements?: Array<{ type?: string; value?: string }> };
  const fromRequirements = Number(container.resourceRequirements?.find((requirement) => requirement.type === 'VCPU')?.value);
  const vcpus = typeof container.vcpus === 'number' ? container.vcpus : Number.isFinite(fromRequirements) ? fromRequirements : 1;
  const spans = detail.attempts.length > 0 ? detail.attempts : [{ startedAt: detail.startedAt, stoppedAt: detail.stoppedAt }];
  const seconds = spans.reduce((total, span) => total + (span.startedAt !== undefined && span.stoppedAt !== undefined && span.stoppedAt > span.startedAt ? (span.stoppedAt - span.startedAt) / 1000 : 0), 0);
  const vcpuSeconds = seconds * vcpus;
  return { attempts: Math.max(1, detail.attempts.length), seconds: round(seconds), vcpuSeconds: round(vcpuSeconds), estimatedUsd: round((vcpuSeconds / 3600) * vcpuHourUsd, 6) };
}

function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
