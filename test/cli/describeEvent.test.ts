import { describe, expect, it } from 'vitest';
import { describeEvent } from '../../cli/commands/up.ts';

const event = (detailType: string, detail: Record<string, unknown>) => ({
  source: 'landfall',
  'detail-type': detailType,
  detail,
  resources: [],
});

describe('progress lines of landfall up and the demo', () => {
  it.each([
    {
      case: 'a sample fact',
      input: event('Sample Completed', { team: 'genomics', runId: 'RUN1', sampleId: 'S1', version: 2 }),
      line: 'COMPLETED  genomics/RUN1/S1 v2',
    },
    { case: 'a run-level fact', input: event('Run Completed', { team: 'genomics', runId: 'RUN1' }), line: 'RUN DONE   genomics/RUN1' },
    {
      case: 'an unexpected file of a run',
      input: event('Unexpected File', {
        team: 'genomics',
        runId: 'RUN1',
        file: 'x',
        kind: 'unknown-sample',
        message: 'x belongs to no sample',
      }),
      line: 'unexpected genomics/RUN1: x belongs to no sample',
    },
    {
      case: 'a region scaling down',
      input: event('Region Scaled Down', {
        region: 'eu-west-1',
        alarmName: 'landfall-dev-inactivity-eu-west-1',
        warmVcpus: 0,
        scaledDownAt: 1,
        dedupeKey: 'k',
      }),
      line: 'scaled down eu-west-1: warm capacity 0 vCPUs (landfall-dev-inactivity-eu-west-1)',
    },
    {
      case: 'a region waking up',
      input: event('Region Woke Up', {
        region: 'us-east-1',
        jobName: 'genomics-RUN1-S1-v1-fastp',
        warmVcpus: 2,
        wokeAt: 1000,
        runningAt: 1360,
        wakeLatencyMs: 360,
        dedupeKey: 'k',
      }),
      line: 'woke up    us-east-1 for genomics-RUN1-S1-v1-fastp: running 0.4 s after submission',
    },
    { case: 'a platform event without a team', input: event('Something New', { region: 'eu-west-1' }), line: 'Something New' },
  ])('describes $case without undefined parts', ({ input, line }) => {
    expect(describeEvent(input as never)).toBe(line);
  });

  it('says nothing about AWS service events', () => {
    expect(describeEvent({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {}, resources: [] } as never)).toBeUndefined();
  });
});
