/** Base error of the event-pattern matcher. */
export class PatternError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PatternError';
  }
}

/**
 * An event pattern that EventBridge would refuse (`PutRule` answers "Event pattern is not valid").
 *
 * The message names the JSON path of the offending node (`$.detail.state[0].prefix`), what was
 * expected there and what was found, so a rule author can fix the pattern without a debugger.
 *
 * @example
 * ```ts
 * try {
 *   validatePattern({ source: 'aws.s3' });
 * } catch (error) {
 *   if (error instanceof InvalidPatternError) console.error(error.path, error.expected);
 * }
 * ```
 */
export class InvalidPatternError extends PatternError {
  /** JSON path of the offending node, `$` being the pattern itself. */
  readonly path: string;
  /** What a valid pattern has at {@link path}. */
  readonly expected: string;
  /** What this pattern has there. */
  readonly found: string;

  constructor(path: string, expected: string, found: string, options?: { cause?: unknown }) {
    super(`invalid event pattern at ${path}: expected ${expected}, found ${found}`, options);
    this.name = 'InvalidPatternError';
    this.path = path;
    this.expected = expected;
    this.found = found;
  }
}
