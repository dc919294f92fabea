import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineConfig } from '../../config/defineConfig.ts';
import { submitStepJob } from '../../functions/workflow/submitStepJob.ts';
import { stepPriority, VALIDATION_PRIORITY } from '../../functions/workflow/priority.ts';
import type { LocalBatchExecutor } from '../../runtime/executor/LocalBatchExecutor.ts';
import { demoPipeline } from '../../workflows/pipelines/demo.ts';
import regionsConfig from '../fixtures/landfall.regions.config.ts';
import { queueOnlyExecutor, startServicesHarness } from '../support/servicesHarness.ts';
import { runStepPayload } from '../support/stepJobFixture.ts';

// Runs whose folder starts with "rush-" are urgent for genomics (a config rule); one sample is marked urgent
// when its execution started (`landfall reprocess --urgent`).
const config = defineConfig({
  ...regionsConfig,
  placement: { ...regionsConfig.placement, urgent: [{ team: 'genomics', runPrefix: 'rush-' }] },
});

describe('submitStep priorities (real catalog and a paused local executor)', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let executor: LocalBatchExecutor;

  beforeAll(async () => {
    harness = await startServicesHarness({ config });
    // Never started: submitted jobs stay RUNNABLE with the priority and queue they were given.
    executor = await queueOnlyExecutor(harness);
  });

  afterAll(async () => {
    await executor.stop();
    await harness.stop();
  });

  const submit = (runId: string, sampleId: string, step: string, urgent?: boolean) =>
    submitStepJob(harness.services, runStepPayload(runId, sampleId, step, { executionName: `exec-${runId}-${sampleId}`, urgent }));

  it('gives each job its class and longest-job-first priority, and the urgent queue to urgent samples and early steps', async () => {
    // Act
    await submit('run-1', 'S1', 'qc');
    await submit('run-1', 'S1', 'trim');
    await submit('run-1', 'S1', 'profile');
    await submit('rush-2', 'S2', 'trim');
    await submit('run-1', 'S3', 'profile', true);
    // Assess
    // Job names are `<execution>-<step>-<hash>` (functions/workflow/executionName.ts): keyed here by their readable part.
    const readable = (jobName: string) => jobName.replace(/-[0-9a-f]{10}$/, '');
    const jobs = Object.fromEntries(executor.listJobs().map((job) => [readable(job.jobName), job]));
    const expected = (step: string, urgent: boolean) => stepPriority(demoPipeline, step, { urgent });
    expect(jobs['exec-run-1-S1-qc']).toMatchObject({
      priority: expected('qc', false),
      jobQueue: `landfall-${jobs['exec-run-1-S1-qc']!.region}-urgent`,
    });
    expect(jobs['exec-run-1-S1-trim']).toMatchObject({
      priority: expected('trim', false),
      jobQueue: `landfall-${jobs['exec-run-1-S1-trim']!.region}-normal`,
    });
    expect(jobs['exec-run-1-S1-profile']).toMatchObject({
      priority: expected('profile', false),
      jobQueue: `landfall-${jobs['exec-run-1-S1-profile']!.region}-normal`,
    });
    expect(jobs['exec-rush-2-S2-trim']).toMatchObject({
      priority: expected('trim', true),
      jobQueue: `landfall-${jobs['exec-rush-2-S2-trim']!.region}-urgent`,
    });
    expect(jobs['exec-run-1-S3-profile']).toMatchObject({
      priority: expected('profile', true),
      jobQueue: `landfall-${jobs['exec-run-1-S3-profile']!.region}-urgent`,
    });
    // The order the executor dispatches in: urgent, then early, then the longer of trim and profile.
    const order = Object.values(jobs)
      .sort((a, b) => b.priority - a.priority)
      .map((job) => readable(job.jobName));
    expect(order).toEqual([
      'exec-rush-2-S2-trim',
      'exec-run-1-S3-profile',
      'exec-run-1-S1-qc',
      'exec-run-1-S1-trim',
      'exec-run-1-S1-profile',
    ]);
    expect(Math.max(...Object.values(jobs).map((job) => job.priority))).toBeLessThan(VALIDATION_PRIORITY);
    // Placement reserved capacity at the same priority, so its estimates queue the job where it will run.
    const loads = await Promise.all(config.regions.map((region) => harness.services.catalog.regionLoads.get(region.name)));
    const reserved = Object.fromEntries(
      loads.flatMap((load) => Object.entries(load.jobs)).map(([jobName, job]) => [readable(jobName), job]),
    ) as Record<string, { priority: number }>;
    expect(reserved['exec-rush-2-S2-trim']?.priority).toBe(expected('trim', true));
    // The catalog's placement reasoning says which class and rank the job got.
    const step = await harness.services.catalog.steps.get({ team: 'genomics', runId: 'rush-2', sampleId: 'S2', version: 1 }, 'trim');
    expect(step?.placements?.at(-1)?.reasons.at(-1)).toBe(
      `priority ${expected('trim', true)}: urgent sample, later step, rank ${expected('trim', true) % 2000} (longest job first)`,
    );
  });
});
