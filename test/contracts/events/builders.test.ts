/**
 * The builders of the AWS events Landfall's stand-ins and re-drives send: each built event parses with the
 * schema its handler reads, has the fields of the real AWS event (the fixtures are AWS's documented shapes,
 * not our builders' output), and is routed by the rule that targets its handler.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import { batchJobStateChangeEvent, BatchJobStateChangeEvent } from '../../../contracts/events/batch.ts';
import { objectCreatedEvent, S3ObjectCreatedEvent } from '../../../contracts/events/s3.ts';
import { ScheduledEvent, scheduledEvent } from '../../../contracts/events/scheduled.ts';
import { objectUploadEvent, StorageGatewayObjectUploadEvent } from '../../../contracts/events/storage-gateway.ts';
import { compilePattern } from '../../../events/pattern/index.ts';
import { buildRules } from '../../../events/rules.ts';
import { bucketNames } from '../../../config/defineConfig.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../contracts/events/fixtures/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const keysOf = (value: unknown) => Object.keys(value as object).sort();

const config = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
  teams: [{ id: 'genomics', pipeline: 'demo' }],
});
const landing = bucketNames(config).landing;
const rules = buildRules(config);
/** The targets of every rule whose pattern matches `event`. */
const routedTo = (event: unknown) => rules.filter((rule) => compilePattern(rule.pattern)(event)).map((rule) => rule.target);

describe('contracts/events builders', () => {
  it.each([
    { case: 'S3 Object Created', file: 'aws.s3/object-created.json', schema: S3ObjectCreatedEvent },
    { case: 'File Gateway Object Upload', file: 'aws.storagegateway/object-upload.json', schema: StorageGatewayObjectUploadEvent },
    { case: 'Batch Job State Change', file: 'aws.batch/job-succeeded.json', schema: BatchJobStateChangeEvent },
  ])('the real AWS $case event parses with its schema', ({ file, schema }) => {
    expect(schema.safeParse(fixture(file)).success).toBe(true);
  });

  it('builds the S3 "Object Created" AWS sends, which the land rule routes', () => {
    // Prepare
    const aws = fixture('aws.s3/object-created.json') as { detail: { object: object } & object };
    const key = 'incoming/genomics/RUN1/S1+a b%20_S1_L001_R1_001.fastq.gz';
    // Act
    const event = objectCreatedEvent({
      bucket: landing,
      key,
      size: 1048576,
      etag: '"b1946ac92492d2347c6235b4d2611184"',
      versionId: 'v1',
      sequencer: '00617F08299329D189',
      requestId: 'LOCAL1',
      requester: '000000000000',
      time: '2026-11-20T03:12:16.000Z',
      region: 'eu-west-1',
    });
    // Assess: the key is never URL-encoded, the ETag loses S3's quotes, every field is one AWS sends
    const parsed = S3ObjectCreatedEvent.parse(event);
    expect(parsed.detail.object).toMatchObject({ key, etag: 'b1946ac92492d2347c6235b4d2611184', 'version-id': 'v1' });
    expect(keysOf(parsed.detail.object)).toEqual(keysOf(aws.detail.object));
    expect(keysOf(event.detail).every((field) => keysOf(aws.detail).includes(field))).toBe(true);
    expect(event.resources).toEqual([`arn:aws:s3:::${landing}`]);
    expect(routedTo(event)).toEqual(['land']);
  });

  it('builds the File Gateway "Object Upload Event", which the land rule routes', () => {
    // Prepare
    const aws = fixture('aws.storagegateway/object-upload.json') as { detail: object; resources: string[] };
    // Act
    const event = objectUploadEvent({
      bucket: landing,
      key: 'incoming/genomics/RUN1/S1_S1_L001_R1_001.fastq.gz',
      size: 1048576,
      modifiedAt: new Date('2026-11-20T03:12:14Z'),
      region: 'eu-west-1',
    });
    // Assess
    const parsed = StorageGatewayObjectUploadEvent.parse(event);
    expect(keysOf(parsed.detail)).toEqual(keysOf(aws.detail));
    expect(parsed.detail.prefix).toBe('incoming/genomics/RUN1/');
    expect(event.resources?.map((arn) => arn.split(':').slice(0, 3).join(':'))).toEqual(
      aws.resources.map((arn) => arn.split(':').slice(0, 3).join(':')),
    );
    expect(routedTo(event)).toEqual(['land']);
  });

  it('builds the "Scheduled Event" of a schedule rule, which only that rule routes', () => {
    // Act
    const event = scheduledEvent({ region: 'eu-west-1', ruleName: 'reconcile-runs', detail: { startup: true } });
    // Assess
    expect(ScheduledEvent.parse(event).resources).toEqual(['arn:aws:events:eu-west-1:000000000000:rule/reconcile-runs']);
    expect(routedTo(event)).toEqual(['reconcileRuns']);
  });

  it.each([
    { case: 'a step job that succeeded', jobName: 'genomics-RUN1-S1-v1-g0-qc', status: 'SUCCEEDED' as const, target: 'jobStateChange' },
    {
      case: 'a validation job that failed',
      jobName: 'validate-genomics-RUN1-S1-0123456789ab',
      status: 'FAILED' as const,
      target: 'validationJobFinished',
    },
    {
      case: 'a step job queued again after a lost host',
      jobName: 'genomics-RUN1-S1-v1-g0-trim',
      status: 'RUNNABLE' as const,
      target: 'jobStateChange',
    },
  ])('builds the "Batch Job State Change" of $case, routed to $target', ({ jobName, status, target }) => {
    // Prepare
    const aws = fixture('aws.batch/job-succeeded.json') as { detail: Record<string, unknown> };
    const jobArn = 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae';
    // Act
    const event = batchJobStateChangeEvent({
      region: 'us-east-1',
      jobArn,
      jobId: '4c7599ae',
      jobName,
      jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/landfall-us-east-1-normal',
      status,
      statusReason: 'Essential container in task exited',
      attempts: [{ exitCode: 0, startedAt: 1, stoppedAt: 2, logStreamName: 'landfall-step/default/0f8a' }],
      createdAt: 0,
      startedAt: 1,
      stoppedAt: 2,
      exitCode: 0,
    });
    // Assess
    const parsed = BatchJobStateChangeEvent.parse(event);
    expect(parsed.detail).toMatchObject({ jobName, status, attempts: [{ container: { exitCode: 0 }, startedAt: 1, stoppedAt: 2 }] });
    expect(event.resources).toEqual([jobArn]);
    expect(keysOf(event.detail).every((field) => field in aws.detail)).toBe(true);
    expect(routedTo(event)).toEqual([target]);
  });

  it('leaves out what DescribeJobs did not say, rather than inventing it', () => {
    // Act
    const event = batchJobStateChangeEvent({
      region: 'eu-west-1',
      jobId: 'j',
      jobName: 'n',
      jobQueue: 'q',
      status: 'FAILED',
      attempts: [],
    });
    // Assess
    expect(event.resources).toEqual([]);
    expect(keysOf(event.detail)).toEqual(['attempts', 'container', 'jobId', 'jobName', 'jobQueue', 'status']);
    expect(BatchJobStateChangeEvent.safeParse(event).success).toBe(true);
  });
});
