import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { NativeGunzipInconclusive } from './errors.ts';
import { igzipProgram } from './nativeFeed.mjs';
import { inflateWorkerPresent } from './offThreadGunzip.ts';

/**
 * Stored size from which a pass inflates off its thread, by igzip when installed (nativeFeed.mjs), else (the
 * CLI) in a worker thread: the start (milliseconds to tens of them) is then a small part of the pass and is
 * repaid by inflating while the scanner works. Smaller files inflate in the pass's own thread.
 */
export const OFF_THREAD_FROM = 32 * 1024 * 1024;

/** Per igzip program: whether it can be run here, found once per process (a Lambda has none: never tried). */
const usable = new Map<string, boolean>();

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether a pass may inflate with igzip: it is not turned off, it is on PATH (or at the path named), it started
 * so far, and the inflate worker that drives it is here.
 */
export function nativeGunzipAvailable(): boolean {
  const program = igzipProgram();
  if (program === undefined || !inflateWorkerPresent()) return false;
  let known = usable.get(program);
  if (known === undefined) {
    known = program.includes('/')
      ? executable(program)
      : (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && executable(path.join(dir, program)));
    usable.set(program, known);
  }
  return known;
}

/** igzip was found but could not start (hashAndInflate saw its spawn fail): later passes do not try it. */
export function igzipCannotStart(): void {
  const program = igzipProgram();
  if (program !== undefined) usable.set(program, false);
}

/**
 * One pass over a stored file of `size` bytes, with igzip first when the file is large and igzip is here;
 * a file igzip alone cannot decide (any gzip damage, trailing bytes) is passed again without it, so the
 * verdict and its reasons are always those of the zlib pass. `pass` must open the file anew on each call.
 */
export async function nativeFirst<T>(size: number, pass: (native: boolean) => Promise<T>): Promise<T> {
  if (size >= OFF_THREAD_FROM && nativeGunzipAvailable()) {
    const fast = await pass(true).catch((error: unknown) => {
      if (error instanceof NativeGunzipInconclusive) return undefined;
      throw error;
    });
    if (fast !== undefined) return fast;
  }
  return pass(false);
}
