/**
 * Base error of the infrastructure modules: raised while `sst.config.ts` builds the program,
 * before anything reaches AWS, so a bad setting fails the deploy (and the offline test) early.
 */
export class StacksError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StacksError';
  }
}
