/**
 * Base error of the validation domain. Invalid DATA is never thrown: it becomes a `ValidationReason`.
 * These errors mean the validator could not do its job (a file could not be read, a usage mistake).
 */
export class ValidationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ValidationError';
  }
}

/** A file or folder could not be read (missing, permission, I/O): not a verdict about the data. */
export class ValidationIoError extends ValidationError {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const reason =
      code === 'ENOENT'
        ? 'no such file or folder'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : cause instanceof Error
            ? cause.message
            : String(cause);
    super(`cannot read ${path}: ${reason}`, { cause });
    this.name = 'ValidationIoError';
    this.path = path;
  }
}

/** The caller asked for something the validator does not do (unknown profile, not a file or folder). */
export class ValidationUsageError extends ValidationError {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationUsageError';
  }
}

/**
 * The igzip pass (hashAndInflate's `native`) cannot give the verdict alone: igzip failed, could not start, or
 * bytes follow the last member. Not a verdict: the file is validated again with zlib, which words the reason.
 */
export class NativeGunzipInconclusive extends Error {
  constructor(why: string) {
    super(`igzip could not decide alone: ${why}`);
    this.name = 'NativeGunzipInconclusive';
  }
}
