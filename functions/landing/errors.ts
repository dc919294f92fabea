/** Base error of the landing domain. */
export class LandingError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LandingError';
  }
}
