import type { ScratchClass } from '../../contracts/names.ts';

/**
 * Warm compute seam: the capacity a region keeps ready while no job asks for it (AWS Batch `minvCpus`;
 * on the embedded runtime the region's warm worker processes). Jobs never wait for this: Batch and the
 * local executor scale up for RUNNABLE work on their own; the floor only decides what stays warm.
 */
export interface ComputeCapacity {
  /**
   * Sets the warm floor in vCPUs of the region's compute for one scratch class (default `standard`; `large`
   * is the separate large-root-volume compute of steps with `scratch: 'large'`). Lowering it never stops
   * running work: capacity above the floor drains as its jobs finish (Batch refuses a manual lower `desiredvCpus`).
   */
  setWarmVcpus(region: string, vcpus: number, scratch?: ScratchClass): Promise<void>;
}
