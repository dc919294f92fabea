import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { compilePattern } from '../../events/pattern/index.ts';
import type { RuleDefinition } from '../../events/rules.ts';
import type { BusEvent, EventPublisher } from '../../seams/events/EventPublisher.ts';

/**
 * A rule whose target is not a function: the per-team subscriptions (events/teamSubscriptions.ts), whose
 * AWS targets are SQS queues and SNS topics and whose embedded targets are outboxes and webhooks.
 */
export interface BusSubscription {
  /** The rule name, as deployed in AWS. */
  name: string;
  pattern: Record<string, unknown>;
  /** Delivers one matching event; a rejection is retried like a function target, then dead-lettered. */
  deliver: (event: BusEvent) => Promise<void>;
}

/** The bus log's file name in `logDir`: every event, in publish order (the dashboard and start-up recovery read it). */
export const BUS_LOG_NAME = 'events.jsonl';

export interface LocalBusOptions {
  rules: RuleDefinition[];
  /** Rules delivering to non-function targets (team subscriptions), matched with the same pattern semantics. */
  subscriptions?: BusSubscription[];
  /** Invokes a rule's target with the full event (the runtime's in-process Lambda invoker). */
  invoke: (target: RuleDefinition['target'], event: BusEvent) => Promise<unknown>;
  /** Folder for `events.jsonl` (every event, in publish order) and `dead-letters.jsonl`. */
  logDir: string;
  account?: string;
  region: string;
  /**
   * Delays before the two retries, as EventBridge → Lambda async invocation retries (there 1 and 2 minutes).
   * Long enough that a short outage of the local catalog server (a restart, a stalled disk) does not
   * dead-letter an event whose loss would leave a workflow waiting (a job's state change). @default [1000, 5000]
   */
  retryDelaysMs?: number[];
  onDeadLetter?: (entry: DeadLetter) => void;
}

export interface DeadLetter {
  rule: string;
  target: string;
  event: BusEvent;
  error: string;
  attempts: number;
  at: string;
}

/**
 * The embedded runtime's EventBridge: rules with EventBridge pattern semantics (our matcher), asynchronous
 * at-least-once delivery to in-process handlers with two retries and backoff, then a dead-letter file.
 */
export class LocalEventBus implements EventPublisher {
  readonly #rules: Array<{
    name: string;
    target: string;
    deliver: (event: BusEvent) => Promise<unknown>;
    matches: (event: unknown) => boolean;
  }>;
  readonly #options: LocalBusOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #logQueue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: LocalBusOptions) {
    this.#options = options;
    // compilePattern throws InvalidPatternError for anything EventBridge would refuse: fail at start, not at 3 a.m.
    this.#rules = [
      ...options.rules.map((rule) => ({
        name: rule.name,
        target: rule.target,
        deliver: (event: BusEvent) => options.invoke(rule.target, event),
        matches: compilePattern(rule.pattern),
      })),
      ...(options.subscriptions ?? []).map((rule) => ({
        name: rule.name,
        target: `subscription:${rule.name}`,
        deliver: rule.deliver,
        matches: compilePattern(rule.pattern),
      })),
    ];
  }

  async publish(events: BusEvent[]): Promise<void> {
    if (this.#closed) throw new Error('the local event bus is stopped');
    for (const input of events) {
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        account: this.#options.account ?? '000000000000',
        time: new Date().toISOString(),
        region: this.#options.region,
        resources: [],
        ...input,
      };
      this.#log(BUS_LOG_NAME, event);
      for (const rule of this.#rules) {
        if (!rule.matches(event)) continue;
        const delivery = this.#deliver(rule, event).finally(() => this.#inFlight.delete(delivery));
        this.#inFlight.add(delivery);
      }
    }
  }

  /** Resolves once no delivery is in flight (including deliveries caused by deliveries). */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#logQueue;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Stops accepting events; deliveries already running finish. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.drain();
  }

  async #deliver(rule: { name: string; target: string; deliver: (event: BusEvent) => Promise<unknown> }, event: BusEvent): Promise<void> {
    const delays = this.#options.retryDelaysMs ?? [1000, 5000];
    let lastError: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
      try {
        await rule.deliver(event);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    const entry: DeadLetter = {
      rule: rule.name,
      target: rule.target,
      event,
      error: lastError instanceof Error ? `${lastError.name}: ${lastError.message}` : String(lastError),
      attempts: delays.length + 1,
      at: new Date().toISOString(),
    };
    this.#log('dead-letters.jsonl', entry);
    this.#options.onDeadLetter?.(entry);
  }

  #log(file: string, entry: unknown): void {
    const line = `${JSON.stringify(entry)}\n`;
    this.#logQueue = this.#logQueue
      .then(async () => {
        await mkdir(this.#options.logDir, { recursive: true });
        await appendFile(path.join(this.#options.logDir, file), line);
      })
      .catch(() => undefined);
  }
}
