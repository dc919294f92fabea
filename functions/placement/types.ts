import type { RegionConfig } from '../../config/schema.ts';
import type { HealthPolicy } from './regionHealth.ts';

/** One job waiting for a region: what placement needs to know about it. */
export interface PlacementJob {
  /** Deterministic Batch job name; also the key of its reservation. */
  jobName: string;
  vcpus: number;
  memoryMiB: number;
  /** Best guess of the run time, seconds; weights the job's reservation as queued work. */
  expectedSeconds: number;
  /** Bytes the job reads (the sample's files). */
  inputBytes: number;
  /** Regions that already hold the job's inputs (home landing bucket, or a staging bucket they were copied to). */
  dataRegions: readonly string[];
  /** Batch scheduling priority: higher runs first within a region. */
  priority: number;
}

/** A job holding capacity in a region (queued or running), as the region's load item lists it. */
export interface Reservation {
  vcpus: number;
  memoryMiB: number;
  expectedSeconds: number;
  priority: number;
  /** How long the job has been running, when it is known to run; absent while it is queued (or not known). */
  runningForSeconds?: number;
}

/** A region as placement sees it: its configuration, its reservations and its health. */
export interface RegionState {
  name: string;
  vcpuQuota: number;
  memoryMiB: number;
  /** Lower is preferred when everything else is equal. */
  preference: number;
  /** USD per GB moved into the region. */
  transferCostPerGb: number;
  /** Seconds per GB to stage inputs into the region. */
  transferSecondsPerGb: number;
  healthy: boolean;
  /** Why the region is unhealthy, in words. */
  healthReason?: string;
  reservations: readonly Reservation[];
}

/** How placement judged one region. */
export interface CandidateAssessment {
  region: string;
  eligible: boolean;
  /** Why not, when not eligible. */
  excludedBecause?: string;
  stagingSeconds: number;
  queueSeconds: number;
  /** Staging plus queueing: when the job is expected to start. */
  estimatedStartSeconds: number;
  transferCostUsd: number;
}

/** The decision and the reasoning recorded in the catalog. */
export interface PlacementDecision {
  jobName: string;
  region: string;
  estimatedStartSeconds: number;
  /** One sentence per consideration, e.g. "eu-west-1 saturated (est. wait 412 s); us-east-1 starts in 10 s". */
  reasons: string[];
  candidates: CandidateAssessment[];
}

/** What placement needs from the configuration. */
export interface PlacementSetup {
  homeRegion: string;
  regions: readonly RegionConfig[];
  health: HealthPolicy;
  /** Clock for health (tests pass their own). @default Date.now */
  now?: () => number;
}
