import { type RuleCode, reasonOf } from './rules.ts';
import type { QualityEncoding, ReadStats, ValidationReason } from './types.ts';

const NEWLINE = 0x0a;
const AT = 0x40;
const PLUS = 0x2b;
const SPACE = 0x20;
const TAB = 0x09;
const SLASH = 0x2f;
const DOT = 0x2e;
const CR = 0x0d;

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
/** With `legacyNoCalls`: a '.' (the no-call of old Illumina pipelines and SRA dumps) counts as N. */
const SEQ_DOT = SEQ.slice();
SEQ_DOT[DOT] = 0;

// Qualities, the same way, in blocks of 255: the Phred+33 score (15 bits), Q ≥ 30 on the +33 scale
// (from '?', 8 bits) and Q ≥ 30 on the +64 scale (from '^', 8 bits), so one pass yields the statistics
// on whichever scale the file turns out to use. A byte outside '!'..'~' is -2: it ends the tight loop
// and is reported by the slower path (it only occurs in invalid files).
const QUAL_BLOCK = 255;
const Q30_PHRED33 = 1 << 15;
const Q30_PHRED64 = 1 << 23;
/** '?': Q30 on the Phred+33 scale. */
const Q30_CHAR_PHRED33 = 33 + 30;
/** '^': Q30 on the Phred+64 scale. */
const Q30_CHAR_PHRED64 = 64 + 30;
/** 'i': Q41, the highest score Illumina's Phred+64 pipelines (1.3–1.7) wrote. */
const MAX_CHAR_PHRED64 = 64 + 41;
const OUTSIDE = -2;
const QUAL = new Int32Array(256).fill(OUTSIDE);
for (let c = 33; c <= 126; c++) QUAL[c] = c - 33 + (c >= Q30_CHAR_PHRED33 ? Q30_PHRED33 : 0) + (c >= Q30_CHAR_PHRED64 ? Q30_PHRED64 : 0);
QUAL[NEWLINE] = -1;
/**
 * While a file could still be Phred+64, characters above 'i' leave the tight loop too: the first one
 * rules Phred+64 out and switches the scanner to {@link QUAL} (PacBio HiFi data writes '~' often).
 */
const QUAL_UNTIL_ABOVE_PHRED64 = QUAL.slice();
QUAL_UNTIL_ABOVE_PHRED64.fill(OUTSIDE, MAX_CHAR_PHRED64 + 1, 127);

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
const QUAL2_UNTIL_ABOVE_PHRED64 = pairTable(QUAL_UNTIL_ABOVE_PHRED64);
let seqDot2: Int32Array | undefined;

const BASE_REPORTED = 1;
const QUALITY_REPORTED = 2;
const SEPARATOR_REPORTED = 4;

/** Receives the mate name of every record (header after `@`, up to the first blank, `/1` `/2` removed). */
export interface MateNameSink {
  add(bytes: Uint8Array, start: number, end: number): void;
}

export interface FastqScannerOptions {
  /** Reasons kept per file; the rest are counted in one closing reason. @default 10 */
  maxReasons?: number;
  /** Receives each record's mate name (for R1/R2 pairing); names are not extracted without it. */
  mates?: MateNameSink;
  /**
   * Accept '.' in sequences as a no-call and count it as N (`validation.legacyNoCalls`); otherwise a
   * '.' is rejected with a hint naming that setting. @default false
   */
  legacyNoCalls?: boolean;
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

/** Longest `+` line text kept to show in a reason. */
const SHOWN_TEXT = 120;

function quoted(bytes: Uint8Array, length: number): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(length, SHOWN_TEXT)).toString('latin1');
  return JSON.stringify(length > SHOWN_TEXT ? `${text}…` : text);
}

/**
 * A byte-level FASTQ state machine: feed it decompressed chunks of any size, it checks every record
 * (4 lines, `@` header, `+` separator that repeats the title if it has text, bases ACGTN in either case,
 * qualities `!`..`~`, quality as long as the sequence, complete last record), finds the quality
 * encoding, and computes {@link ReadStats} on the way. No string is made per line or record: lines are
 * found with table lookups in tight loops, because this runs over tens of gigabytes per run and must
 * keep up with gunzip. Each reason carries the code of its rule (validation/rules.ts).
 *
 * Quality encoding: Phred+64 (Illumina 1.3–1.7) when no quality character is below '?' (Q30 on the
 * +33 scale), at least one is '^' or above (Q30 on the +64 scale, Q61 on the +33 scale: above anything
 * Illumina writes in Phred+33) and none is above 'i' (Q41 on the +64 scale). Otherwise Phred+33. A
 * Phred+64 file is rejected (FASTQ_PHRED64) with its statistics on the +64 scale and how to convert it:
 * the step programs and the tools pipelines run read Phred+33, and would silently misjudge every base.
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

  // The current record's title (header after '@'), for a '+' line that repeats it. It is located in the
  // chunk it came in and copied only when a chunk ends before the '+' line is read.
  #titleIn: Uint8Array | undefined;
  #titleStart = 0;
  #titleEnd = 0;
  #titleCopy = Buffer.alloc(256);
  #titleCopied = 0;
  /** Text after '+' so far, and where it first differed from the title (-1: not yet). */
  #plusLength = 0;
  #plusDiffers = -1;
  #plusLast = 0;
  #plusText = Buffer.alloc(SHOWN_TEXT);

  readonly #seq2: Int32Array;
  readonly #seq: Int32Array;
  #qual: Int32Array = QUAL_UNTIL_ABOVE_PHRED64;
  #qual2: Int32Array = QUAL2_UNTIL_ABOVE_PHRED64;
  /** A quality character above 'i' was seen: the file is not Phred+64. */
  #aboveMaxPhred64 = false;

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
  #outsideQualities = 0;
  #q30Phred33 = 0;
  #q30Phred64 = 0;

  constructor(file: string, options: FastqScannerOptions = {}) {
    this.file = file;
    this.#maxReasons = options.maxReasons ?? 10;
    this.#mates = options.mates;
    this.#seq = options.legacyNoCalls ? SEQ_DOT : SEQ;
    if (options.legacyNoCalls) seqDot2 ??= pairTable(SEQ_DOT);
    this.#seq2 = options.legacyNoCalls ? seqDot2! : SEQ2;
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
    if (!this.#stopped) this.#keepTitle(chunk);
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
      this.#report('FASTQ_INCOMPLETE_RECORD', {
        line: lastLine,
        record: this.#reads + 1,
        expected: `${missing} to complete record ${this.#reads + 1} (4 lines per record)`,
        found: 'end of file',
        message: `line ${lastLine}: record ${this.#reads + 1} is incomplete: expected ${missing}, found end of file`,
      });
    } else if (this.#reads === 0 && this.#blankLine === 0) {
      this.#report('FASTQ_NO_RECORDS', {
        expected: 'at least one FASTQ record',
        found: 'no records',
        message: 'expected at least one FASTQ record, found none',
      });
    }
    if (this.qualityEncoding() === 'phred+64') this.#reportPhred64();
    this.#closeReasons();
  }

  /**
   * The quality encoding of the records scanned (see the class comment for how it is told), or
   * undefined before any quality character.
   */
  qualityEncoding(): QualityEncoding | undefined {
    const valid = this.#qualityCount - this.#outsideQualities;
    if (valid === 0) return undefined;
    const belowQ30Phred33 = valid - this.#q30Phred33;
    return belowQ30Phred33 === 0 && this.#q30Phred64 > 0 && !this.#aboveMaxPhred64 ? 'phred+64' : 'phred+33';
  }

  /** Statistics of the complete records scanned (see {@link ReadStats} for the definitions). */
  stats(): ReadStats {
    const reads = this.#reads;
    const phred64 = this.qualityEncoding() === 'phred+64';
    const valid = this.#qualityCount - this.#outsideQualities;
    const qualitySum = phred64 ? this.#qualitySum - 31 * valid : this.#qualitySum;
    const q30 = phred64 ? this.#q30Phred64 : this.#q30Phred33;
    return {
      reads,
      bases: this.#bases,
      minLength: reads === 0 ? 0 : this.#minLength,
      meanLength: reads === 0 ? 0 : round2(this.#bases / reads),
      maxLength: this.#maxLength,
      gcPercent: this.#acgt === 0 ? 0 : round2((this.#gc / this.#acgt) * 100),
      meanQuality: this.#qualityCount === 0 ? 0 : round2(qualitySum / this.#qualityCount),
      q30Percent: this.#qualityCount === 0 ? 0 : round2((q30 / this.#qualityCount) * 100),
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
        this.#frame(
          'FASTQ_BLANK_LINE',
          this.#blankLine,
          "a header line starting with '@' (blank lines are allowed only at the end)",
          'an empty line',
        );
        return length;
      }
      if (first !== AT) {
        this.#frame('FASTQ_HEADER', this.#line, "a header line starting with '@'", excerpt(chunk, pos));
        return length;
      }
      this.#nameLength = 0;
      this.#nameDone = this.#mates === undefined;
      this.#titleIn = chunk;
      this.#titleStart = pos + 1;
      this.#titleCopied = 0;
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
    if (this.#titleIn === chunk) this.#titleEnd = newline;
    else this.#copyTitle(chunk, pos, newline);
    this.#lineLength = 0;
    this.#kind = SEQUENCE;
    this.#line++;
    return newline + 1;
  }

  #sequence(chunk: Uint8Array, pos: number): number {
    const length = chunk.length;
    const SEQ = this.#seq;
    const SEQ2 = this.#seq2;
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
    let from = pos;
    if (this.#lineLength === 0) {
      if (chunk[pos] !== PLUS) {
        this.#frame('FASTQ_SEPARATOR', this.#line, "a separator line starting with '+'", excerpt(chunk, pos));
        return chunk.length;
      }
      // A bare '+' (what current instruments write): nothing to compare.
      if (chunk[pos + 1] === NEWLINE) {
        this.#kind = QUALITY;
        this.#line++;
        return pos + 2;
      }
      from = pos + 1;
      this.#lineLength = 1;
      this.#plusLength = 0;
      this.#plusDiffers = -1;
    }
    const newline = chunk.indexOf(NEWLINE, from);
    const end = newline < 0 ? chunk.length : newline;
    this.#comparePlusText(chunk, from, end);
    if (newline < 0) {
      this.#lineLength += chunk.length - from;
      return chunk.length;
    }
    if (this.#plusLength > 0) this.#checkPlusText();
    this.#lineLength = 0;
    this.#kind = QUALITY;
    this.#line++;
    return newline + 1;
  }

  /** Compares text after '+' with the record's title, byte by byte, as it arrives. */
  #comparePlusText(chunk: Uint8Array, from: number, to: number): void {
    const titleLength = this.#titleLength();
    for (let at = from; at < to; at++) {
      const k = this.#plusLength++;
      const byte = chunk[at]!;
      if (k < SHOWN_TEXT) this.#plusText[k] = byte;
      this.#plusLast = byte;
      if (this.#plusDiffers < 0 && (k >= titleLength || this.#titleByte(k) !== byte)) this.#plusDiffers = k;
    }
  }

  /** The '+' line repeats the whole title, or its name (up to the first blank); anything else is reported. */
  #checkPlusText(): void {
    // A carriage return ending both lines is a Windows line ending, reported where it breaks the sequence.
    const length = this.#plusLast === CR ? this.#plusLength - 1 : this.#plusLength;
    const fullTitle = this.#titleLength();
    const titleLength = fullTitle > 0 && this.#titleByte(fullTitle - 1) === CR ? fullTitle - 1 : fullTitle;
    if (length === 0) return;
    let nameLength = 0;
    while (nameLength < titleLength && this.#titleByte(nameLength) !== SPACE && this.#titleByte(nameLength) !== TAB) nameLength++;
    const matchesUpTo = this.#plusDiffers < 0 ? length : this.#plusDiffers;
    if (matchesUpTo >= length && (length === titleLength || length === nameLength)) return;
    const title = Buffer.alloc(titleLength);
    for (let k = 0; k < titleLength; k++) title[k] = this.#titleByte(k);
    const plus = quoted(this.#plusText, length);
    const header = quoted(title, titleLength);
    this.#reportOncePerRecord(SEPARATOR_REPORTED, 'FASTQ_PLUS_NAME_MISMATCH', {
      line: this.#line,
      record: this.#reads + 1,
      expected: `a bare '+', or '+' followed by the title of the '@' line (${header}) or its name`,
      found: `'+' followed by ${plus}`,
      message: `line ${this.#line}: record ${this.#reads + 1} has '+' followed by ${plus}, but its '@' line (line ${this.#line - 2}) names ${header}: the '+' line must be bare or repeat the '@' title`,
    });
  }

  #titleLength(): number {
    return this.#titleIn ? this.#titleEnd - this.#titleStart : this.#titleCopied;
  }

  #titleByte(k: number): number {
    return this.#titleIn ? this.#titleIn[this.#titleStart + k]! : this.#titleCopy[k]!;
  }

  /** Appends `chunk[from, to)` to the copied title (a header cut by a chunk boundary). */
  #copyTitle(chunk: Uint8Array, from: number, to: number): void {
    const needed = this.#titleCopied + (to - from);
    if (needed > this.#titleCopy.length) {
      const grown = Buffer.alloc(Math.max(needed, this.#titleCopy.length * 2));
      this.#titleCopy.copy(grown, 0, 0, this.#titleCopied);
      this.#titleCopy = grown;
    }
    this.#titleCopy.set(chunk.subarray(from, to), this.#titleCopied);
    this.#titleCopied = needed;
  }

  /** At the end of a chunk: a title still needed (header, sequence or '+' line unfinished) is copied out of it. */
  #keepTitle(chunk: Uint8Array): void {
    if (this.#kind === QUALITY) return;
    if (this.#kind === HEADER) {
      if (this.#lineLength === 0) return;
      // The header goes on in the next chunk.
      if (this.#titleIn === chunk) this.#copyTitle(chunk, this.#titleStart, chunk.length);
      else this.#copyTitle(chunk, 0, chunk.length);
      this.#titleIn = undefined;
      return;
    }
    if (this.#titleIn === chunk) {
      this.#copyTitle(chunk, this.#titleStart, this.#titleEnd);
      this.#titleIn = undefined;
    }
  }

  #quality(chunk: Uint8Array, pos: number): number {
    const length = chunk.length;
    let qual = this.#qual;
    let qual2 = this.#qual2;
    let i = pos;
    let blockStart = pos;
    let sum = 0;
    let q30Phred33 = 0;
    let q30Phred64 = 0;
    for (;;) {
      const limit = Math.min(length, blockStart + QUAL_BLOCK);
      let acc = 0;
      while (i + 1 < limit) {
        const value = qual2[chunk[i]! | (chunk[i + 1]! << 8)]!;
        if (value < 0) break;
        acc += value;
        i += 2;
      }
      while (i < limit) {
        const value = qual[chunk[i]!]!;
        if (value < 0) break;
        acc += value;
        i++;
      }
      sum += acc & 0x7fff;
      q30Phred33 += (acc >>> 15) & 0xff;
      q30Phred64 += acc >>> 23;
      if (i < limit && chunk[i] !== NEWLINE) {
        // Out of the tight loop for a byte outside '!'..'~', or the first above 'i' (not Phred+64).
        const byte = chunk[i]!;
        if (QUAL[byte]! < 0) {
          this.#outsideQualities++;
          this.#badQuality(chunk, pos, i);
        } else {
          this.#aboveMaxPhred64 = true;
          this.#qual = qual = QUAL;
          this.#qual2 = qual2 = QUAL2;
          const value = QUAL[byte]!;
          sum += value & 0x7fff;
          q30Phred33 += (value >>> 15) & 0xff;
          q30Phred64 += value >>> 23;
        }
        i++;
        blockStart = i;
        continue;
      }
      if (i < limit || i === length) break;
      blockStart = i;
    }
    this.#qualitySum += sum;
    this.#q30Phred33 += q30Phred33;
    this.#q30Phred64 += q30Phred64;
    this.#lineLength += i - pos;
    if (i === length) return length;
    this.#endRecord();
    return i + 1;
  }

  #endRecord(): void {
    const quality = this.#lineLength;
    const sequence = this.#sequenceLength;
    if (quality !== sequence) {
      this.#report('FASTQ_QUALITY_LENGTH', {
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
    while (at < to && this.#seq[chunk[at]!] !== BAD_BASE) at++;
    const column = this.#lineLength + (at - lineStart) + 1;
    const where = `line ${this.#line}, column ${column}: record ${this.#reads + 1}`;
    if (chunk[at] === DOT) {
      this.#report('FASTQ_LEGACY_NO_CALL', {
        line: this.#line,
        record: this.#reads + 1,
        expected: 'a base A, C, G, T or N (either case)',
        found: "'.', a legacy no-call",
        message: `${where} has '.', the no-call of old Illumina pipelines and SRA dumps: set validation.legacyNoCalls: true in landfall.config.ts to accept it as N, or replace '.' with N`,
      });
      return;
    }
    const found = describeByte(chunk[at]);
    this.#report('FASTQ_INVALID_BASE', {
      line: this.#line,
      record: this.#reads + 1,
      expected: 'a base A, C, G, T or N (either case)',
      found,
      message: `${where} has an invalid base: expected A, C, G, T or N, found ${found}`,
    });
  }

  #badQuality(chunk: Uint8Array, lineStart: number, at: number): void {
    if (this.#recordReported & QUALITY_REPORTED) return;
    this.#recordReported |= QUALITY_REPORTED;
    const column = this.#lineLength + (at - lineStart) + 1;
    const found = describeByte(chunk[at]);
    this.#report('FASTQ_QUALITY_RANGE', {
      line: this.#line,
      record: this.#reads + 1,
      expected: "a quality character from '!' to '~' (Phred+33)",
      found,
      message: `line ${this.#line}, column ${column}: record ${this.#reads + 1} has a quality character out of range: expected '!' to '~', found ${found}`,
    });
  }

  #reportPhred64(): void {
    const { meanQuality, q30Percent } = this.stats();
    this.reasons.push(
      reasonOf('FASTQ_PHRED64', {
        file: this.file,
        expected: 'Phred+33 quality characters (Sanger, Illumina 1.8 and later)',
        found: "Phred+64 (Illumina 1.3–1.7): no quality below '?' and some from '^' up, none above 'i'",
        message:
          `Phred+64 quality encoding (Illumina 1.3–1.7): on that scale mean quality ${meanQuality}, Q30 ${q30Percent}%. ` +
          'Landfall expects Phred+33, as the step programs and pipeline tools read it: convert the file ' +
          // Illumina-1.3+ shifts every score by 31 as it is (Illumina-1.5+ would turn the 'B' tail marks into Q0).
          `(seqkit convert --from Illumina-1.3+ --to Sanger ${this.file} -o <name>.fastq.gz) and copy it into the run folder again`,
      }),
    );
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

  #frame(code: RuleCode, line: number, expected: string, found: string): void {
    const record = this.#reads + 1;
    this.#report(code, {
      line,
      record,
      expected,
      found,
      message: `line ${line}: record ${record}: expected ${expected}, found ${found} (later records were not checked)`,
    });
    this.#stopped = true;
  }

  #reportOncePerRecord(kind: number, code: RuleCode, reason: Omit<ValidationReason, 'file' | 'code'>): void {
    if (this.#recordReported & kind) return;
    this.#recordReported |= kind;
    this.#report(code, reason);
  }

  #report(code: RuleCode, reason: Omit<ValidationReason, 'file' | 'code'>): void {
    if (this.reasons.length < this.#maxReasons) this.reasons.push(reasonOf(code, { file: this.file, ...reason }));
    else this.#suppressed++;
  }

  #closeReasons(): void {
    if (this.#suppressed > 0) {
      this.reasons.push(
        reasonOf('MORE_PROBLEMS', {
          file: this.file,
          message: `${this.#suppressed} more problem${this.#suppressed === 1 ? '' : 's'} in this file not listed`,
        }),
      );
      this.#suppressed = 0;
    }
  }
}
