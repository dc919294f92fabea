/**
 * The sweep's re-drive of a finished job whose state change never completed its workflow task (lost or
 * dead-lettered): the job still holds its place in the region's load, Batch says it finished. Real
 * catalog (local DynamoDB-compatible server); Batch's DescribeJobs is the collaborator, answered here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishedJobGraceMs, redriveFinishedJobs } from '../../../functions/workflow/redriveFinishedJobs.ts';
import type { JobDescription, JobService } from '../../../seams/jobs/JobService.ts';
import { JobStateChangeEvent } from '../../../contracts/events/batch.ts';
import { type EventPattern, matchesPattern } from '../../../events/pattern/index.ts';
import { buildRules } from '../../../events/rules.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const REGION = 'eu-west-1';
const MINUTE = 60_000;

describe('Function: redriveFinishedJobs', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  const batch = new Map<string, JobDescription>();
  const asked: Array<{ jobId: string; region?: string }> = [];

  beforeAll(async () => {
    harness = await startServicesHarness();
    harness.services.jobs = {
      describe: async (jobId: string, region?: string) => (asked.push({ jobId, region }), batch.get(jobId)),
    } as unknown as JobService;
  });
  afterAll(async () => harness?.stop());

  /** A job placed, submitted and seen RUNNING `runningAgoMs` ago, as the catalog records it. */
  const placeJob = async (jobName: string, runningAgoMs: number, now: number) => {
    const load = await harness.services.catalog.regionLoads.get(REGION);
    expect(
      await harness.services.catalog.regionLoads.reserve(
        REGION,
        jobName,
        { vcpus: 1, memoryMiB: 1024, expectedSeconds: 60, priority: 0 },
        load.revision,
      ),
    ).toBe(true);
    await harness.services.catalog.regionLoads.markRunning(REGION, jobName, now - runningAgoMs);
    await harness.services.catalog.jobs.record({
      team: 'genomics',
      runId: 'R',
      sampleId: 'S1',
      version: 1,
      jobName,
      step: 'qc',
      taskToken: `token-${jobName}`,
      executionName: 'e',
      region: REGION,
      workBucket: 'w',
      workPrefix: 'work/e/qc/',
      jobId: `id-${jobName}`,
      submittedAt: new Date(now - runningAgoMs).toISOString(),
    });
  };
  const describedAs = (
    jobName: string,
    status: JobDescription['status'],
    stoppedAgoMs: number | undefined,
    now: number,
  ): JobDescription => ({
    jobId: `id-${jobName}`,
    jobArn: `arn:aws:batch:${REGION}:000000000000:job/id-${jobName}`,
    jobName,
    jobQueue: `landfall-${REGION}`,
    region: REGION,
    status,
    attempts:
      stoppedAgoMs === undefined
        ? []
        : [
            {
              startedAt: now - 10 * MINUTE,
              stoppedAt: now - stoppedAgoMs,
              exitCode: status === 'SUCCEEDED' ? 0 : 1,
              statusReason: 'Essential container in task exited',
            },
          ],
    createdAt: now - 11 * MINUTE,
    startedAt: now - 10 * MINUTE,
    ...(stoppedAgoMs !== undefined && { stoppedAt: now - stoppedAgoMs, exitCode: status === 'SUCCEEDED' ? 0 : 1 }),
  });

  it("re-drives a long-finished job's state change, and leaves running, young and just-finished jobs alone", async () => {
    // Prepare
    const now = Date.now();
    const grace = finishedJobGraceMs(harness.services.config);
    await placeJob('lost-succeeded', grace + 5 * MINUTE, now);
    batch.set('id-lost-succeeded', describedAs('lost-succeeded', 'SUCCEEDED', grace + MINUTE, now));
    await placeJob('lost-failed', grace + 5 * MINUTE, now);
    batch.set('id-lost-failed', describedAs('lost-failed', 'FAILED', grace + MINUTE, now));
    await placeJob('still-running', grace + 5 * MINUTE, now);
    batch.set('id-still-running', describedAs('still-running', 'RUNNING', undefined, now));
    await placeJob('just-finished', grace + 5 * MINUTE, now);
    batch.set('id-just-finished', describedAs('just-finished', 'SUCCEEDED', 1_000, now));
    await placeJob('just-started', 1_000, now);
    batch.set('id-just-started', describedAs('just-started', 'SUCCEEDED', 500, now));
    // Act
    const redriven = await redriveFinishedJobs(harness.services, now);
    // Assess
    expect(redriven.sort()).toEqual(['lost-failed', 'lost-succeeded']);
    const events = harness.published.filter((event) => event['detail-type'] === 'Batch Job State Change');
    expect(events.map((event) => [event.source, event.detail.jobName, event.detail.status])).toEqual(
      expect.arrayContaining([
        // Landfall's source: PutEvents refuses Batch's own (aws.batch)
        ['landfall', 'lost-succeeded', 'SUCCEEDED'],
        ['landfall', 'lost-failed', 'FAILED'],
      ]),
    );
    expect(events).toHaveLength(2);
    // what the state-change handler parses, with the attempt it prices, and the rule that delivers it to that handler
    for (const event of events) {
      expect(JobStateChangeEvent.parse(event).detail.attempts).toHaveLength(1);
      expect(
        buildRules(harness.services.config)
          .filter((rule) => matchesPattern(rule.pattern as EventPattern, event))
          .map((rule) => rule.target),
      ).toEqual(['jobStateChange']);
    }
    // Batch was asked in the job's own region, and never about the job that only just started running
    expect(asked.filter((question) => question.jobId === 'id-just-started')).toEqual([]);
    expect(new Set(asked.map((question) => question.region))).toEqual(new Set([REGION]));
  });
});
