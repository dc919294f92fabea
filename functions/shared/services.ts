import type { LandfallConfig } from '../../config/schema.ts';
import type { EventPublisher } from '../../seams/events/EventPublisher.ts';
import type { ComputeCapacity } from '../../seams/capacity/ComputeCapacity.ts';
import type { JobLogs } from '../../seams/jobs/JobLogs.ts';
import type { JobService } from '../../seams/jobs/JobService.ts';
import type { MetricsSink } from '../../seams/metrics/MetricsSink.ts';
import type { Notifier } from '../../seams/notify/Notifier.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import type { WorkflowService } from '../../seams/workflows/WorkflowService.ts';
import type { FilePass } from '../../validation/fileVerdict.ts';
import type { Catalog } from '../catalog/Catalog.ts';

/**
 * Everything a handler talks to. In AWS the Lambda entry builds these from its environment
 * (`functions/shared/awsServices.ts`); the embedded runtime installs its local implementations.
 * Handlers never ask which one they got.
 */
export interface Services {
  config: LandfallConfig;
  storage: ObjectStorage;
  events: EventPublisher;
  workflows: WorkflowService;
  /** Job submission per region (each region has its own Batch endpoint). */
  jobs: JobService;
  /** What a job attempt wrote (CloudWatch Logs / the local executor's attempt logs): `landfall logs`. */
  jobLogs: JobLogs;
  catalog: Catalog;
  /** Activity datapoints for the inactivity alarms (CloudWatch / the local alarm evaluator). */
  metrics: MetricsSink;
  /** Warm compute per region (Batch minvCpus / the local executor's warm workers). */
  capacity: ComputeCapacity;
  /** Messages to people: email and chat per team (SNS + a webhook from Secrets Manager / loopback SMTP + webhook). */
  notifier: Notifier;
  /**
   * Where one landed FASTQ's validation pass runs: absent in AWS (in-process, in the function's Lambda); the
   * embedded runtime's bounded worker-thread pool (runtime/validation/FilePassPool.ts), off its event loop.
   */
  filePass?: FilePass;
}

let installed: Services | undefined;
let factory: (() => Promise<Services>) | undefined;

/** Installs the services handlers use (embedded runtime, tests). */
export function installServices(services: Services): void {
  installed = services;
}

/** Registers a lazy factory (AWS Lambda entries); used when nothing was installed. */
export function setServicesFactory(create: () => Promise<Services>): void {
  factory = create;
}

/** The services of this process; throws a clear error when neither runtime provided them. */
export async function services(): Promise<Services> {
  if (installed) return installed;
  if (factory) {
    installed = await factory();
    return installed;
  }
  throw new Error(
    'Landfall services are not configured: start the embedded runtime (landfall up) or deploy the Lambda entry that sets them',
  );
}
