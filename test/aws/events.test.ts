/**
 * Emulator tier: every rule of events/rules.ts created on an EventBridge bus in moto (its pattern exactly as
 * the stack deploys it), each with its own target; a sample of every event Landfall routes is
 * put on the bus, and each target must receive exactly the events the embedded bus's
 * matcher (events/pattern) routes to that rule. moto is an emulation, not EventBridge: agreement here shows
 * that the patterns are valid EventBridge patterns and that two independent matchers read them alike; it is
 * not EventBridge's own verdict (README "Deploy to AWS" lists that as unproven). Targets are CloudWatch Logs
 * log groups, one per rule (moto cannot invoke Lambda targets without Docker).
 */
import { readFileSync } from 'node:fs';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CloudWatchLogsClient, CreateLogGroupCommand, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import baseConfig from '../../landfall.config.ts';
import { scheduledEvent } from '../../contracts/events/scheduled.ts';
import { type EventPattern, matchesPattern } from '../../events/pattern/index.ts';
import { buildRules } from '../../events/rules.ts';
import { EventBridgePublisher } from '../../seams/events/EventBridgePublisher.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { MOTO_MISSING, type MotoServer, startMoto } from '../support/motoServer.ts';

const REGION = baseConfig.homeRegion;
const BUS = 'landfall-test-bus';
const rules = buildRules(baseConfig);
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../contracts/events/fixtures/${name}`, import.meta.url), 'utf8')) as BusEvent;
const landfall = (detailType: string, detail: Record<string, unknown>): BusEvent => ({
  source: 'landfall',
  'detail-type': detailType,
  detail,
});
const batch = (jobName: string, status: string): BusEvent => {
  const base = fixture('aws.batch/job-succeeded.json');
  return { ...base, detail: { ...base.detail, jobName, status } };
};

/** One sample of every event a rule routes (and some that no rule should take). */
const SAMPLES: Array<{ name: string; event: BusEvent }> = [
  { name: 'S3 Object Created under incoming/', event: fixture('aws.s3/object-created.json') },
  { name: 'Storage Gateway Object Upload', event: fixture('aws.storagegateway/object-upload.json') },
  {
    name: 'Storage Gateway File Upload',
    event: { source: 'aws.storagegateway', 'detail-type': 'Storage Gateway File Upload Event', detail: { prefix: 'incoming/genomics/' } },
  },
  { name: 'Object Replayed', event: landfall('Object Replayed', { bucket: 'landfall-landing', key: 'incoming/genomics/r/a.fastq.gz' }) },
  ...['reconcile-runs', 'publish-region-activity'].map((ruleName) => ({
    name: `Scheduled Event of ${ruleName}`,
    event: scheduledEvent({ region: REGION, ruleName, account: '123456789012' }),
  })),
  { name: 'Reprocess Requested', event: landfall('Reprocess Requested', { team: 'genomics' }) },
  { name: 'Sample Landed', event: landfall('Sample Landed', { team: 'genomics' }) },
  { name: 'File Landed', event: landfall('File Landed', { team: 'genomics' }) },
  { name: 'Sample Cataloged', event: landfall('Sample Cataloged', { team: 'genomics' }) },
  { name: 'Step Output Published', event: landfall('Step Output Published', { team: 'genomics' }) },
  { name: 'Run Completed', event: landfall('Run Completed', { team: 'genomics' }) },
  { name: 'Sample Started (no rule)', event: landfall('Sample Started', { team: 'genomics' }) },
  { name: 'validation job SUCCEEDED', event: batch('validate-genomics-r-S1-v1-0123456789', 'SUCCEEDED') },
  { name: 'step job RUNNING', event: batch('genomics-241120-S1-v1-g0-qc', 'RUNNING') },
  { name: 'step job FAILED', event: batch('genomics-241120-S1-v1-g0-qc', 'FAILED') },
  // What a function tells again of a job whose own state change was lost: Batch's shape, Landfall's source.
  { name: 'step job SUCCEEDED, replayed', event: { ...batch('genomics-241120-S1-v1-g0-qc', 'SUCCEEDED'), source: 'landfall' } },
  {
    name: 'validation job SUCCEEDED, replayed',
    event: { ...batch('validate-genomics-r-S1-v1-0123456789', 'SUCCEEDED'), source: 'landfall' },
  },
  {
    name: 'inactivity alarm ALARM',
    event: {
      source: 'aws.cloudwatch',
      'detail-type': 'CloudWatch Alarm State Change',
      resources: [`arn:aws:cloudwatch:${REGION}:123456789012:alarm:landfall-test-idle-us-east-1`],
      detail: {
        alarmName: 'landfall-test-idle-us-east-1',
        state: { value: 'ALARM', reason: 'Threshold Crossed', timestamp: '2026-11-02T01:15:00.000+0000' },
        previousState: { value: 'OK', reason: '…', timestamp: '2026-11-02T00:15:00.000+0000' },
        configuration: { metrics: [{ id: 'm1', metricStat: { metric: { namespace: 'Landfall', name: 'ActiveJobs' } } }] },
      },
    },
  },
];

describe.skipIf(MOTO_MISSING)('EventBridge rules on a bus (moto): delivery agrees with the embedded matcher', () => {
  let moto: MotoServer;
  let events: EventBridgeClient;
  let logs: CloudWatchLogsClient;
  const received = new Map<string, string[]>();

  beforeAll(async () => {
    moto = await startMoto();
    const config = { endpoint: moto.endpoint, region: REGION, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    events = new EventBridgeClient(config);
    logs = new CloudWatchLogsClient(config);
    await events.send(new CreateEventBusCommand({ Name: BUS }));
    for (const rule of rules) {
      const logGroupName = `rule-${rule.name}`;
      await logs.send(new CreateLogGroupCommand({ logGroupName }));
      await events.send(new PutRuleCommand({ Name: rule.name, EventBusName: BUS, EventPattern: JSON.stringify(rule.pattern) }));
      await events.send(
        new PutTargetsCommand({
          Rule: rule.name,
          EventBusName: BUS,
          Targets: [{ Id: 'log', Arn: `arn:aws:logs:${REGION}:123456789012:log-group:${logGroupName}` }],
        }),
      );
    }
    // Each sample carries its name, so a target's events say which samples reached it. Put as AWS's services and
    // the forwarding rules put them (moto takes any source; EventBridgePublisher, a function's, refuses aws.*).
    const entries = SAMPLES.map(({ name, event }) => ({
      EventBusName: BUS,
      Source: event.source,
      DetailType: event['detail-type'],
      Detail: JSON.stringify({ ...event.detail, sampleName: name }),
      Resources: event.resources,
    }));
    for (let start = 0; start < entries.length; start += 10)
      await events.send(new PutEventsCommand({ Entries: entries.slice(start, start + 10) }));
    for (const rule of rules) {
      const { events: delivered = [] } = await logs.send(new FilterLogEventsCommand({ logGroupName: `rule-${rule.name}` }));
      received.set(
        rule.name,
        delivered.map((entry) => (JSON.parse(entry.message!) as { detail: { sampleName: string } }).detail.sampleName).sort(),
      );
    }
  });

  afterAll(async () => {
    events?.destroy();
    logs?.destroy();
    await moto?.close();
  });

  it('every sample is routed by at least one rule, except the one no rule takes', () => {
    const unrouted = SAMPLES.filter(({ event }) => !rules.some((rule) => matchesPattern(rule.pattern as EventPattern, event)));
    expect(unrouted.map((sample) => sample.name)).toEqual(['Sample Started (no rule)']);
  });

  it.each(rules.map((rule) => ({ name: rule.name, rule })))(
    'rule $name: moto delivers exactly what the embedded bus routes',
    ({ rule }) => {
      const expected = SAMPLES.filter(({ event }) => matchesPattern(rule.pattern as EventPattern, event))
        .map((sample) => sample.name)
        .sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(received.get(rule.name)).toEqual(expected);
    },
  );
});

describe.skipIf(MOTO_MISSING)('EventBridgePublisher (moto)', () => {
  it("refuses, before sending anything, an event under an AWS service's source, as PutEvents refuses it", async () => {
    // Prepare
    const moto = await startMoto();
    const client = new EventBridgeClient({
      endpoint: moto.endpoint,
      region: REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const sent: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'sent' },
    );
    try {
      await client.send(new CreateEventBusCommand({ Name: BUS }));
      sent.length = 0;
      // Act
      const publishing = new EventBridgePublisher(BUS, client).publish([
        landfall('Sample Landed', { team: 'genomics' }),
        fixture('aws.s3/object-created.json'),
      ]);
      // Assess: the whole publish refused, nothing sent (moto would have taken it; EventBridge would not)
      await expect(publishing).rejects.toMatchObject({ name: 'NotAuthorizedForSourceException', source: 'aws.s3' });
      expect(sent).toEqual([]);
    } finally {
      client.destroy();
      await moto.close();
    }
  });
});
