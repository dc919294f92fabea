/** Base error of the FASTQ helpers; `file` is the path that was being read or written. */
export class FastqError extends Error {
  readonly file: string;
  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FastqError';
    this.file = file;
  }
}

/**
 * The text is not FASTQ: a record is truncated, a header lacks `@`, the separator lacks `+`,
 * or sequence and quality differ in length. The message reads `<file>:<line>: expected …, found …`.
 */
export class FastqFormatError extends FastqError {
  /** 1-based line number of the offending line. */
  readonly line: number;
  readonly expected: string;
  readonly found: string;
  constructor(file: string, line: number, expected: string, found: string) {
    super(file, `${file}:${line}: expected ${expected}, found ${found}`);
    this.name = 'FastqFormatError';
    this.line = line;
    this.expected = expected;
    this.found = found;
  }
}

/**
 * The gzip stream could not be decompressed (corrupt or cut short). `line` is the first line that
 * could not be read, so the message says how far the file was readable.
 */
export class FastqGzipError extends FastqError {
  readonly line: number;
  constructor(file: string, line: number, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(file, `${file}:${line}: expected more gzip data, found a corrupt or truncated gzip stream (${reason})`, { cause });
    this.name = 'FastqGzipError';
    this.line = line;
  }
}
