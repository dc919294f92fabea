import landfall from '../landfall.config.ts';
import { notifyTopicName } from '../contracts/names.ts';
import { StacksError } from './errors.ts';
import { homeRegion, pascal } from './regions.ts';

const stage = $app.stage.toLowerCase();
const accountId = aws.getCallerIdentityOutput({}).accountId;

/**
 * One SNS topic per team with `notify.email`, with an email subscription per address (each recipient
 * confirms it once, as SNS asks): the notify function publishes a team's messages to it
 * (seams/notify/AwsNotifier.ts). Chat needs nothing deployed: its webhook URL is in the secret the
 * config names, created by the operator (README "Notifications").
 */
export const notifyTopics = new Map(
  landfall.teams
    .filter((team) => team.notify?.email)
    .map((team) => {
      const id = pascal(team.id);
      const name = notifyTopicName(landfall.app, stage, team.id);
      if (name.length > 256) throw new StacksError(`topic name "${name}" would be ${name.length} characters; AWS allows 256.`);
      const topic = new aws.sns.Topic(`Team${id}NotifyTopic`, { name, kmsMasterKeyId: 'alias/aws/sns' });
      for (const [index, address] of team.notify!.email!.to.entries())
        new aws.sns.TopicSubscription(`Team${id}NotifyEmail${index + 1}`, { topic: topic.arn, protocol: 'email', endpoint: address });
      return [team.id, topic] as const;
    }),
);

/**
 * ARNs the notify function may read chat webhook URLs from: each configured secret name, any version
 * (Secrets Manager appends `-` and six random characters to a secret's name in its ARN). With no chat
 * configured, a name under Landfall's own prefix that no team uses, so the statement stays scoped.
 */
export const notifySecretArns: $util.Input<string>[] = (() => {
  const names = [...new Set(landfall.teams.flatMap((team) => (team.notify?.chat?.webhookSecret ? [team.notify.chat.webhookSecret] : [])))];
  const arnOf = (name: string) => $interpolate`arn:aws:secretsmanager:${homeRegion}:${accountId}:secret:${name}-??????`;
  return names.length > 0 ? names.map(arnOf) : [arnOf(`${landfall.app}-${stage}-no-chat-webhook`)];
})();

/** Topics the notify function may publish to: this stage's notification topics, by name. */
export const notifyTopicArns: $util.Input<string>[] = [
  $interpolate`arn:aws:sns:${homeRegion}:${accountId}:${notifyTopicName(landfall.app, stage, '*')}`,
];

/** Stack outputs: each notifying team's topic (its subscriptions wait for the recipients' confirmation). */
export const outputs = Object.fromEntries([...notifyTopics].map(([team, topic]) => [`team${pascal(team)}NotifyTopic`, topic.arn]));
