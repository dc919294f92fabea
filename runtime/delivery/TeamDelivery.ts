import { createHash } from 'node:crypto';
import { appendFile, mkdir, open, stat } from 'node:fs/promises';
import type { LandfallConfig } from '../../config/schema.ts';
import { compilePattern } from '../../events/pattern/index.ts';
import { teamSubscriptionRules, type TeamSubscriptionRule } from '../../events/teamSubscriptions.ts';
import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import type { BusSubscription } from '../bus/LocalEventBus.ts';
import { outboxPaths, readJsonLines, type FailedDelivery } from './outbox.ts';
import { assertLoopbackWebhook, postEvent, type WebhookOptions } from './webhook.ts';

export interface TeamDeliveryOptions {
  config: Pick<LandfallConfig, 'app' | 'teams'>;
  /** The runtime's state dir; outboxes go to `<stateDir>/outbox/`. */
  stateDir: string;
  /** Told about every delivery that failed for good (also written to `<team>.failed.jsonl`); never thrown. */
  onError?: (failure: FailedDelivery) => void;
  /** Webhook timeout and retry delays (tests shorten them). @default { timeoutMs: 5000, retryDelaysMs: [500, 2000] } */
  webhook?: WebhookOptions;
}

interface TeamTarget {
  rule: TeamSubscriptionRule;
  matches: (event: unknown) => boolean;
  paths: ReturnType<typeof outboxPaths>;
  /** Dedupe keys already delivered, loaded once from the outbox so a restart does not deliver twice. */
  seen?: Promise<Set<string>>;
  /** Serialises check-and-append per team: two copies of one event arriving together yield one line. */
  queue: Promise<unknown>;
  /** Webhook calls run one after another per team, in outbox order, off the publisher's path. */
  webhookQueue: Promise<unknown>;
}

/**
 * The key a consumer drops repeats by: `detail.dedupeKey`, which every Landfall event carries. An event
 * without one (not a Landfall event) gets a digest of its type and detail, so repeats still collapse.
 */
export function dedupeKeyOf(event: BusEvent): string {
  const key = (event.detail as { dedupeKey?: unknown } | undefined)?.dedupeKey;
  if (typeof key === 'string' && key.length > 0) return key;
  return `sha256:${createHash('sha256')
    .update(JSON.stringify([event.source, event['detail-type'], event.detail]))
    .digest('hex')}`;
}

/**
 * Delivers Landfall's team-facing events to each team on the embedded runtime, by the same per-team rules
 * the stacks deploy (events/teamSubscriptions.ts): an append-only JSON-lines outbox per team and, when
 * configured, a POST to the team's loopback webhook.
 *
 * - **One line per fact**: delivery upstream is at least once, so events are de-duplicated by
 *   `detail.dedupeKey`; the keys already in the outbox are loaded first, so a restart does not repeat them.
 * - **Whole lines**: each event is one `appendFile` of the complete line; a line torn by a crash is
 *   closed off with a newline before the next append and skipped by readers.
 * - **Never throws into the bus**: failures go to `<team>.failed.jsonl` and `onError`.
 * - `deliver` resolves once the outbox line is written; webhook calls (timeout, two retries with backoff)
 *   continue in the background, in order per team — `drain()` waits for them.
 *
 * @example
 * const delivery = new TeamDelivery({ config, stateDir: '.landfall' });
 * await delivery.deliver(event); // from the bus, for every published event
 * await delivery.close();        // on shutdown: lets webhook calls in flight finish
 */
export class TeamDelivery {
  readonly #targets: TeamTarget[];
  readonly #options: TeamDeliveryOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: TeamDeliveryOptions) {
    this.#options = options;
    this.#targets = teamSubscriptionRules(options.config).map((rule) => {
      // Checked here too (not only in the config schema): a hand-built config must not reach off the machine.
      if (rule.targets.embedded.webhookUrl) assertLoopbackWebhook(rule.team, rule.targets.embedded.webhookUrl);
      return {
        rule,
        matches: compilePattern(rule.pattern),
        paths: outboxPaths(options.stateDir, rule.team),
        queue: Promise.resolve(),
        webhookQueue: Promise.resolve(),
      };
    });
  }

  /** The per-team rules this delivery runs (for `status` displays and tests). */
  get rules(): TeamSubscriptionRule[] {
    return this.#targets.map((target) => target.rule);
  }

  /**
   * The per-team rules as bus subscriptions, one per team, to install on the embedded bus: the bus matches
   * each rule's pattern (the same pattern the stacks deploy) and hands matching events to that team only.
   *
   * @example
   * const bus = new LocalEventBus({ rules: buildRules(config), subscriptions: delivery.subscriptions(), … });
   */
  subscriptions(): BusSubscription[] {
    return this.#targets.map((target) => ({
      name: target.rule.name,
      pattern: target.rule.pattern as unknown as Record<string, unknown>,
      deliver: async (event: BusEvent) => {
        if (this.#closed) return;
        await this.#track(this.#deliverTo(target, event));
      },
    }));
  }

  /**
   * Delivers one bus event to every team whose rule matches it. Resolves when the outboxes are written;
   * never rejects. Events published after `close()` are ignored.
   */
  async deliver(event: BusEvent): Promise<void> {
    if (this.#closed) return;
    const work = this.#targets.filter((target) => target.matches(event)).map((target) => this.#track(this.#deliverTo(target, event)));
    await Promise.all(work);
  }

  /** Resolves once every outbox write and webhook call started so far has finished. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }

  /** Stops accepting events and waits for deliveries in flight (webhook retries included). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
  }

  #track<T>(promise: Promise<T>): Promise<T> {
    const tracked = promise.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    return tracked;
  }

  async #deliverTo(target: TeamTarget, event: BusEvent): Promise<void> {
    const dedupeKey = dedupeKeyOf(event);
    const step = target.queue.then(() => this.#record(target, event, dedupeKey));
    target.queue = step.catch(() => undefined);
    const isNew = await step.catch(async (error: unknown) => {
      await this.#fail(target, { target: 'outbox', dedupeKey, error, attempts: 1, event });
      return false;
    });
    const url = target.rule.targets.embedded.webhookUrl;
    if (!isNew || !url) return;
    const call = target.webhookQueue.then(() => this.#callWebhook(target, url, event, dedupeKey));
    target.webhookQueue = call;
    void this.#track(call);
  }

  /** Appends the event unless its dedupe key was delivered before; true when it was new. */
  async #record(target: TeamTarget, event: BusEvent, dedupeKey: string): Promise<boolean> {
    const seen = await (target.seen ??= this.#loadSeen(target));
    if (seen.has(dedupeKey)) return false;
    if (target.rule.targets.embedded.outbox) await appendFile(target.paths.outbox, `${JSON.stringify(event)}\n`);
    seen.add(dedupeKey);
    return true;
  }

  async #loadSeen(target: TeamTarget): Promise<Set<string>> {
    await mkdir(target.paths.dir, { recursive: true });
    if (!target.rule.targets.embedded.outbox) return new Set();
    await closeTornLine(target.paths.outbox);
    const events = await readJsonLines<BusEvent>(target.paths.outbox);
    return new Set(events.map(dedupeKeyOf));
  }

  async #callWebhook(target: TeamTarget, url: string, event: BusEvent, dedupeKey: string): Promise<void> {
    const retries = this.#options.webhook?.retryDelaysMs ?? [500, 2000];
    try {
      await postEvent(url, event, dedupeKey, this.#options.webhook);
    } catch (error) {
      await this.#fail(target, { target: 'webhook', url, dedupeKey, error, attempts: retries.length + 1, event });
    }
  }

  async #fail(
    target: TeamTarget,
    failure: { target: FailedDelivery['target']; url?: string; dedupeKey: string; error: unknown; attempts: number; event: BusEvent },
  ): Promise<void> {
    const entry: FailedDelivery = {
      team: target.rule.team,
      target: failure.target,
      ...(failure.url ? { url: failure.url } : {}),
      dedupeKey: failure.dedupeKey,
      error: failure.error instanceof Error ? `${failure.error.name}: ${failure.error.message}` : String(failure.error),
      attempts: failure.attempts,
      at: new Date().toISOString(),
      event: failure.event,
    };
    try {
      await mkdir(target.paths.dir, { recursive: true });
      await appendFile(target.paths.failed, `${JSON.stringify(entry)}\n`);
    } catch {
      // the failure file itself could not be written (disk full?): onError is the last resort
    }
    try {
      this.#options.onError?.(entry);
    } catch {
      // a throwing observer must not break delivery
    }
  }
}

/** A crash in the middle of an append leaves a line without its newline: end it, so the next line stays whole. */
async function closeTornLine(file: string): Promise<void> {
  const stats = await stat(file).catch(() => undefined);
  if (!stats || stats.size === 0) return;
  const handle = await open(file, 'r');
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, stats.size - 1);
    if (last[0] === 0x0a) return;
  } finally {
    await handle.close();
  }
  await appendFile(file, '\n');
}
