/** Base error of team delivery (outbox and webhook); `cause` keeps what failed underneath. */
export class DeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DeliveryError';
  }
}

/** A webhook URL the embedded runtime refuses to call: only this machine's loopback interface is allowed. */
export class WebhookUrlError extends DeliveryError {
  readonly team: string;
  readonly url: string;
  constructor(team: string, url: string, reason: string) {
    super(`team ${team}: webhook ${url} refused: ${reason} (use http://127.0.0.1:<port>/… or http://[::1]:<port>/…)`);
    this.name = 'WebhookUrlError';
    this.team = team;
    this.url = url;
  }
}

/** A webhook POST that did not answer 2xx within the timeout. */
export class WebhookError extends DeliveryError {
  readonly url: string;
  readonly status?: number;
  constructor(url: string, message: string, options?: { status?: number; cause?: unknown }) {
    super(`POST ${url}: ${message}`, options);
    this.name = 'WebhookError';
    this.url = url;
    if (options?.status !== undefined) this.status = options.status;
  }
}
