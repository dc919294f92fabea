/** Base error of the landing domain. */
export class LandingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LandingError';
  }
}

/** A SampleSheet that cannot be understood; says which line and what was expected. */
export class SampleSheetError extends LandingError {
  readonly line?: number;
  constructor(message: string, line?: number) {
    super(line ? `SampleSheet.csv line ${line}: ${message}` : `SampleSheet.csv: ${message}`);
    this.name = 'SampleSheetError';
    this.line = line;
  }
}
