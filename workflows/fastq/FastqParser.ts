import { FastqFormatError } from './errors.ts';

/** One FASTQ record. Text is kept exactly as read (latin1, so every byte maps to one char). */
export interface FastqRecord {
  /** Header line without the leading `@`, comment included (`A00123:8:HXX:1:1101:1000:2000 1:N:0:ACGT`). */
  name: string;
  sequence: string;
  /** Separator line without the leading `+` (usually empty). */
  plus: string;
  quality: string;
  /** 1-based line number of the header line in the (decompressed) file. */
  line: number;
}

const AT = 64; // '@'
const PLUS = 43; // '+'
const CR = 13;

/**
 * Push parser for 4-line FASTQ: feed it text in arbitrary chunks, it appends complete records.
 * Lines are split with `indexOf('\n')` on whole chunks (no per-line regex) because this runs over
 * tens of gigabytes per sample. A trailing `\r` is dropped (files edited on Windows). Blank lines
 * are tolerated only at the end of the file. Multi-line (wrapped) FASTQ is rejected: Illumina
 * never writes it and accepting it would make line numbers in errors meaningless.
 *
 * @example
 * const parser = new FastqParser('reads.fastq');
 * const records: FastqRecord[] = [];
 * parser.push('@r1\nACGT\n+\nIIII\n', records);
 * parser.end(records); // throws FastqFormatError if the last record is incomplete
 */
export class FastqParser {
  readonly #file: string;
  #rest = '';
  #lineNo = 0;
  #state: 0 | 1 | 2 | 3 = 0;
  #name = '';
  #sequence = '';
  #plus = '';
  #recordLine = 0;
  #blankLine = 0;
  #records = 0;

  /** @param file name used in error messages */
  constructor(file: string) {
    this.#file = file;
  }

  /** Lines fully consumed so far. */
  get line(): number {
    return this.#lineNo;
  }

  /** Records completed so far. */
  get records(): number {
    return this.#records;
  }

  /** Parse `text` (continuing any partial line from the previous chunk) and append complete records to `out`. */
  push(text: string, out: FastqRecord[]): void {
    const buffer = this.#rest.length > 0 ? this.#rest + text : text;
    let pos = 0;
    for (;;) {
      const nl = buffer.indexOf('\n', pos);
      if (nl < 0) break;
      const end = nl > pos && buffer.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      this.#consume(buffer.slice(pos, end), out);
      pos = nl + 1;
    }
    this.#rest = pos < buffer.length ? buffer.slice(pos) : '';
  }

  /** Signal end of input: parses a last line without newline and throws if a record is incomplete. */
  end(out: FastqRecord[]): void {
    if (this.#rest.length > 0) {
      const last = this.#rest.charCodeAt(this.#rest.length - 1) === CR ? this.#rest.slice(0, -1) : this.#rest;
      this.#rest = '';
      this.#consume(last, out);
    }
    if (this.#state !== 0) {
      const missing = this.#state === 1 ? 'a sequence line' : this.#state === 2 ? "a '+' separator line" : 'a quality line';
      throw new FastqFormatError(
        this.#file,
        this.#lineNo + 1,
        `${missing} to complete the record that starts on line ${this.#recordLine} (truncated record)`,
        'end of file',
      );
    }
  }

  #consume(line: string, out: FastqRecord[]): void {
    const lineNo = ++this.#lineNo;
    switch (this.#state) {
      case 0:
        if (line.length === 0) {
          if (this.#blankLine === 0) this.#blankLine = lineNo;
          return;
        }
        if (this.#blankLine !== 0) {
          throw new FastqFormatError(this.#file, this.#blankLine, "a header line starting with '@'", 'an empty line');
        }
        if (line.charCodeAt(0) !== AT) {
          throw new FastqFormatError(this.#file, lineNo, "a header line starting with '@'", describe(line));
        }
        this.#name = line.slice(1);
        this.#recordLine = lineNo;
        this.#state = 1;
        return;
      case 1:
        this.#sequence = line;
        this.#state = 2;
        return;
      case 2:
        if (line.charCodeAt(0) !== PLUS) {
          throw new FastqFormatError(this.#file, lineNo, "a separator line starting with '+'", describe(line));
        }
        this.#plus = line.slice(1);
        this.#state = 3;
        return;
      case 3:
        if (line.length !== this.#sequence.length) {
          throw new FastqFormatError(
            this.#file,
            lineNo,
            `${this.#sequence.length} quality characters (the length of the sequence on line ${lineNo - 2})`,
            `${line.length}`,
          );
        }
        out.push({ name: this.#name, sequence: this.#sequence, plus: this.#plus, quality: line, line: this.#recordLine });
        this.#records++;
        this.#state = 0;
        return;
    }
  }
}

/** A short, quoted excerpt of a line for error messages. */
export function describe(line: string): string {
  if (line.length === 0) return 'an empty line';
  return JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line);
}
