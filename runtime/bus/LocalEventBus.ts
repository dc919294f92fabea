import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { compilePattern } from '../../events/pattern/index.ts';
import type { RuleDefinition } from '../../events/rules.ts';
import type { BusEvent, EventPublisher } from '../../seams/events/EventPublisher.ts';
import { assertPutEventsSize } from './putEventsSize.ts';
import { Places } from './Places.ts';

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
  /**
   * Deliveries running at once; the rest wait in order (a burst of thousands of events must not start
   * thousands of handlers, each holding memory and catalog connections). A delivery waiting to retry does not
   * hold a place. @default 16
   */
  maxConcurrentDeliveries?: number;
  /**
   * Deliveries to these targets running at once, in arrival order (within the overall limit above); one waiting
   * here holds no general place. For handlers that keep this one thread busy (validation reads every byte of
   * a sample): run all at once, each finishes only when all do; a few at a time finish one by one. @default {}
   */
  targetConcurrency?: Partial<Record<string, number>>;
  /**
   * Targets that take in new work (a file landing): while deliveries wait for a place, theirs wait behind every
   * other target's, in arrival order within each kind. In AWS each function has its own concurrency, so a burst of
   * landings never queues a sample's validation, a workflow's start or a job's state change behind it; one shared
   * line here did (the first sample of a landing run started its first job ~0.4 s later). @default none
   */
  intakeTargets?: readonly string[];
  /**
   * A line could not be appended to the bus log or the dead-letter file (disk full, permissions). For the
   * bus log the publish that wrote it fails too, so the publisher retries the fact; this is for the runtime
   * to stop or warn (`landfall up` stops on a full disk with one line saying what to do).
   */
  onLogFailure?: (error: BusLogError) => void;
  /** Appends text to a file of `logDir` (the log's one writer). @default mkdir + appendFile */
  appendLog?: (file: string, text: string) => Promise<void>;
}

/** A delivery dropped by close() before it could run (recovered at the next start, never dead-lettered). */
class AbandonedError extends Error {
  override name = 'AbandonedError';
}

/** A line the bus could not append to its log; `code` is the file system's (`ENOSPC`: the disk is full). */
export class BusLogError extends Error {
  override name = 'BusLogError';
  readonly code: string | undefined;
  readonly file: string;

  constructor(file: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException)?.code;
    super(`could not append to ${file}${code ? ` (${code})` : ''}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.code = code;
    this.file = file;
  }
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
  /** Places of deliveries (see maxConcurrentDeliveries), and of targets with a limit of their own (targetConcurrency). */
  readonly #places: Places;
  readonly #targetPlaces: Map<string, Places>;
  readonly #intakeTargets: ReadonlySet<string>;
  #abandoned = false;
  #logQueue: Promise<void> = Promise.resolve();
  /** Per log file, the write waiting for its turn and the texts it will append (see #append). */
  readonly #waitingWrites = new Map<string, { text: string; written: Promise<void> }>();
  /** Log files whose last append failed and may end in part of a line. */
  readonly #tornFiles = new Set<string>();
  #closed = false;
  /** Per target, its deliveries waiting for a place or running (not those waiting to retry): see quietFor. */
  readonly #busyDeliveries = new Map<string, number>();
  readonly #quietWaiters = new Set<{ targets: readonly string[]; done: () => void }>();

  constructor(options: LocalBusOptions) {
    this.#options = options;
    this.#places = new Places(options.maxConcurrentDeliveries ?? 16);
    this.#intakeTargets = new Set(options.intakeTargets ?? []);
    this.#targetPlaces = new Map(
      Object.entries(options.targetConcurrency ?? {}).flatMap(([target, limit]) => (limit ? [[target, new Places(limit)] as const] : [])),
    );
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

  /**
   * Logs the events, then delivers each to every matching rule (asynchronously). An event is delivered only
   * once it is in the bus log — the record start-up recovery trusts to say a fact went out — so when the
   * log cannot be written this rejects with {@link BusLogError} and delivers nothing: the publisher keeps
   * the fact (emitOnce's outbox) and it is sent again, never dropped.
   *
   * Events PutEvents would refuse for their size are refused here too, before anything is logged or delivered:
   * this rejects with PutEventsValidationError (./errors.ts, see assertPutEventsSize), as EventBridge answers
   * `ValidationException`, so code that could not publish in AWS cannot pass a local test either.
   */
  async publish(events: BusEvent[]): Promise<void> {
    if (this.#closed) throw new Error('the local event bus is stopped');
    assertPutEventsSize(events);
    const stamped = events.map(
      (input): BusEvent => ({
        version: '0',
        id: randomUUID(),
        account: this.#options.account ?? '000000000000',
        time: new Date().toISOString(),
        region: this.#options.region,
        resources: [],
        ...input,
      }),
    );
    if (stamped.length === 0) return;
    const logged = this.#append(BUS_LOG_NAME, stamped.map((event) => `${JSON.stringify(event)}\n`).join(''));
    // Counted in flight until its deliveries are: drain() and an idle check never miss a publish mid-append.
    const tracked = logged.catch(() => undefined);
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
    await logged;
    for (const event of stamped) {
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

  /** Deliveries to `target` waiting for a place of its own (its `targetConcurrency`). */
  waitingFor(target: string): number {
    return this.#targetPlaces.get(target)?.waiting ?? 0;
  }

  /** Deliveries started or waiting for a place (not those waiting to retry). */
  get backlog(): number {
    // A delivery holding its target's place also holds or waits for a general one: counted there.
    return this.#places.backlog + [...this.#targetPlaces.values()].reduce((sum, places) => sum + places.waiting, 0);
  }

  /**
   * Resolves once no delivery to any of `targets` is waiting for a place or running (one waiting to retry does not
   * count), or after `maxWaitMs`, or when the bus closes: for work that should give way to these targets' work on
   * this one thread without being starved by a stream of it.
   */
  quietFor(targets: readonly string[], maxWaitMs: number): Promise<void> {
    if (this.#closed || this.busyWith(targets) === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        targets,
        done: () => {
          clearTimeout(timer);
          this.#quietWaiters.delete(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.done, maxWaitMs);
      timer.unref();
      this.#quietWaiters.add(waiter);
    });
  }

  /** Deliveries to `targets` waiting for a place or running. */
  busyWith(targets: readonly string[]): number {
    return targets.reduce((sum, target) => sum + (this.#busyDeliveries.get(target) ?? 0), 0);
  }

  /**
   * Stops accepting events and waits for deliveries in flight, at most `timeoutMs`: then deliveries still
   * waiting (for a place or to retry) are abandoned, to be recovered at the next start as after a crash (the
   * outbox relay, the sweep), and the log is left as written. @default timeoutMs 2000
   */
  async close(timeoutMs = 2000): Promise<void> {
    this.#closed = true;
    for (const waiter of [...this.#quietWaiters]) waiter.done();
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      this.drain().then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (drained) return;
    this.#abandoned = true;
    for (const places of [...this.#targetPlaces.values(), this.#places]) places.abandon(() => new AbandonedError());
  }

  /** Runs `work` when its target has a place (if it is limited), then when a delivery place is free. */
  #inSlot<T>(target: string, work: () => Promise<T>): Promise<T> {
    const targetPlaces = this.#targetPlaces.get(target);
    const intake = this.#intakeTargets.has(target);
    return targetPlaces ? targetPlaces.run(() => this.#places.run(work, intake)) : this.#places.run(work, intake);
  }

  #deliveryEnded(target: string): void {
    const left = (this.#busyDeliveries.get(target) ?? 1) - 1;
    if (left > 0) {
      this.#busyDeliveries.set(target, left);
      return;
    }
    this.#busyDeliveries.delete(target);
    // Only a waiter for this target can have become quiet: a burst ends thousands of other deliveries.
    for (const waiter of [...this.#quietWaiters]) if (waiter.targets.includes(target) && this.busyWith(waiter.targets) === 0) waiter.done();
  }

  async #deliver(rule: { name: string; target: string; deliver: (event: BusEvent) => Promise<unknown> }, event: BusEvent): Promise<void> {
    const delays = this.#options.retryDelaysMs ?? [1000, 5000];
    let lastError: unknown;
    for (let attempt = 0; attempt <= delays.length; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, delays[attempt - 1]));
      // Stopped before this attempt could run: left for the next start's recovery (outbox relay, sweep), not
      // dead-lettered, since nothing failed.
      if (this.#abandoned) return;
      this.#busyDeliveries.set(rule.target, (this.#busyDeliveries.get(rule.target) ?? 0) + 1);
      try {
        await this.#inSlot(rule.target, () => rule.deliver(event));
        return;
      } catch (error) {
        if (error instanceof AbandonedError) return;
        lastError = error;
      } finally {
        this.#deliveryEnded(rule.target);
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
    // No publisher waits for a dead letter: a failure to write it is reported through onLogFailure.
    await this.#append('dead-letters.jsonl', `${JSON.stringify(entry)}\n`).catch(() => undefined);
    this.#options.onDeadLetter?.(entry);
  }

  /**
   * Appends in order, one write at a time; rejects (and reports) when the text could not be written. Texts for a
   * file that arrive while its write waits for the one before it join that write (one append of them all, in
   * order): each append opens, writes and closes the file, and one at a time a busy runtime's events queued
   * behind each other's appends before being delivered.
   */
  #append(file: string, text: string): Promise<void> {
    const waiting = this.#waitingWrites.get(file);
    if (waiting) {
      waiting.text += text;
      return waiting.written;
    }
    const batch = { text, written: Promise.resolve() };
    batch.written = this.#logQueue.then(() => {
      this.#waitingWrites.delete(file); // texts from now on go to the next write
      return this.#write(file, batch.text);
    });
    this.#waitingWrites.set(file, batch);
    this.#logQueue = batch.written.catch(() => undefined);
    return batch.written;
  }

  async #write(file: string, text: string): Promise<void> {
    // A failed append may have left part of a line: start on a fresh line, so that fragment stays a line of
    // its own that every reader skips, and the events after it parse.
    const body = this.#tornFiles.has(file) ? `\n${text}` : text;
    try {
      if (this.#options.appendLog) await this.#options.appendLog(file, body);
      else {
        await mkdir(this.#options.logDir, { recursive: true });
        await appendFile(path.join(this.#options.logDir, file), body);
      }
      this.#tornFiles.delete(file);
    } catch (cause) {
      this.#tornFiles.add(file);
      const error = new BusLogError(path.join(this.#options.logDir, file), cause);
      this.#options.onLogFailure?.(error);
      throw error;
    }
  }
}
