import type { BusEvent } from '../../seams/events/EventPublisher.ts';
import type { LocalAlarms } from './LocalAlarms.ts';

/** Options of {@link AlarmClock}. */
export interface AlarmClockOptions {
  alarms: LocalAlarms;
  periodSeconds: number;
  /** Publishes this period's datapoints (the `publish-region-activity` rule's function). */
  sample: () => Promise<unknown>;
  /** Receives the alarm state changes (the runtime puts them on its bus). */
  publish: (events: BusEvent[]) => Promise<void>;
  onProblem?: (message: string) => void;
}

/**
 * Drives the local alarms as CloudWatch's clock would: at each period boundary (a little after, so the
 * period is complete) it publishes the period's activity, then evaluates every alarm and publishes the
 * state changes. Aligned ticks give each period exactly one activity datapoint, so a slow timer never
 * turns a busy period into a missing (breaching) one. A tick still running makes the next one skip.
 */
export class AlarmClock {
  readonly #options: AlarmClockOptions;
  #timer?: NodeJS.Timeout;
  #busy = false;
  #stopped = false;

  constructor(options: AlarmClockOptions) {
    this.#options = options;
  }

  start(): void {
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** One tick at `now`: sample, evaluate, publish. Exposed for tests and benchmarks. */
  async tick(now = Date.now()): Promise<BusEvent[]> {
    await this.#options
      .sample()
      .catch((error: unknown) => this.#options.onProblem?.(`publishing activity failed (the period counts as idle): ${String(error)}`));
    const changes = this.#options.alarms.evaluate(now);
    if (changes.length > 0) await this.#options.publish(changes);
    return changes;
  }

  #schedule(): void {
    if (this.#stopped) return;
    const periodMs = this.#options.periodSeconds * 1000;
    // A small offset past the boundary: the sample then lands in the period just begun, and the period
    // that just ended is complete for evaluation.
    const offset = Math.min(250, periodMs / 10);
    const delay = periodMs - (Date.now() % periodMs) + offset;
    this.#timer = setTimeout(() => {
      if (!this.#busy) {
        this.#busy = true;
        void this.tick()
          .catch((error: unknown) => this.#options.onProblem?.(`alarm evaluation failed: ${String(error)}`))
          .finally(() => (this.#busy = false));
      }
      this.#schedule();
    }, delay);
    this.#timer.unref();
  }
}
