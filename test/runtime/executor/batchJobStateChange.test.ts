import { describe, expect, it } from 'vitest';
import {
  batchJobStateChange,
  jobDefinitionArn,
  jobQueueArn,
  jobQueueName,
  type JobSnapshot,
} from '../../../runtime/executor/batchJobStateChange.ts';

const BASE: JobSnapshot = {
  accountId: '123456789012',
  region: 'us-east-1',
  jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
  jobName: 'event-test',
  jobQueue: 'PexjEHappyPathCanary2JobQueue',
  jobDefinition: 'first-run-job-definition',
  status: 'RUNNABLE',
  attempts: [],
  createdAt: 1641944200058,
  command: ['sleep', '600'],
  environment: {},
  vcpus: 2,
  memoryMiB: 256,
  retryAttempts: 2,
};

describe('batchJobStateChange', () => {
  it('builds the RUNNABLE event of the AWS documentation example', () => {
    // Prepare
    const job = structuredClone(BASE);

    // Act
    const event = batchJobStateChange(job, Date.parse('2022-01-11T23:36:40.123Z'));

    // Assess: the fields of https://docs.aws.amazon.com/batch/latest/userguide/batch_job_events.html
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'Batch Job State Change',
      source: 'aws.batch',
      account: '123456789012',
      time: '2022-01-11T23:36:40Z',
      region: 'us-east-1',
      resources: ['arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8'],
      detail: {
        jobArn: 'arn:aws:batch:us-east-1:123456789012:job/4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
        jobName: 'event-test',
        jobId: '4c7599ae-0a82-49aa-ba5a-4727fcce14a8',
        jobQueue: 'arn:aws:batch:us-east-1:123456789012:job-queue/PexjEHappyPathCanary2JobQueue',
        status: 'RUNNABLE',
        attempts: [],
        createdAt: 1641944200058,
        retryStrategy: { attempts: 2, evaluateOnExit: [] },
        dependsOn: [],
        jobDefinition: 'arn:aws:batch:us-east-1:123456789012:job-definition/first-run-job-definition:1',
        parameters: {},
        container: {
          command: ['sleep', '600'],
          volumes: [],
          environment: [],
          mountPoints: [],
          ulimits: [],
          networkInterfaces: [],
          resourceRequirements: [
            { type: 'VCPU', value: '2' },
            { type: 'MEMORY', value: '256' },
          ],
          secrets: [],
        },
        tags: {},
        propagateTags: false,
        platformCapabilities: ['EC2'],
        eksAttempts: [],
      },
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(event.detail).not.toHaveProperty('statusReason');
    expect(event.detail).not.toHaveProperty('startedAt');
  });

  it('lists finished attempts with their container exit codes and log streams', () => {
    // Prepare
    const job: JobSnapshot = {
      ...structuredClone(BASE),
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      attempts: [
        {
          startedAt: 10,
          stoppedAt: 20,
          exitCode: 1,
          statusReason: 'Essential container in task exited',
          logStreamName: 'event-test/attempt-1',
        },
      ],
      startedAt: 10,
      stoppedAt: 20,
      exitCode: 1,
    };

    // Act
    const { detail } = batchJobStateChange(job);

    // Assess
    expect(detail.attempts).toEqual([
      {
        container: { exitCode: 1, logStreamName: 'event-test/attempt-1', networkInterfaces: [] },
        startedAt: 10,
        stoppedAt: 20,
        statusReason: 'Essential container in task exited',
      },
    ]);
    expect(detail).toMatchObject({
      status: 'FAILED',
      statusReason: 'Essential container in task exited',
      startedAt: 10,
      stoppedAt: 20,
      container: { exitCode: 1, logStreamName: 'event-test/attempt-1' },
    });
  });

  it.each([
    { case: 'queue name', fn: () => jobQueueArn('eu-west-1', '1', 'q'), expected: 'arn:aws:batch:eu-west-1:1:job-queue/q' },
    {
      case: 'queue ARN kept',
      fn: () => jobQueueArn('eu-west-1', '1', 'arn:aws:batch:us-east-1:2:job-queue/q'),
      expected: 'arn:aws:batch:us-east-1:2:job-queue/q',
    },
    { case: 'queue name from ARN', fn: () => jobQueueName('arn:aws:batch:us-east-1:2:job-queue/q'), expected: 'q' },
    {
      case: 'definition with revision',
      fn: () => jobDefinitionArn('eu-west-1', '1', 'step:7'),
      expected: 'arn:aws:batch:eu-west-1:1:job-definition/step:7',
    },
    {
      case: 'definition without revision',
      fn: () => jobDefinitionArn('eu-west-1', '1', 'step'),
      expected: 'arn:aws:batch:eu-west-1:1:job-definition/step:1',
    },
  ])('ARN helper: $case', ({ fn, expected }) => {
    // Act
    const value = fn();

    // Assess
    expect(value).toBe(expected);
  });
});
