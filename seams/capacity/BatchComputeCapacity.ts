import { type BatchClient, UpdateComputeEnvironmentCommand } from '@aws-sdk/client-batch';
import type { ScratchClass } from '../../contracts/names.ts';
import type { ComputeCapacity } from './ComputeCapacity.ts';
import { batchClientsByRegion } from '../jobs/batchClients.ts';

/** The compute environments of one region and scratch class, as the stacks name them. */
export interface RegionEnvironments {
  /** Holds the warm floor: no spot reclaim while a lab waits for its first result. */
  onDemand: string;
  /** Always 0 minvCpus: scales with RUNNABLE work only. */
  spot: string;
}

/**
 * The AWS side of the capacity seam: `UpdateComputeEnvironment` with `minvCpus`. Batch refuses to lower
 * `desiredvCpus` by hand ("Manually scaling down compute environment is not supported"), so going idle
 * sets minvCpus to 0 and lets the environment drain; waking raises it on the on-demand environment.
 */
export class BatchComputeCapacity implements ComputeCapacity {
  readonly #environments: (region: string, scratch: ScratchClass) => RegionEnvironments;
  readonly #clientFor: (region: string) => BatchClient;

  constructor(environments: (region: string, scratch: ScratchClass) => RegionEnvironments, clientFor?: (region: string) => BatchClient) {
    this.#environments = environments;
    this.#clientFor = clientFor ?? batchClientsByRegion();
  }

  async setWarmVcpus(region: string, vcpus: number, scratch: ScratchClass = 'standard'): Promise<void> {
    if (!Number.isInteger(vcpus) || vcpus < 0) throw new RangeError(`warm vCPUs for ${region} must be a whole number >= 0, got ${vcpus}`);
    const { onDemand, spot } = this.#environments(region, scratch);
    const client = this.#clientFor(region);
    await client.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: onDemand, computeResources: { minvCpus: vcpus } }));
    if (vcpus === 0)
      await client.send(new UpdateComputeEnvironmentCommand({ computeEnvironment: spot, computeResources: { minvCpus: 0 } }));
  }
}
