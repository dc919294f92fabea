import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import { WebhookError, WebhookUrlError } from './errors.ts';

export interface WebhookOptions {
  /** Per attempt. @default 5000 */
  timeoutMs?: number;
  /** Delays before each retry (two retries, as EventBridge → Lambda async). @default [500, 2000] */
  retryDelaysMs?: number[];
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Throws `WebhookUrlError` unless `url` is a plain-http URL on this machine's loopback interface: the
 * embedded runtime must never send a team's events off the machine (that is what SNS/SQS are for in AWS).
 * `localhost` is refused too: it can resolve to another address.
 */
export function assertLoopbackWebhook(team: string, url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new WebhookUrlError(team, url, 'not a URL');
  }
  if (parsed.protocol !== 'http:') throw new WebhookUrlError(team, url, `scheme ${parsed.protocol} is not http:`);
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) throw new WebhookUrlError(team, url, `host ${parsed.hostname} is not 127.0.0.1 or [::1]`);
  if (parsed.username || parsed.password) throw new WebhookUrlError(team, url, 'credentials in the URL are not allowed');
  return parsed;
}

/**
 * POSTs one event as JSON, with `x-landfall-dedupe-key` so the receiver can drop repeats; retries on a
 * network error, a timeout or a non-2xx answer. Resolves with the number of attempts made, or throws the
 * last attempt's `WebhookError` once the retries are used up.
 *
 * @example
 * await postEvent('http://127.0.0.1:8080/landfall', event, 'published:genomics/run/S1/v1/qc');
 */
export async function postEvent(url: string, event: BusEvent, dedupeKey: string, options: WebhookOptions = {}): Promise<number> {
  const delays = options.retryDelaysMs ?? [500, 2000];
  const timeoutMs = options.timeoutMs ?? 5000;
  const body = JSON.stringify(event);
  let lastError: WebhookError | undefined;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-landfall-dedupe-key': dedupeKey, 'user-agent': 'landfall-embedded' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      // Drain the body so the connection is released even when nobody reads the answer.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return attempt + 1;
      lastError = new WebhookError(url, `answered ${response.status} ${response.statusText}`.trim(), { status: response.status });
    } catch (error) {
      const reason =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? `no answer within ${timeoutMs} ms`
          : describe(error);
      lastError = new WebhookError(url, reason, { cause: error });
    }
  }
  throw lastError!;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch wraps the socket error ("fetch failed"); the cause says what actually happened (ECONNREFUSED…).
  const cause = error.cause instanceof Error ? `: ${(error.cause as NodeJS.ErrnoException).code ?? error.cause.message}` : '';
  return `${error.message}${cause}`;
}
