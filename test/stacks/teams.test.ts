import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { teamSubscriptionRules } from '../../events/teamSubscriptions.ts';
import { ensureSstPlatform } from '../../scripts/sst-offline-install.ts';
import { runSstProgram, type RecordedResource, type SstProgramRun } from '../support/pulumiHarness.ts';
import teamsConfig from './fixtures/teams.config.ts';
import { statementsOf, teamIsolationProblems, teamResource, teamTypes } from './teamChecks.ts';

// One offline run of sst.config.ts with two teams: genomics on SQS (the default), microbio on SNS only.
let run: SstProgramRun;
beforeAll(async () => {
  await ensureSstPlatform();
  run = await runSstProgram({ stage: 'test', config: join('test', 'stacks', 'fixtures', 'teams.config.ts') });
}, 240_000);

const of = (type: string) => run.resources.filter((r) => r.type === type);
const must = (resource: RecordedResource | undefined, what: string): RecordedResource => {
  if (!resource) throw new Error(`no ${what}; declared: ${run.resources.map((r) => r.name).join(', ')}`);
  return resource;
};
const teams = [
  { case: 'genomics', team: 'genomics', id: 'Genomics', otherTeams: ['microbio'] },
  { case: 'microbio', team: 'microbio', id: 'Microbio', otherTeams: ['genomics'] },
];

describe('stacks/teams.ts', () => {
  describe('delivery', () => {
    it('deploys one EventBridge rule per team on the bus, with the pattern the embedded runtime matches', () => {
      // Prepare
      const definitions = teamSubscriptionRules(teamsConfig);
      const bus = must(of(teamTypes.bus)[0], 'event bus');
      // Assess
      // Team rules only: the pipeline's rules and forwarders are checked in sst.config.test.ts.
      expect(
        of(teamTypes.rule)
          .filter((r) => r.name.startsWith('Team'))
          .map((r) => [r.inputs.name, JSON.parse(String(r.inputs.eventPattern)), r.inputs.eventBusName]),
      ).toEqual(definitions.map((d) => [`landfall-test-${d.name}`, d.pattern, bus.inputs.name]));
    });

    it.each([
      {
        case: 'genomics → its SQS queue only',
        id: 'Genomics',
        target: 'Queue',
        policy: 'QueuePolicy',
        action: 'sqs:SendMessage',
        absent: 'Topic',
      },
      {
        case: 'microbio → its SNS topic only',
        id: 'Microbio',
        target: 'Topic',
        policy: 'TopicPolicy',
        action: 'sns:Publish',
        absent: 'Queue',
      },
    ])('targets $case, which only that rule may send to', ({ id, target, policy, action, absent }) => {
      // Prepare
      const rule = must(teamResource(run, id, 'Rule'), `${id} rule`);
      const destination = must(teamResource(run, id, target), `${id} ${target}`);
      // Assess
      const targets = of(teamTypes.target).filter((t) => t.inputs.rule === rule.inputs.name);
      expect(targets.map((t) => t.inputs.arn)).toEqual([destination.arn]);
      expect(teamResource(run, id, absent)).toBeUndefined();
      if (target === 'Topic') {
        // Encrypted with a key EventBridge may use (it may not use the AWS-managed aws/sns key, whose policy is fixed)
        const key = must(
          run.resources.find((r) => r.type === 'aws:kms/key:Key' && r.name === 'TeamEventTopicsKey'),
          'team topics key',
        );
        expect(destination.inputs.kmsMasterKeyId).toBe(key.arn);
        expect(statementsOf(key)).toContainEqual(
          expect.objectContaining({
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          }),
        );
      }
      const statements = statementsOf(must(teamResource(run, id, policy), `${id} ${policy}`));
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: action,
          Resource: destination.arn,
          Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
        }),
      ]);
    });
  });

  describe('isolation', () => {
    it('declares one access point on the results bucket and one role per team', () => {
      // Assess
      expect(of(teamTypes.accessPoint).map((a) => [a.name, a.inputs.name])).toEqual([
        ['TeamGenomicsAccessPoint', 'landfall-test-genomics'],
        ['TeamMicrobioAccessPoint', 'landfall-test-microbio'],
      ]);
      expect(
        of(teamTypes.role)
          .filter((r) => r.name.startsWith('Team'))
          .map((r) => r.inputs.name),
      ).toEqual(['landfall-test-team-genomics', 'landfall-test-team-microbio']);
      for (const point of of(teamTypes.accessPoint))
        expect(point.inputs.publicAccessBlockConfiguration).toEqual({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
    });

    it.each(teams)(
      "scopes $case's role and access point to its own output prefix: no landing, no other team",
      ({ team, id, otherTeams }) => {
        // Act
        const problems = teamIsolationProblems(run, { team, id, otherTeams });
        // Assess
        expect(problems).toEqual([]);
        const objects = statementsOf(must(teamResource(run, id, 'RolePolicy'), 'role policy')).find((s) => s.Action === 's3:GetObject');
        expect(objects?.Resource).toBe(`arn:aws:s3:eu-west-1:123456789012:accesspoint/landfall-test-${team}/object/teams/${team}/*`);
      },
    );

    it.each([
      {
        case: 'a read of the landing bucket',
        edit: (statements: Array<Record<string, unknown>>) =>
          statements.push({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::landfall-landing-test-123456789012/*' }),
        expected: /mentions landfall-landing/,
      },
      {
        case: "the other team's prefix",
        edit: (statements: Array<Record<string, unknown>>) =>
          (statements[0]!.Resource = 'arn:aws:s3:eu-west-1:123456789012:accesspoint/landfall-test-genomics/object/teams/microbio/*'),
        expected: /mentions microbio/,
      },
      {
        case: 'the whole results bucket',
        edit: (statements: Array<Record<string, unknown>>) =>
          (statements[0]!.Resource = 'arn:aws:s3:::landfall-results-test-123456789012/*'),
        expected: /S3 resource arn:aws:s3:::landfall-results-test-123456789012\/\* is not/,
      },
      {
        case: 'a wildcard action',
        edit: (statements: Array<Record<string, unknown>>) => (statements[0]!.Action = 's3:*'),
        expected: /wildcard action s3:\*/,
      },
      {
        case: 'listing beyond the prefix',
        edit: (statements: Array<Record<string, unknown>>) => (statements[1]!.Condition = { StringLike: { 's3:prefix': ['teams/*'] } }),
        expected: /listing is not limited to teams\/genomics\//,
      },
    ])("reports $case in genomics' role policy", ({ edit, expected }) => {
      // Prepare: a copy of the real run with one statement widened
      const copy = structuredClone(run);
      const policy = must(teamResource(copy, 'Genomics', 'RolePolicy'), 'role policy');
      const document = JSON.parse(String(policy.inputs.policy)) as { Statement: Array<Record<string, unknown>> };
      edit(document.Statement);
      policy.inputs.policy = JSON.stringify(document);
      // Act
      const problems = teamIsolationProblems(copy, { team: 'genomics', id: 'Genomics', otherTeams: ['microbio'] });
      // Assess
      expect(problems.join('\n')).toMatch(expected);
    });
  });
});

describe('stacks/notifications.ts', () => {
  const topics = () => of('aws:sns/topic:Topic').filter((r) => r.name.endsWith('NotifyTopic'));

  it('gives a notifying team one encrypted SNS topic with an email subscription per address, and no other team one', () => {
    // Assess
    expect(topics().map((topic) => [topic.name, topic.inputs.name, topic.inputs.kmsMasterKeyId])).toEqual([
      ['TeamGenomicsNotifyTopic', 'landfall-test-team-genomics-notify', 'alias/aws/sns'],
    ]);
    expect(
      of('aws:sns/topicSubscription:TopicSubscription')
        .filter((r) => r.name.startsWith('TeamGenomicsNotifyEmail'))
        .map((r) => [r.inputs.protocol, r.inputs.endpoint]),
    ).toEqual([
      ['email', 'core@genomics.example'],
      ['email', 'pi@genomics.example'],
    ]);
  });

  it("lets the notify function publish to this stage's notification topics and read the named chat secret only", () => {
    // Prepare
    const role = must(
      run.resources.find((r) => r.name === 'NotifyRole'),
      'notify role',
    );
    const inline = (role.inputs.inlinePolicies as { policy: string }[]).flatMap(
      (p) => (JSON.parse(p.policy) as { Statement: Array<{ Action: string | string[]; Resource: string | string[] }> }).Statement,
    );
    const resourcesOf = (action: string) => inline.filter((s) => [s.Action].flat().includes(action)).flatMap((s) => [s.Resource].flat());
    // Assess
    expect(resourcesOf('sns:Publish')).toEqual(['arn:aws:sns:eu-west-1:123456789012:landfall-test-team-*-notify']);
    expect(resourcesOf('secretsmanager:GetSecretValue')).toEqual([
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:landfall/genomics-chat-??????',
    ]);
  });

  it('tells every function which topic is whose (LANDFALL_NOTIFY_TOPICS)', () => {
    // Prepare
    const lambda = must(
      run.resources.find((r) => r.type === 'aws:lambda/function:Function' && String(r.name).startsWith('NotifyFunction')),
      'notify Lambda',
    );
    const variables = (lambda.inputs.environment as { variables: Record<string, string> }).variables;
    // Assess
    expect(Object.keys(JSON.parse(variables.LANDFALL_NOTIFY_TOPICS!) as Record<string, string>)).toEqual(['genomics']);
  });
});
