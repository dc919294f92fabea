/**
 * Warm compute seam: the capacity a region keeps ready while no job asks for it (AWS Batch `minvCpus`;
 * on the embedded runtime the region's warm worker processes). Jobs never wait for this: Batch and the
 * local executor scale up for RUNNABLE work on their own; the floor only decides what stays warm.
 */
export interface ComputeCapacity {
  /**
   * Sets the region's warm floor in vCPUs. Lowering it never stops running work: capacity above the floor
   * drains as its jobs finish (Batch refuses a manual lower `desiredvCpus`).
   */
  setWarmVcpus(region: string, vcpus: number): Promise<void>;
}
