/** A chat webhook that did not take a message (after the retries). */
export class ChatWebhookError extends Error {
  constructor(
    readonly team: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`chat message to team ${team}'s webhook was not accepted: ${reason}`, options);
    this.name = 'ChatWebhookError';
  }
}

/**
 * POSTs `{ "text": … }`, the body Slack incoming webhooks and Teams' incoming-webhook connectors both
 * accept, and retries twice on a network error, a timeout or a non-2xx answer. The URL never appears in an
 * error (in AWS it is a secret: whoever holds it may post to the channel).
 */
export async function postChatMessage(
  team: string,
  url: string,
  text: string,
  options: { timeoutMs?: number; retryDelaysMs?: number[] } = {},
): Promise<void> {
  const delays = options.retryDelaysMs ?? [500, 2000];
  const timeoutMs = options.timeoutMs ?? 5000;
  let last: ChatWebhookError | undefined;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'landfall-notify' },
        body: JSON.stringify({ text }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return;
      last = new ChatWebhookError(team, `answered ${response.status} ${response.statusText}`.trim());
    } catch (error) {
      const reason =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? `no answer within ${timeoutMs} ms`
          : error instanceof Error
            ? `${error.message}${error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : ''}`
            : String(error);
      last = new ChatWebhookError(team, reason, { cause: error });
    }
  }
  throw last!;
}
