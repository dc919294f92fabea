import { randomBytes } from 'node:crypto';

/** One local "region" of the executor: how much it may run at once. */
export interface RegionCapacityConfig {
  /** Region name, as in `landfall.config.ts` (`eu-west-1`). */
  name: string;
  /** vCPUs that jobs may use at once (the analogue of the Batch compute environment's maxvCpus). */
  vcpus: number;
  /** Memory that jobs may reserve at once, MiB. Reserved, not enforced: a job may use more. */
  memoryMiB: number;
}

/** vCPU and memory accounting of one region; a job is placed only when both fit. */
export class RegionCapacity {
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  /** The region's single stand-in "instance", named in host-termination reasons. */
  readonly instanceId = `i-0${randomBytes(8).toString('hex')}`;
  down = false;
  #vcpusInUse = 0;
  #memoryInUse = 0;

  constructor(config: RegionCapacityConfig) {
    this.name = config.name;
    this.vcpus = config.vcpus;
    this.memoryMiB = config.memoryMiB;
  }

  get vcpusInUse(): number {
    return this.#vcpusInUse;
  }

  get memoryMiBInUse(): number {
    return this.#memoryInUse;
  }

  /** Whether a job of this size could ever run here (false means it would wait in RUNNABLE forever). */
  canEverFit(vcpus: number, memoryMiB: number): boolean {
    return vcpus <= this.vcpus && memoryMiB <= this.memoryMiB;
  }

  fits(vcpus: number, memoryMiB: number): boolean {
    return !this.down && this.#vcpusInUse + vcpus <= this.vcpus && this.#memoryInUse + memoryMiB <= this.memoryMiB;
  }

  reserve(vcpus: number, memoryMiB: number): void {
    this.#vcpusInUse += vcpus;
    this.#memoryInUse += memoryMiB;
  }

  release(vcpus: number, memoryMiB: number): void {
    this.#vcpusInUse = Math.max(0, this.#vcpusInUse - vcpus);
    this.#memoryInUse = Math.max(0, this.#memoryInUse - memoryMiB);
  }
}
