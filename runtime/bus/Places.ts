/**
 * At most `limit` works at once; the others wait in arrival order (a finished work hands its place on), except
 * that works marked `intake` wait behind all others.
 */
export class Places {
  #running = 0;
  readonly #queue: Array<{ resolve: () => void; reject: (error: Error) => void; intake: boolean }> = [];

  constructor(readonly limit: number) {}

  async run<T>(work: () => Promise<T>, intake = false): Promise<T> {
    if (this.#running < this.limit) this.#running++;
    else
      await new Promise<void>((resolve, reject) => {
        const waiting = { resolve, reject, intake };
        const firstIntake = intake ? -1 : this.#queue.findIndex((queued) => queued.intake);
        if (firstIntake === -1) this.#queue.push(waiting);
        else this.#queue.splice(firstIntake, 0, waiting);
      });
    try {
      return await work();
    } finally {
      const next = this.#queue.shift();
      if (next) next.resolve();
      else this.#running--;
    }
  }

  /** Works running and waiting. */
  get backlog(): number {
    return this.#running + this.#queue.length;
  }

  /** Works waiting for a place. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** Rejects every waiting work with `error`. */
  abandon(error: () => Error): void {
    for (const waiting of this.#queue.splice(0)) waiting.reject(error());
  }
}
