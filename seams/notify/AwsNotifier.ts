import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { postChatMessage } from './chatWebhook.ts';
import type { Notifier, NotifyChannel, PersonMessage } from './Notifier.ts';

/** SNS refuses a Subject longer than 100 characters, or one that is not printable ASCII on one line (Publish, "Subject"). */
export const SNS_SUBJECT_LIMIT = 100;

/** A team without the AWS resource a channel needs (config and stack disagree, or the team has no such channel). */
export class NotifyRouteError extends Error {
  constructor(team: string, channel: NotifyChannel, what: string) {
    super(`team ${team} has no ${channel} route in AWS: ${what}`);
    this.name = 'NotifyRouteError';
  }
}

/**
 * The AWS notifier: email is a Publish to the team's SNS topic (its email subscriptions are the recipients);
 * chat is a POST to the incoming webhook whose URL is the string value of the team's Secrets Manager secret,
 * read once per container and never logged.
 */
export class AwsNotifier implements Notifier {
  readonly #topics: Record<string, string>;
  readonly #webhookSecrets: Record<string, string>;
  readonly #sns: SNSClient;
  readonly #secrets: SecretsManagerClient;
  readonly #webhookUrls = new Map<string, Promise<string>>();

  constructor(options: {
    /** Team → ARN of its notification topic (the stack's LANDFALL_NOTIFY_TOPICS). */
    topics: Record<string, string>;
    /** Team → name of the secret holding its chat webhook URL (landfall.config.ts `notify.chat.webhookSecret`). */
    webhookSecrets: Record<string, string>;
    sns?: SNSClient;
    secrets?: SecretsManagerClient;
  }) {
    this.#topics = options.topics;
    this.#webhookSecrets = options.webhookSecrets;
    this.#sns = options.sns ?? new SNSClient({});
    this.#secrets = options.secrets ?? new SecretsManagerClient({});
  }

  async send(channel: NotifyChannel, message: PersonMessage): Promise<void> {
    if (channel === 'email') {
      const topic = this.#topics[message.team];
      if (!topic)
        throw new NotifyRouteError(message.team, channel, 'no notification topic was deployed for it (notify.email in landfall.config.ts)');
      await this.#sns.send(new PublishCommand({ TopicArn: topic, Subject: snsSubject(message.subject), Message: message.text }));
      return;
    }
    await postChatMessage(message.team, await this.#webhookUrl(message.team), message.text);
  }

  #webhookUrl(team: string): Promise<string> {
    const secret = this.#webhookSecrets[team];
    if (!secret) return Promise.reject(new NotifyRouteError(team, 'chat', 'notify.chat.webhookSecret is not set in landfall.config.ts'));
    let url = this.#webhookUrls.get(team);
    if (!url) {
      url = this.#secrets.send(new GetSecretValueCommand({ SecretId: secret })).then((answer) => {
        const value = answer.SecretString?.trim();
        if (!value?.startsWith('https://') && !value?.startsWith('http://'))
          throw new NotifyRouteError(team, 'chat', `secret ${secret} does not hold a webhook URL (its string value must be the URL)`);
        return value;
      });
      // A failed read is not kept: the next message reads the secret again.
      url.catch(() => this.#webhookUrls.delete(team));
      this.#webhookUrls.set(team, url);
    }
    return url;
  }
}

/** A subject SNS accepts: printable ASCII on one line, at most {@link SNS_SUBJECT_LIMIT} characters. */
export function snsSubject(subject: string): string {
  const oneLine = subject.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return oneLine.length <= SNS_SUBJECT_LIMIT ? oneLine : `${oneLine.slice(0, SNS_SUBJECT_LIMIT - 3)}...`;
}
