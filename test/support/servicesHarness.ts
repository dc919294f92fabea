import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bucketNames } from '../../config/defineConfig.ts';
import type { LandfallConfig } from '../../config/schema.ts';
import { installServices, type Services } from '../../functions/shared/services.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { assertPublishableSources } from '../../seams/events/publishableSources.ts';
import type { JobService } from '../../seams/jobs/JobService.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { LocalBatchExecutor } from '../../runtime/executor/LocalBatchExecutor.ts';
import type { WorkflowService } from '../../seams/workflows/WorkflowService.ts';
import e2eConfig from '../fixtures/landfall.e2e.config.ts';
import { startTestCatalog } from './catalogServer.ts';

/**
 * Real storage (folders) and a real catalog (dynalite) installed as the handlers' services, for testing
 * one handler through its composed middy chain. Events are collected; workflows and jobs refuse use
 * unless a test provides them.
 */
export async function startServicesHarness(
  options: { config?: LandfallConfig; wrapStorage?: (storage: ObjectStorage) => ObjectStorage } = {},
) {
  const config = options.config ?? e2eConfig;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-services-'));
  const names = bucketNames(config);
  for (const bucket of [names.landing, names.results, names.quarantine]) await mkdir(path.join(dir, bucket), { recursive: true });
  const folders = new FolderStorage(dir);
  const catalogTest = await startTestCatalog();
  const published: BusEvent[] = [];
  const refuse = (what: string) => () => {
    throw new Error(`${what} is not part of this test`);
  };
  const services: Services = {
    config,
    storage: options.wrapStorage ? options.wrapStorage(folders) : folders,
    // As PutEvents would: a function never publishes under an AWS service's source.
    events: {
      publish: async (events) => {
        assertPublishableSources(events);
        published.push(...events);
      },
    },
    workflows: {
      startExecution: refuse('startExecution'),
      sendTaskSuccess: refuse('sendTaskSuccess'),
      sendTaskFailure: refuse('sendTaskFailure'),
      describeExecution: refuse('describeExecution'),
    } as unknown as WorkflowService,
    jobs: { submit: refuse('submit'), describe: refuse('describe') } as unknown as JobService,
    jobLogs: { readAttemptLog: refuse('readAttemptLog') },
    catalog: catalogTest.catalog,
    metrics: { putMetricData: refuse('putMetricData') },
    capacity: { setWarmVcpus: refuse('setWarmVcpus') },
    notifier: { send: refuse('notifier.send') },
  };
  installServices(services);
  /**
   * A file landed in a run folder as the `land` function leaves it: its object in the landing bucket under
   * `incoming/<team>/<run>/<name>`, recorded in the catalog with its size and ETag.
   */
  const landFile = async (team: string, runId: string, name: string, body: string | Buffer) => {
    const key = `incoming/${team}/${runId}/${name}`;
    const info = await services.storage.put(names.landing, key, body);
    await services.catalog.runs.recordFile(team, runId, {
      name,
      bucket: names.landing,
      key,
      size: info.size,
      etag: info.etag,
      landedAt: new Date().toISOString(),
    });
  };
  return {
    services,
    folders,
    published,
    landFile,
    bucketsDir: dir,
    names,
    catalogEndpoint: catalogTest.server.endpoint,
    catalogCredentials: catalogTest.server.credentials,
    stop: async () => {
      await catalogTest.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A local Batch executor that is never started, as the harness's job service: submitted jobs stay RUNNABLE with
 * the priority, queue and region they were given (a region whose compute has not come up), and TerminateJob
 * fails them at once. The work-area buckets of every region of `config` exist, as step manifests are stored there.
 */
export async function queueOnlyExecutor(
  harness: Awaited<ReturnType<typeof startServicesHarness>>,
  config: LandfallConfig = harness.services.config,
): Promise<LocalBatchExecutor> {
  for (const region of config.regions)
    await mkdir(path.join(harness.bucketsDir, bucketNames(config).workArea(region.name)), { recursive: true });
  const executor = new LocalBatchExecutor({
    regions: config.regions.map((region) => ({ name: region.name, vcpus: region.vcpuQuota, memoryMiB: 4096 })),
    stateDir: harness.bucketsDir,
    onStateChange: () => undefined,
  });
  harness.services.jobs = executor;
  return executor;
}
