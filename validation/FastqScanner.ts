import type { ReadStats, ValidationReason } from './types.ts';

const NEWLINE = 0x0a;
const AT = 0x40;
const PLUS = 0x2b;
const SPACE = 0x20;
const TAB = 0x09;
const SLASH = 0x2f;

const HEADER = 0;
const SEQUENCE = 1;
const SEPARATOR = 2;
const QUALITY = 3;

// Bases: one table lookup and one integer add per byte count G/C, A/C/G/T and invalid bytes at once
// (three 10-bit fields). A block of at most 1023 bytes keeps every field from overflowing into the next,
// and the sum stays a small integer V8 keeps in a register. A newline maps to -1 and ends the line.
const SEQ_BLOCK = 1023;
const GC = 1;
const ACGT = 1 << 10;
const BAD_BASE = 1 << 20;
const SEQ = new Int32Array(256).fill(BAD_BASE);
for (const c of 'ATat') SEQ[c.charCodeAt(0)] = ACGT;
for (const c of 'CGcg') SEQ[c.charCodeAt(0)] = ACGT + GC;
SEQ['N'.charCodeAt(0)] = 0;
SEQ['n'.charCodeAt(0)] = 0;
SEQ[NEWLINE] = -1;

// Qualities, the same way: Phred score (15 bits), Q ≥ 30 (8 bits), out of range (8 bits); blocks of 255.
const QUAL_BLOCK = 255;
const Q30 = 1 << 15;
const BAD_QUALITY = 1 << 23;
const QUAL = new Int32Array(256).fill(BAD_QUALITY);
for (let c = 33; c <= 126; c++) QUAL[c] = c - 33 + (c - 33 >= 30 ? Q30 : 0);
QUAL[NEWLINE] = -1;

/**
 * The same tables for two bytes at once (index: first byte | second byte << 8): half the lookups,
 * adds and exit tests in the two loops that see every base and quality. -1 when either byte is a
 * newline; the single-byte loop then finds which one. 256 KiB each, built once.
 */
function pairTable(single: Int32Array): Int32Array {
  const pairs = new Int32Array(65536);
  for (let a = 0; a < 256; a++) {
    for (let b = 0; b < 256; b++) pairs[a | (b << 8)] = single[a]! < 0 || single[b]! < 0 ? -1 : single[a]! + single[b]!;
  }
  return pairs;
}
const SEQ2 = pairTable(SEQ);
const QUAL2 = pairTable(QUAL);

const BASE_REPORTED = 1;
const QUALITY_REPORTED = 2;

/** Receives the mate name of every record (header after `@`, up to the first blank, `/1` `/2` removed). */
export interface MateNameSink {
  add(bytes: Uint8Array, start: number, end: number): void;
}

export interface FastqScannerOptions {
  /** Reasons kept per file; the rest are counted in one closing reason. @default 10 */
  maxReasons?: number;
  /** Receives each record's mate name (for R1/R2 pairing); names are not extracted without it. */
  mates?: MateNameSink;
}

/** `'X'` for a printable byte, else its code and a hint. */
export function describeByte(byte: number | undefined): string {
  if (byte === undefined) return 'end of file';
  if (byte === NEWLINE) return 'an empty line';
  if (byte === 0x0d) return 'a carriage return (byte 0x0d: Windows line endings?)';
  if (byte === 0) return 'a NUL byte (0x00)';
  if (byte > 32 && byte < 127) return `'${String.fromCharCode(byte)}'`;
  return `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

function excerpt(bytes: Uint8Array, start: number): string {
  let end = start;
  while (end < bytes.length && end - start < 40 && bytes[end] !== NEWLINE) end++;
  if (end === start) return describeByte(bytes[start]);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1');
  return JSON.stringify(end - start === 40 ? `${text}…` : text);
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * A byte-level FASTQ state machine: feed it decompressed chunks of any size, it checks every record
 * (4 lines, `@` header, `+` separator, bases ACGTN in either case, qualities `!`..`~`, quality as long
 * as the sequence, complete last record) and computes {@link ReadStats} on the way. No string is made
 * per line or record: lines are found with table lookups in tight loops, because this runs over tens
 * of gigabytes per run and must keep up with gunzip.
 *
 * Problems become {@link ValidationReason}s with file, line, record and expected vs found. After a framing
 * problem (a missing `@` or `+`) lines can no longer be attributed to records, so scanning stops there.
 * A quality line that starts with `@` is fine: lines are classified by position, never by content.
 * Blank lines are tolerated only at the end of the file.
 *
 * @example
 * const scanner = new FastqScanner('S1_R1_001.fastq');
 * scanner.push(Buffer.from('@r1\nACGT\n+\nIIII\n'));
 * scanner.end();
 * scanner.stats().reads; // 1
 */
export class FastqScanner {
  readonly file: string;
  readonly reasons: ValidationReason[] = [];
  readonly #maxReasons: number;
  readonly #mates: MateNameSink | undefined;
  #suppressed = 0;
  #stopped = false;

  #kind = HEADER;
  /** 1-based number of the line being read. */
  #line = 1;
  /** Bytes of the current line seen so far (newline excluded). */
  #lineLength = 0;
  #sequenceLength = 0;
  /** Problems already reported for the current record, so a read of 150 bad bases is one reason. */
  #recordReported = 0;
  /** First blank line where a header was expected (fine only if nothing but blank lines follows). */
  #blankLine = 0;

  // A mate name cut by a chunk boundary is assembled here.
  #name = Buffer.alloc(256);
  #nameLength = 0;
  #nameDone = false;

  #reads = 0;
  #bases = 0;
  #minLength = Number.POSITIVE_INFINITY;
  #maxLength = 0;
  #gc = 0;
  #acgt = 0;
  #qualitySum = 0;
  #qualityCount = 0;
  #q30 = 0;

  constructor(file: string, options: FastqScannerOptions = {}) {
    this.file = file;
    this.#maxReasons = options.maxReasons ?? 10;
    this.#mates = options.mates;
  }

  /** Complete records so far. */
  get records(): number {
    return this.#reads;
  }

  /** The line being read (1-based); after `end()`, one past the last line. */
  get line(): number {
    return this.#line;
  }

  /** True once lines can no longer be attributed to records (a framing problem was found). */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Scan the next decompressed bytes; records and lines may be cut anywhere. */
  push(chunk: Uint8Array): void {
    const length = chunk.length;
    let pos = 0;
    while (pos < length && !this.#stopped) {
      switch (this.#kind) {
        case HEADER:
          pos = this.#header(chunk, pos);
          break;
        case SEQUENCE:
          pos = this.#sequence(chunk, pos);
          break;
        case SEPARATOR:
          pos = this.#separator(chunk, pos);
          break;
        default:
          pos = this.#quality(chunk, pos);
      }
    }
  }

  /** End of the data: completes a last line without newline, reports an incomplete last record. */
  end(): void {
    if (this.#stopped) {
      this.#closeReasons();
      return;
    }
    if (this.#kind === QUALITY && this.#lineLength > 0) {
      this.#endRecord();
    } else if (this.#kind !== HEADER || this.#lineLength > 0) {
      const started = this.#lineLength > 0;
      const missing = [
        'a sequence line',
        started ? "a '+' separator line" : 'a sequence line',
        started ? 'a quality line' : "a '+' separator line",
        'a quality line',
      ][this.#kind]!;
      const lastLine = started ? this.#line : this.#line - 1;
      this.#report({
        line: lastLine,
        record: this.#reads + 1,
        expected: `${missing} to complete record ${this.#reads + 1} (4 lines per record)`,
        found: 'end of file',
        message: `line ${lastLine}: record ${this.#reads + 1} is incomplete: expected ${missing}, found end of file`,
      });
    } else if (this.#reads === 0 && this.#blankLine === 0) {
      this.#report({
        expected: 'at least one FASTQ record',
        found: 'no records',
        message: 'expected at least one FASTQ record, found none',
      });
    }
    this.#closeReasons();
  }

  /** Statistics of the complete records scanned (see {@link ReadStats} for the definitions). */
  stats(): ReadStats {
    const reads = this.#reads;
    return {
      reads,
      bases: this.#bases,
      minLength: reads === 0 ? 0 : this.#minLength,
      meanLength: reads === 0 ? 0 : round2(this.#bases / reads),
      maxLength: this.#maxLength,
      gcPercent: this.#acgt === 0 ? 0 : round2((this.#gc / this.#acgt) * 100),
      meanQuality: this.#qualityCount === 0 ? 0 : round2(this.#qualitySum / this.#qualityCount),
      q30Percent: this.#qualityCount === 0 ? 0 : round2((this.#q30 / this.#qualityCount) * 100),
    };
  }

  #header(chunk: Uint8Array, pos: number): number {
    const length = chunk.length;
    if (this.#lineLength === 0) {
      const first = chunk[pos];
      if (first === NEWLINE) {
        if (this.#blankLine === 0) this.#blankLine = this.#line;
        this.#line++;
        return pos + 1;
      }
      if (this.#blankLine !== 0) {
        this.#frame(this.#blankLine, "a header line starting with '@' (blank lines are allowed only at the end)", 'an empty line');
        return length;
      }
      if (first !== AT) {
        this.#frame(this.#line, "a header line starting with '@'", excerpt(chunk, pos));
        return length;
      }
      this.#nameLength = 0;
      this.#nameDone = this.#mates === undefined;
    }
    let i = pos;
    if (!this.#nameDone) {
      const start = this.#lineLength === 0 ? pos + 1 : pos;
      i = start;
      while (i < length) {
        const byte = chunk[i];
        if (byte === NEWLINE || byte === SPACE || byte === TAB) break;
        i++;
      }
      if (i === length) {
        this.#keepName(chunk, start, i);
        this.#lineLength += length - pos;
        return length;
      }
      if (this.#nameLength === 0) {
        this.#emitName(chunk, start, i);
      } else {
        this.#keepName(chunk, start, i);
        this.#emitName(this.#name, 0, this.#nameLength);
      }
      this.#nameDone = true;
    }
    const newline = chunk[i] === NEWLINE ? i : chunk.indexOf(NEWLINE, i);
    if (newline < 0) {
      this.#lineLength += length - pos;
      return length;
    }
    this.#lineLength = 0;
    this.#kind = SEQUENCE;
    this.#line++;
    return newline + 1;
  }

  #sequence(chunk: Uint8Array, pos: number): number {
    const length = chunk.length;
    let i = pos;
    let blockStart = pos;
    let gc = 0;
    let acgt = 0;
    for (;;) {
      const limit = Math.min(length, blockStart + SEQ_BLOCK);
      let acc = 0;
      while (i + 1 < limit) {
        const value = SEQ2[chunk[i]! | (chunk[i + 1]! << 8)]!;
        if (value < 0) break;
        acc += value;
        i += 2;
      }
      while (i < limit) {
        const value = SEQ[chunk[i]!]!;
        if (value < 0) break;
        acc += value;
        i++;
      }
      gc += acc & 1023;
      acgt += (acc >>> 10) & 1023;
      if (acc >>> 20 !== 0) this.#badBase(chunk, pos, blockStart, i);
      if (i < limit || i === length) break;
      blockStart = i;
    }
    this.#gc += gc;
    this.#acgt += acgt;
    this.#lineLength += i - pos;
    if (i === length) return length;
    this.#sequenceLength = this.#lineLength;
    this.#lineLength = 0;
    this.#kind = SEPARATOR;
    this.#line++;
    return i + 1;
  }

  #separator(chunk: Uint8Array, pos: number): number {
    if (this.#lineLength === 0 && chunk[pos] !== PLUS) {
      this.#frame(this.#line, "a separator line starting with '+'", excerpt(chunk, pos));
      return chunk.length;
    }
    const newline = chunk.indexOf(NEWLINE, pos);
    if (newline < 0) {
      this.#lineLength += chunk.length - pos;
      return chunk.length;
    }
    this.#lineLength = 0;
    this.#kind = QUALITY;
    this.#line++;
    return newline + 1;
  }

  #quality(chunk: Uint8Array, pos: number): number {
    const length = chunk.length;
    let i = pos;
    let blockStart = pos;
    let sum = 0;
    let q30 = 0;
    for (;;) {
      const limit = Math.min(length, blockStart + QUAL_BLOCK);
      let acc = 0;
      while (i + 1 < limit) {
        const value = QUAL2[chunk[i]! | (chunk[i + 1]! << 8)]!;
        if (value < 0) break;
        acc += value;
        i += 2;
      }
      while (i < limit) {
        const value = QUAL[chunk[i]!]!;
        if (value < 0) break;
        acc += value;
        i++;
      }
      sum += acc & 0x7fff;
      q30 += (acc >>> 15) & 0xff;
      if (acc >>> 23 !== 0) this.#badQuality(chunk, pos, blockStart, i);
      if (i < limit || i === length) break;
      blockStart = i;
    }
    this.#qualitySum += sum;
    this.#q30 += q30;
    this.#lineLength += i - pos;
    if (i === length) return length;
    this.#endRecord();
    return i + 1;
  }

  #endRecord(): void {
    const quality = this.#lineLength;
    const sequence = this.#sequenceLength;
    if (quality !== sequence) {
      this.#report({
        line: this.#line,
        record: this.#reads + 1,
        expected: `${sequence} quality characters (the sequence length on line ${this.#line - 2})`,
        found: `${quality}`,
        message: `line ${this.#line}: record ${this.#reads + 1} has ${quality} quality characters for ${sequence} bases: expected ${sequence}, found ${quality}`,
      });
    }
    this.#reads++;
    this.#bases += sequence;
    if (sequence < this.#minLength) this.#minLength = sequence;
    if (sequence > this.#maxLength) this.#maxLength = sequence;
    this.#qualityCount += quality;
    this.#recordReported = 0;
    this.#lineLength = 0;
    this.#kind = HEADER;
    this.#line++;
  }

  #badBase(chunk: Uint8Array, lineStart: number, from: number, to: number): void {
    if (this.#recordReported & BASE_REPORTED) return;
    this.#recordReported |= BASE_REPORTED;
    let at = from;
    while (at < to && SEQ[chunk[at]!] !== BAD_BASE) at++;
    const column = this.#lineLength + (at - lineStart) + 1;
    const found = describeByte(chunk[at]);
    this.#report({
      line: this.#line,
      record: this.#reads + 1,
      expected: 'a base A, C, G, T or N (either case)',
      found,
      message: `line ${this.#line}, column ${column}: record ${this.#reads + 1} has an invalid base: expected A, C, G, T or N, found ${found}`,
    });
  }

  #badQuality(chunk: Uint8Array, lineStart: number, from: number, to: number): void {
    if (this.#recordReported & QUALITY_REPORTED) return;
    this.#recordReported |= QUALITY_REPORTED;
    let at = from;
    while (at < to && QUAL[chunk[at]!] !== BAD_QUALITY) at++;
    const column = this.#lineLength + (at - lineStart) + 1;
    const found = describeByte(chunk[at]);
    this.#report({
      line: this.#line,
      record: this.#reads + 1,
      expected: "a quality character from '!' to '~' (Phred+33)",
      found,
      message: `line ${this.#line}, column ${column}: record ${this.#reads + 1} has a quality character out of range: expected '!' to '~', found ${found}`,
    });
  }

  #keepName(chunk: Uint8Array, start: number, end: number): void {
    const needed = this.#nameLength + (end - start);
    if (needed > this.#name.length) {
      const grown = Buffer.alloc(Math.max(needed, this.#name.length * 2));
      this.#name.copy(grown, 0, 0, this.#nameLength);
      this.#name = grown;
    }
    this.#name.set(chunk.subarray(start, end), this.#nameLength);
    this.#nameLength = needed;
  }

  #emitName(bytes: Uint8Array, start: number, end: number): void {
    // `name/1` and `name/2` (older Illumina, SRA) are the same fragment.
    if (end - start >= 2 && bytes[end - 2] === SLASH && (bytes[end - 1] === 0x31 || bytes[end - 1] === 0x32)) end -= 2;
    this.#mates!.add(bytes, start, end);
  }

  #frame(line: number, expected: string, found: string): void {
    const record = this.#reads + 1;
    this.#report({
      line,
      record,
      expected,
      found,
      message: `line ${line}: record ${record}: expected ${expected}, found ${found} (later records were not checked)`,
    });
    this.#stopped = true;
  }

  #report(reason: Omit<ValidationReason, 'file'>): void {
    if (this.reasons.length < this.#maxReasons) this.reasons.push({ file: this.file, ...reason });
    else this.#suppressed++;
  }

  #closeReasons(): void {
    if (this.#suppressed > 0) {
      this.reasons.push({
        file: this.file,
        message: `${this.#suppressed} more problem${this.#suppressed === 1 ? '' : 's'} in this file not listed`,
      });
      this.#suppressed = 0;
    }
  }
}
