import landfall from '../landfall.config.ts';
import { teamSubscriptionRules, teamTargetName, type TeamSubscriptionRule } from '../events/teamSubscriptions.ts';
import { teamPrefix } from '../contracts/keys.ts';
import { bus } from './bus.ts';
import { StacksError } from './errors.ts';
import { homeRegion, pascal } from './regions.ts';
import { results } from './storage.ts';

const stage = $app.stage.toLowerCase();
const accountId = aws.getCallerIdentityOutput({}).accountId;

/** What one team gets in AWS: its event rule and targets, its access point and its read-only role. */
export interface TeamResources {
  team: string;
  rule: aws.cloudwatch.EventRule;
  queue?: aws.sqs.Queue;
  topic?: aws.sns.Topic;
  accessPoint: aws.s3.AccessPoint;
  role: aws.iam.Role;
}

/** Checked before any resource is declared: AWS refuses longer names, halfway through a deploy. */
function checkName(what: string, name: string, limit: number): string {
  if (name.length > limit)
    throw new StacksError(
      `${what} "${name}" would be ${name.length} characters; AWS allows ${limit}. Shorten the team id, "app" in landfall.config.ts, or the stage name "${stage}".`,
    );
  return name;
}

/**
 * The key of the team event topics, made once when a team has one. EventBridge publishes to an encrypted topic
 * only when the key's policy lets it use the key, which the AWS-managed `aws/sns` key's policy cannot (SNS
 * Developer Guide, "Enable compatibility between event sources from AWS services and encrypted topics"): with
 * it, every delivery failed and the team heard nothing. A customer-managed key, which EventBridge may use for
 * this account's rules only.
 */
let teamTopicsKey: aws.kms.Key | undefined;
function topicsKey(): aws.kms.Key {
  teamTopicsKey ??= new aws.kms.Key('TeamEventTopicsKey', {
    description: `Landfall ${landfall.app} ${stage}: the team event topics, which EventBridge publishes to`,
    enableKeyRotation: true,
    deletionWindowInDays: 30,
    policy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        // The account's own IAM policies decide who else uses or administers it (the default key policy).
        {
          Sid: 'AccountIam',
          Effect: 'Allow',
          Principal: { AWS: $interpolate`arn:aws:iam::${accountId}:root` },
          Action: 'kms:*',
          Resource: '*',
        },
        {
          Sid: 'EventBridgePublishesToTeamTopics',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
        },
      ],
    }),
  });
  return teamTopicsKey;
}

/** Lets EventBridge, and only this team's rule, send to a queue or topic. */
function fromRule(rule: aws.cloudwatch.EventRule, action: string, resource: $util.Input<string>) {
  return $jsonStringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TeamRuleOnly',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: action,
        Resource: resource,
        Condition: { ArnEquals: { 'aws:SourceArn': rule.arn } },
      },
    ],
  });
}

/**
 * One team: the subscription rule from `events/teamSubscriptions.ts` (the very pattern the embedded runtime
 * matches) on the bus, with the team's SQS queue and/or SNS topic as targets; an S3 access point on the
 * results bucket and an IAM role whose policies reach `teams/<team>/` through that access point and
 * nothing else — no landing or quarantine bucket, no other team's prefix.
 */
function teamResources(definition: TeamSubscriptionRule): TeamResources {
  const { team } = definition;
  const id = pascal(team);
  const prefix = teamPrefix(team);
  const rule = new aws.cloudwatch.EventRule(`Team${id}Rule`, {
    name: checkName('event rule name', `${landfall.app}-${stage}-${definition.name}`, 64),
    description: definition.description,
    eventBusName: bus.name,
    eventPattern: JSON.stringify(definition.pattern),
  });

  let queue: aws.sqs.Queue | undefined;
  if (definition.targets.aws.sqsQueue) {
    queue = new aws.sqs.Queue(`Team${id}Queue`, {
      name: checkName('queue name', `${definition.targets.aws.sqsQueue}-${stage}`, 80),
      sqsManagedSseEnabled: true,
      // The team pulls at its own pace (another time zone): keep messages as long as SQS allows.
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    new aws.sqs.QueuePolicy(`Team${id}QueuePolicy`, { queueUrl: queue.url, policy: fromRule(rule, 'sqs:SendMessage', queue.arn) });
    new aws.cloudwatch.EventTarget(`Team${id}QueueTarget`, { rule: rule.name, eventBusName: bus.name, arn: queue.arn });
  }
  let topic: aws.sns.Topic | undefined;
  if (definition.targets.aws.snsTopic) {
    topic = new aws.sns.Topic(`Team${id}Topic`, {
      name: checkName('topic name', `${definition.targets.aws.snsTopic}-${stage}`, 256),
      kmsMasterKeyId: topicsKey().arn,
    });
    new aws.sns.TopicPolicy(`Team${id}TopicPolicy`, { arn: topic.arn, policy: fromRule(rule, 'sns:Publish', topic.arn) });
    new aws.cloudwatch.EventTarget(`Team${id}TopicTarget`, { rule: rule.name, eventBusName: bus.name, arn: topic.arn });
  }

  const role = new aws.iam.Role(`Team${id}Role`, {
    name: checkName('role name', `${landfall.app}-${stage}-team-${team}`, 64),
    description: `Team ${team}: read its published outputs under ${prefix} through its access point`,
    // Principals of this account that are allowed sts:AssumeRole on it (the team's people and services).
    assumeRolePolicy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: $interpolate`arn:aws:iam::${accountId}:root` }, Action: 'sts:AssumeRole' }],
    }),
  });
  const pointName = checkName('access point name', `${landfall.app}-${stage}-${team}`, 50);
  const pointArn = $interpolate`arn:aws:s3:${homeRegion}:${accountId}:accesspoint/${pointName}`;
  const objects = $interpolate`${pointArn}/object/${prefix}*`;
  const listPrefix = { StringLike: { 's3:prefix': [prefix, `${prefix}*`] } };
  const accessPoint = new aws.s3.AccessPoint(`Team${id}AccessPoint`, {
    bucket: results.bucket.id,
    name: pointName,
    publicAccessBlockConfiguration: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    policy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'TeamReadsItsOutputs', Effect: 'Allow', Principal: { AWS: role.arn }, Action: 's3:GetObject', Resource: objects },
        {
          Sid: 'TeamListsItsOutputs',
          Effect: 'Allow',
          Principal: { AWS: role.arn },
          Action: 's3:ListBucket',
          Resource: pointArn,
          Condition: listPrefix,
        },
      ],
    }),
  });
  new aws.iam.RolePolicy(`Team${id}RolePolicy`, {
    role: role.id,
    policy: $jsonStringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'ReadOwnOutputs', Effect: 'Allow', Action: 's3:GetObject', Resource: objects },
        { Sid: 'ListOwnOutputs', Effect: 'Allow', Action: 's3:ListBucket', Resource: pointArn, Condition: listPrefix },
        // Objects are SSE-KMS: decrypt with the results key, and only on behalf of S3.
        {
          Sid: 'DecryptOutputs',
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: results.key.arn,
          Condition: { StringEquals: { 'kms:ViaService': `s3.${homeRegion}.amazonaws.com` } },
        },
        ...(queue
          ? [
              {
                Sid: 'ReadOwnQueue',
                Effect: 'Allow',
                Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'],
                Resource: queue.arn,
              },
            ]
          : []),
        ...(topic ? [{ Sid: 'SubscribeOwnTopic', Effect: 'Allow', Action: 'sns:Subscribe', Resource: topic.arn }] : []),
      ],
    }),
  });
  return { team, rule, ...(queue ? { queue } : {}), ...(topic ? { topic } : {}), accessPoint, role };
}

/** Every team's resources, in config order. */
export const teams: TeamResources[] = teamSubscriptionRules(landfall).map(teamResources);

/** Stack outputs: per team, the role to assume, the access point to read through, and the queue/topic. */
export const outputs = Object.fromEntries(
  teams.flatMap(({ team, role, accessPoint, queue, topic }) => [
    [`team${pascal(team)}Role`, role.arn],
    [`team${pascal(team)}AccessPoint`, accessPoint.name],
    ...(queue ? [[`team${pascal(team)}Queue`, queue.url]] : []),
    ...(topic ? [[`team${pascal(team)}Topic`, topic.arn]] : []),
    [`team${pascal(team)}Events`, teamTargetName(landfall, team)],
  ]),
);
