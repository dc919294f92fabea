/** Base error of the layouts library: a run document or a name Landfall cannot read. */
export class LayoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LayoutError';
  }
}

/** A SampleSheet that cannot be understood; says which line and what was expected. */
export class SampleSheetError extends LayoutError {
  readonly line?: number;
  constructor(message: string, line?: number, file = 'SampleSheet.csv') {
    super(line ? `${file} line ${line}: ${message}` : `${file}: ${message}`);
    this.name = 'SampleSheetError';
    this.line = line;
  }
}

/** A RunInfo.xml that cannot be understood; says what was expected. */
export class RunInfoError extends LayoutError {
  constructor(message: string, file = 'RunInfo.xml') {
    super(`${file}: ${message}`);
    this.name = 'RunInfoError';
  }
}
