import type { LandfallConfig } from '../../config/schema.ts';
import type { BatchJobStateChangeEvent } from '../../contracts/events/batch.ts';
import type { CapacityType, JobCost } from '../catalog/types.ts';

/** Price of compute per vCPU-hour and GB-hour. */
export interface ComputePrice {
  vcpuHour: number;
  gbHour: number;
}

/** Defaults when a region sets no prices: Fargate-like on-demand rates (eu-west-1, 2026) and spot at about 70 % off. */
export const DEFAULT_PRICES: Record<CapacityType, ComputePrice> = {
  'on-demand': { vcpuHour: 0.04048, gbHour: 0.004445 },
  spot: { vcpuHour: 0.01214, gbHour: 0.001334 },
};

const GB = 1024 ** 3;

/**
 * The capacity a job is priced at, from its queue (the state-change event does not name the compute
 * environment): `normal` queues prefer spot and `urgent` ones on-demand (stacks/batch.ts), so this is the
 * queue's preferred capacity — an estimate when Batch fell back to the other.
 */
export function capacityTypeOf(jobQueue: string | undefined): CapacityType {
  const name = (jobQueue ?? '').split('/').at(-1)!;
  return /spot/i.test(name) || /-normal$/.test(name) ? 'spot' : 'on-demand';
}

/** The prices and transfer rate that apply to a job in `region` (config `regions[].prices`, else the defaults). */
export function pricesOf(config: LandfallConfig, region: string): { compute: Record<CapacityType, ComputePrice>; transferPerGb: number } {
  const configured = config.regions.find((candidate) => candidate.name === region);
  return {
    compute: {
      'on-demand': configured?.prices?.onDemand ?? DEFAULT_PRICES['on-demand'],
      spot: configured?.prices?.spot ?? DEFAULT_PRICES.spot,
    },
    transferPerGb: configured?.transferCostPerGb ?? 0.02,
  };
}

/**
 * The cost figures of a finished job from its "Batch Job State Change" event: each attempt's
 * startedAt..stoppedAt times the job's vCPUs and memory (from `container.vcpus`/`memory` or its resource
 * requirements), priced for the region and capacity type, plus the transfer of its staged inputs.
 *
 * @example jobCost(event.detail, { region: 'eu-west-1', config, transferBytes: 0 })
 */
export function jobCost(
  detail: BatchJobStateChangeEvent['detail'],
  context: { region: string; config: LandfallConfig; transferBytes?: number },
): JobCost {
  const container = (detail.container ?? {}) as {
    vcpus?: unknown;
    memory?: unknown;
    resourceRequirements?: Array<{ type?: string; value?: string }>;
  };
  const requirement = (type: string) => Number(container.resourceRequirements?.find((candidate) => candidate.type === type)?.value);
  const vcpus = typeof container.vcpus === 'number' ? container.vcpus : Number.isFinite(requirement('VCPU')) ? requirement('VCPU') : 1;
  const memoryMiB =
    typeof container.memory === 'number' ? container.memory : Number.isFinite(requirement('MEMORY')) ? requirement('MEMORY') : 2048;
  const spans = detail.attempts.length > 0 ? detail.attempts : [{ startedAt: detail.startedAt, stoppedAt: detail.stoppedAt }];
  const seconds = spans.reduce(
    (total, span) =>
      total +
      (span.startedAt !== undefined && span.stoppedAt !== undefined && span.stoppedAt > span.startedAt
        ? (span.stoppedAt - span.startedAt) / 1000
        : 0),
    0,
  );
  const capacityType = capacityTypeOf((detail as { jobQueue?: string }).jobQueue);
  const prices = pricesOf(context.config, context.region);
  const price = prices.compute[capacityType];
  const vcpuSeconds = seconds * vcpus;
  const memoryGbSeconds = seconds * (memoryMiB / 1024);
  const computeUsd = (vcpuSeconds / 3600) * price.vcpuHour + (memoryGbSeconds / 3600) * price.gbHour;
  const transferBytes = context.transferBytes ?? 0;
  const transferUsd = (transferBytes / GB) * prices.transferPerGb;
  return {
    region: context.region,
    capacityType,
    attempts: Math.max(1, detail.attempts.length),
    seconds: round(seconds, 3),
    vcpuSeconds: round(vcpuSeconds, 3),
    memoryGbSeconds: round(memoryGbSeconds, 3),
    computeUsd: round(computeUsd, 6),
    transferBytes,
    transferUsd: round(transferUsd, 6),
    estimatedUsd: round(computeUsd + transferUsd, 6),
  };
}

/** How a per-job cost item records a job placement stopped to move it elsewhere (completeJobTask). */
export const JOB_REPLACED = 'REPLACED';

/** How a per-job cost item records a job stopped with its sample (cancelled, or failed in another step): paid for, not its own failure. */
export const JOB_STOPPED = 'STOPPED';

/**
 * How a cost item records a step's published outputs copied back from the region its job ran in to the home
 * results bucket (publishStepOutputs): a transfer, paid for like the inputs staged out, not a job.
 */
export const OUTPUTS_COPIED_BACK = 'COPIED_BACK';

/**
 * The cost of copying `bytes` of a step's outputs from `region` (where its job ran) to the home region:
 * the region's transfer price, no compute. Zero bytes (a job at home) cost nothing.
 */
export function copyBackCost(config: LandfallConfig, region: string, bytes: number): JobCost {
  const transferUsd = round((bytes / GB) * pricesOf(config, region).transferPerGb, 6);
  return {
    region,
    capacityType: 'on-demand',
    attempts: 0,
    seconds: 0,
    vcpuSeconds: 0,
    memoryGbSeconds: 0,
    computeUsd: 0,
    transferBytes: bytes,
    transferUsd,
    estimatedUsd: transferUsd,
  };
}

/** Totals over a set of job costs (a sample, a run, a team). */
export interface CostTotals {
  jobs: number;
  attempts: number;
  /**
   * Jobs that ended FAILED: the step's own failure (its tool exited non-zero, timed out, or Batch gave up). Jobs
   * stopped with their sample (JOB_STOPPED) are counted in `jobs` only.
   */
  failedJobs: number;
  /** Jobs stopped because placement moved them to another region (a lost or saturated region): paid for, not failed. */
  replacedJobs: number;
  vcpuSeconds: number;
  memoryGbSeconds: number;
  transferBytes: number;
  computeUsd: number;
  transferUsd: number;
  estimatedUsd: number;
}

export const NO_COST: CostTotals = {
  jobs: 0,
  attempts: 0,
  failedJobs: 0,
  replacedJobs: 0,
  vcpuSeconds: 0,
  memoryGbSeconds: 0,
  transferBytes: 0,
  computeUsd: 0,
  transferUsd: 0,
  estimatedUsd: 0,
};

/** One job's figures as totals (a job of one), to add up with {@link addCostTotals}. */
function totalsOf(cost: JobCost & { status?: string }): CostTotals {
  return {
    jobs: cost.status === OUTPUTS_COPIED_BACK ? 0 : 1,
    attempts: cost.attempts,
    failedJobs: cost.status === 'FAILED' ? 1 : 0,
    replacedJobs: cost.status === JOB_REPLACED ? 1 : 0,
    vcpuSeconds: cost.vcpuSeconds,
    memoryGbSeconds: cost.memoryGbSeconds,
    transferBytes: cost.transferBytes,
    computeUsd: cost.computeUsd,
    transferUsd: cost.transferUsd,
    estimatedUsd: cost.estimatedUsd,
  };
}

/** Two totals added field by field (a run's samples, a team's runs), rounded like every figure here. */
export function addCostTotals(a: CostTotals, b: CostTotals): CostTotals {
  const sum = Object.fromEntries(
    Object.keys(NO_COST).map((key) => [key, a[key as keyof CostTotals] + b[key as keyof CostTotals]]),
  ) as unknown as CostTotals;
  return {
    ...sum,
    vcpuSeconds: round(sum.vcpuSeconds, 3),
    memoryGbSeconds: round(sum.memoryGbSeconds, 3),
    computeUsd: round(sum.computeUsd, 6),
    transferUsd: round(sum.transferUsd, 6),
    estimatedUsd: round(sum.estimatedUsd, 6),
  };
}

/** Adds job costs into totals (a sample's jobs). */
export function sumCosts(costs: Array<JobCost & { status?: string }>, start: CostTotals = NO_COST): CostTotals {
  return costs.map(totalsOf).reduce(addCostTotals, addCostTotals(start, NO_COST));
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
