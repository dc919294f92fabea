import type { ValidationReason } from './types.ts';
import type { MateNameSink } from './FastqScanner.ts';
import { reasonOf } from './rules.ts';

/** Names one file may run ahead of its mate before it waits; keeps the queue to a few MB. */
const HIGH_WATER = 50_000;

export type Mate = 0 | 1;

/**
 * Checks R1 and R2 record by record while both files are validated at the same time, in one pass:
 * record k of R1 and record k of R2 must carry the same read name (the header up to the first blank,
 * without `/1` `/2`), and both files must hold the same number of records.
 *
 * Whichever file is ahead queues its names; the other compares and dequeues. The queue is bounded:
 * the side that is ahead awaits {@link gate} until its mate catches up, so memory does not grow with
 * the file. Only the first name mismatch is reported (later records are misaligned anyway).
 *
 * @example
 * const pairing = new MatePairing('S1_R1_001.fastq.gz', 'S1_R2_001.fastq.gz');
 * // scanner of R1: { mates: pairing.sink(0) }, pass gate: () => pairing.gate(0); same with 1 for R2
 * pairing.finish(0, { records: 100, reliable: true });
 * pairing.finish(1, { records: 100, reliable: true });
 * pairing.reasons; // [] when every name matched
 */
export class MatePairing {
  readonly reasons: ValidationReason[] = [];
  readonly #files: readonly [string, string];
  readonly #counts = [0, 0];
  readonly #ended = [false, false];
  readonly #reliable = [true, true];
  /** Which side's names are queued (only one side is ever ahead). */
  #queueSide: Mate = 0;
  #bytes = Buffer.alloc(1 << 20);
  #byteHead = 0;
  #byteTail = 0;
  #lengths = new Int32Array(1 << 14);
  #lengthHead = 0;
  #queued = 0;
  /** Names are no longer compared: a mismatch was reported, or a side cannot be trusted. */
  #stopped = false;
  #waiter: { side: Mate; resolve: () => void } | undefined;
  readonly #highWater: number;

  /** @param options.highWater names a side may queue before {@link gate} holds it (default 50,000) */
  constructor(r1File: string, r2File: string, options: { highWater?: number } = {}) {
    this.#files = [r1File, r2File];
    this.#highWater = options.highWater ?? HIGH_WATER;
  }

  /** The sink a side's scanner reports its record names to. */
  sink(side: Mate): MateNameSink {
    return { add: (bytes, start, end) => this.#add(side, bytes, start, end) };
  }

  /** Awaited by a side between stored chunks: a promise while it is too far ahead of its mate. */
  gate(side: Mate): Promise<void> | undefined {
    if (this.#stopped || this.#queueSide !== side || this.#queued <= this.#highWater || this.#ended[side === 0 ? 1 : 0]) return undefined;
    return new Promise((resolve) => {
      this.#waiter = { side, resolve };
    });
  }

  /**
   * A side has no more records. `reliable` is false when its data stopped early (corrupt gzip, lost
   * record structure): its count then says nothing about pairing, and its own reasons explain why.
   */
  finish(side: Mate, result: { records: number; reliable: boolean }): void {
    this.#ended[side] = true;
    this.#reliable[side] = result.reliable;
    if (!result.reliable) this.#stopped = true;
    this.#release();
    if (!this.#ended[0] || !this.#ended[1] || !this.#reliable[0] || !this.#reliable[1]) return;
    const [r1, r2] = this.#counts as [number, number];
    if (r1 === r2) return;
    const longer: Mate = r1 > r2 ? 0 : 1;
    const shorter: Mate = longer === 0 ? 1 : 0;
    const record = Math.min(r1, r2) + 1;
    const unmatched = !this.#stopped && this.#queued > 0 && this.#queueSide === longer ? ` (${this.#nameAt(0)})` : '';
    this.reasons.push(
      reasonOf('PAIR_READ_COUNT', {
        file: this.#files[1],
        record,
        line: 4 * record - 3,
        expected: `${r1} reads, as many as ${this.#files[0]}`,
        found: `${r2}`,
        message: `R1 has ${r1} reads and R2 has ${r2}: expected equal read counts; ${this.#files[longer]} record ${record}${unmatched} has no mate in ${this.#files[shorter]}`,
      }),
    );
  }

  /** Stop comparing and let a waiting side go on (its mate failed to be read at all). */
  abort(): void {
    this.#stopped = true;
    this.#ended[0] = this.#ended[1] = true;
    this.#reliable[0] = this.#reliable[1] = false;
    this.#release();
  }

  #add(side: Mate, bytes: Uint8Array, start: number, end: number): void {
    const record = ++this.#counts[side]!;
    if (this.#stopped) return;
    if (this.#queued === 0 || this.#queueSide === side) {
      if (this.#ended[side === 0 ? 1 : 0]) {
        // The mate has ended: this record has no mate. finish() reports it from the queue head.
        if (this.#queued === 0) this.#enqueue(side, bytes, start, end);
        return;
      }
      this.#enqueue(side, bytes, start, end);
      return;
    }
    const length = this.#lengths[this.#lengthHead]!;
    let same = length === end - start;
    for (let i = 0; same && i < length; i++) if (this.#bytes[this.#byteHead + i] !== bytes[start + i]) same = false;
    if (!same) {
      const queuedName = this.#nameAt(0);
      const ownName = Buffer.from(bytes.subarray(start, end)).toString('latin1');
      const [r1Name, r2Name] = side === 1 ? [queuedName, ownName] : [ownName, queuedName];
      this.reasons.push(
        reasonOf('PAIR_READ_NAME', {
          file: this.#files[1],
          record,
          line: 4 * record - 3,
          expected: `read name ${JSON.stringify(r1Name)} (record ${record} of ${this.#files[0]})`,
          found: JSON.stringify(r2Name),
          message: `record ${record}: read names differ between mates: expected ${JSON.stringify(r1Name)} as in ${this.#files[0]}, found ${JSON.stringify(r2Name)} (records after it were not compared)`,
        }),
      );
      this.#stopped = true;
      this.#release();
      return;
    }
    this.#byteHead += length;
    this.#lengthHead = (this.#lengthHead + 1) & (this.#lengths.length - 1);
    this.#queued--;
    if (this.#queued === 0) this.#byteHead = this.#byteTail = 0;
    if (this.#waiter && this.#queued <= this.#highWater / 2) this.#release();
  }

  #enqueue(side: Mate, bytes: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.#byteTail + length > this.#bytes.length) {
      const used = this.#byteTail - this.#byteHead;
      const target = used + length > this.#bytes.length / 2 ? Buffer.alloc(this.#bytes.length * 2) : this.#bytes;
      this.#bytes.copy(target, 0, this.#byteHead, this.#byteTail);
      this.#bytes = target;
      this.#byteHead = 0;
      this.#byteTail = used;
    }
    for (let i = 0; i < length; i++) this.#bytes[this.#byteTail + i] = bytes[start + i]!;
    this.#byteTail += length;
    if (this.#queued === this.#lengths.length) {
      const grown = new Int32Array(this.#lengths.length * 2);
      for (let i = 0; i < this.#queued; i++) grown[i] = this.#lengths[(this.#lengthHead + i) & (this.#lengths.length - 1)]!;
      this.#lengths = grown;
      this.#lengthHead = 0;
    }
    this.#lengths[(this.#lengthHead + this.#queued) & (this.#lengths.length - 1)] = length;
    this.#queued++;
    this.#queueSide = side;
  }

  #nameAt(index: number): string {
    let offset = this.#byteHead;
    for (let i = 0; i < index; i++) offset += this.#lengths[(this.#lengthHead + i) & (this.#lengths.length - 1)]!;
    const length = this.#lengths[(this.#lengthHead + index) & (this.#lengths.length - 1)]!;
    return this.#bytes.toString('latin1', offset, offset + length);
  }

  #release(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve();
  }
}
