/** Where a message to people goes: the team's email recipients, or its chat channel's incoming webhook. */
export type NotifyChannel = 'email' | 'chat';

/** One message to a team's people, as both channels carry it: a subject line and a plain-text body. */
export interface PersonMessage {
  team: string;
  subject: string;
  text: string;
}

/**
 * Sends messages to people. AWS: email through the team's SNS topic, chat through the incoming webhook
 * whose URL is in Secrets Manager (seams/notify/AwsNotifier.ts). Embedded runtime: SMTP and a webhook, both
 * on loopback (runtime/notify/LocalNotifier.ts). Throws when the message was not accepted, so the caller
 * can release its claim and let a retry send it.
 */
export interface Notifier {
  send(channel: NotifyChannel, message: PersonMessage): Promise<void>;
}
