import nodemailer, { type Transporter } from 'nodemailer';
import type { LandfallConfig } from '../../config/schema.ts';
import { postChatMessage } from '../../seams/notify/chatWebhook.ts';
import type { Notifier, NotifyChannel, PersonMessage } from '../../seams/notify/Notifier.ts';
import { assertLoopbackWebhook } from '../delivery/webhook.ts';

/** A team without the setting a channel needs on the embedded runtime. */
export class LocalNotifyRouteError extends Error {
  constructor(team: string, channel: NotifyChannel, what: string) {
    super(`team ${team} cannot be notified by ${channel} on the embedded runtime: ${what}`);
    this.name = 'LocalNotifyRouteError';
  }
}

/**
 * The embedded runtime's notifier: email over SMTP (nodemailer) to `notifications.smtp`, chat to the team's
 * `notify.chat.webhookUrl`, both on this machine's loopback interface only (the config refuses anything
 * else, and the webhook URL is checked again here). Plain SMTP without TLS or authentication: a local relay.
 */
export class LocalNotifier implements Notifier {
  readonly #config: LandfallConfig;
  readonly #transport: Transporter;

  constructor(config: LandfallConfig) {
    this.#config = config;
    const { host, port } = config.notifications.smtp;
    this.#transport = nodemailer.createTransport({
      host,
      port,
      secure: false,
      ignoreTLS: true,
      connectionTimeout: 5000,
      greetingTimeout: 5000,
      socketTimeout: 10_000,
    });
  }

  async send(channel: NotifyChannel, message: PersonMessage): Promise<void> {
    const notify = this.#config.teams.find((team) => team.id === message.team)?.notify;
    if (channel === 'email') {
      const to = notify?.email?.to;
      if (!to) throw new LocalNotifyRouteError(message.team, channel, 'notify.email.to is not set');
      await this.#transport.sendMail({ from: this.#config.notifications.smtp.from, to, subject: message.subject, text: message.text });
      return;
    }
    const url = notify?.chat?.webhookUrl;
    if (!url) throw new LocalNotifyRouteError(message.team, channel, 'notify.chat.webhookUrl is not set');
    await postChatMessage(message.team, assertLoopbackWebhook(message.team, url).href, message.text);
  }

  /** Closes the SMTP transport's pooled connections, if any. */
  close(): void {
    this.#transport.close();
  }
}
