import { createHash, type Hash } from 'node:crypto';
import type { MateNameSink } from './FastqScanner.ts';

/**
 * What pairing needs of one file without its mate at hand: how many mate names it held and a SHA-256 of
 * those names in order (as the scanner hands them to {@link MatePairing}: header up to the first blank,
 * without `/1` `/2`). `reliable` is false when the file's data stopped early: its names then say nothing.
 */
export interface MateFingerprint {
  records: number;
  namesDigest: string;
  reliable: boolean;
}

/** Names are batched before hashing: one hash update per record would cost more than the names. */
const BATCH = 64 * 1024;
const NEWLINE = 0x0a;

/** A {@link MateNameSink} that digests the names instead of comparing them with a mate's. */
export class MateNamesDigest implements MateNameSink {
  readonly #hash: Hash = createHash('sha256');
  readonly #batch = Buffer.alloc(BATCH);
  #used = 0;
  #records = 0;

  add(bytes: Uint8Array, start: number, end: number): void {
    this.#records++;
    const length = end - start;
    if (this.#used + length + 1 > BATCH) this.#flush();
    if (length + 1 > BATCH) {
      this.#hash.update(bytes.subarray(start, end));
      this.#hash.update('\n');
      return;
    }
    this.#batch.set(bytes.subarray(start, end), this.#used);
    this.#used += length;
    // A read name holds no newline, so newline-separated names digest unambiguously.
    this.#batch[this.#used++] = NEWLINE;
  }

  fingerprint(reliable: boolean): MateFingerprint {
    this.#flush();
    return { records: this.#records, namesDigest: this.#hash.digest('hex'), reliable };
  }

  #flush(): void {
    if (this.#used === 0) return;
    this.#hash.update(this.#batch.subarray(0, this.#used));
    this.#used = 0;
  }
}

/**
 * Whether two mates are paired by their fingerprints alone: both read to the end, the same number of
 * records and the same names in the same order. Then {@link MatePairing} would find nothing; anything
 * else is decided by reading the two files in lockstep, so the reasons are its own.
 */
export function pairedByFingerprint(mate1: MateFingerprint, mate2: MateFingerprint): boolean {
  return mate1.reliable && mate2.reliable && mate1.records === mate2.records && mate1.namesDigest === mate2.namesDigest;
}
