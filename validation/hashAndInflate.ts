import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ValidationReason } from './types.ts';
import { NativeGunzipInconclusive, ValidationIoError } from './errors.ts';
import { type GunzipFailure, GunzipFeed } from './gunzipFeed.mjs';
import type { NativeOutcome } from './nativeFeed.mjs';
import { igzipCannotStart } from './nativeFirst.ts';
import { OffThreadGunzip } from './offThreadGunzip.ts';
import { reasonOf } from './rules.ts';

export interface HashAndInflateOptions {
  /** Name used in reasons. */
  fileName: string;
  /** Also compute SHA-256 of the stored bytes (a manifest asks for it). */
  sha256?: boolean;
  /** Receives the decompressed bytes (or the stored bytes of a plain file), in order. */
  onData: (chunk: Buffer) => void;
  /**
   * Awaited after each stored chunk: a pair of files validated together uses it to keep in step,
   * so the names queued for comparison stay bounded. Return `undefined` to go on at once.
   */
  gate?: () => Promise<void> | undefined;
  /** Where the decompressed data stopped, for reasons about corrupt gzip ("inside line 41"). */
  position?: () => { line: number; record: number };
  /**
   * Inflate in a worker thread, so inflating runs on while this thread hashes and `onData` works. Its start
   * (tens of milliseconds) pays off on large files only. The verdicts are the same either way, but the
   * memory of a decompressed chunk is reused once `onData` returns, so `onData` must not keep it.
   */
  offThread?: boolean;
  /**
   * Inflate with igzip (nativeFeed.mjs) driven from the worker thread: faster, but it decides only good
   * files; for any other the pass throws {@link NativeGunzipInconclusive} and must be run again without it.
   */
  native?: boolean;
}

export interface HashAndInflateResult {
  md5: string;
  sha256?: string;
  size: number;
  compressed: boolean;
  /** Problems of the stored bytes: empty, not gzip, truncated, bad CRC, trailing bytes. */
  reasons: ValidationReason[];
  /** True when every byte of data reached `onData` and ended cleanly, so end-of-data checks apply. */
  complete: boolean;
}

/** FLG bits 5–7 of a gzip header, reserved by RFC 1952: zlib refuses a member that sets any. */
const RESERVED_FLAGS = 0xe0;

const hex = (bytes: Uint8Array) => [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');

/**
 * One streaming pass over stored bytes: MD5 (and SHA-256 when asked) and size of exactly what is
 * stored, and — when the bytes are gzip, detected from the magic bytes — full decompression with the
 * CRC-32 and length trailers of every member checked by zlib, members concatenated as one stream.
 *
 * zlib is lenient where a landing must not be, so the pass adds its own checks: bytes after the last
 * member are rejected (zlib stops silently at NUL bytes, "padding", which is how a preallocated or
 * still-written file looks; other trailing bytes make it fail with a header error, reported here as
 * trailing data rather than corruption), and a `.gz` name over non-gzip bytes is rejected.
 * Hashing runs on the stored chunks while the thread pool (or the inflate worker) inflates the previous ones.
 *
 * @throws ValidationIoError when the body cannot be read (not a verdict on the data)
 * @throws NativeGunzipInconclusive with `native`, when igzip alone cannot decide (run the pass again without it)
 * @example
 * const pass = await hashAndInflate(createReadStream(path), { fileName: 'S1_R1_001.fastq.gz', onData: (chunk) => scanner.push(chunk) });
 */
export async function hashAndInflate(body: Readable, options: HashAndInflateOptions): Promise<HashAndInflateResult> {
  const { fileName } = options;
  const md5 = createHash('md5');
  const sha256 = options.sha256 ? createHash('sha256') : undefined;
  const reasons: ValidationReason[] = [];
  const named = fileName.toLowerCase().endsWith('.gz');
  let size = 0;
  // An object, not a `let`: TypeScript does not see the closures below change it.
  const state: { mode: 'undecided' | 'gzip' | 'plain' | 'rejected' } = { mode: 'undecided' };
  let head: Buffer[] = [];
  let headLength = 0;
  let lastNonZero = -1;
  let gunzip: GunzipFeed | OffThreadGunzip | undefined;

  const decide = (start: Buffer) => {
    if (start.length >= 2 && start[0] === 0x1f && start[1] === 0x8b) {
      if (start.length >= 3 && start[2] !== 0x08) {
        state.mode = 'rejected';
        reasons.push(
          reasonOf('GZIP_METHOD', {
            file: fileName,
            expected: 'gzip compression method 8 (deflate) in byte 3',
            found: `method ${start[2]}`,
            message: `byte 3: expected gzip compression method 8 (deflate), found ${start[2]}`,
          }),
        );
        return;
      }
      state.mode = 'gzip';
      // igzip accepts a header with reserved flag bits set, which zlib refuses: such a file goes to zlib at once.
      const native = options.native === true && start.length >= 4 && (start[3]! & RESERVED_FLAGS) === 0;
      gunzip = options.offThread || options.native ? new OffThreadGunzip(options.onData, { native }) : new GunzipFeed(options.onData);
    } else if (named) {
      state.mode = 'rejected';
      const found =
        start.length === 0 ? 'no bytes' : `bytes ${hex(start.subarray(0, 2))} (${JSON.stringify(start.subarray(0, 8).toString('latin1'))})`;
      reasons.push(
        reasonOf('GZIP_MAGIC', {
          file: fileName,
          expected: 'gzip magic bytes 1f 8b at the start of a .gz file',
          found,
          message: `not gzip: expected the gzip magic bytes 1f 8b at byte 0, found ${found}`,
        }),
      );
    } else {
      state.mode = 'plain';
    }
  };

  // The newest stored chunk is held back one step, so the last one can be inflated in small slices
  // (gunzipFeed.mjs `writeTail`).
  let held: Buffer | undefined;
  const feed = async (chunk: Buffer) => {
    if (state.mode === 'plain') {
      options.onData(chunk);
    } else if (state.mode === 'gzip') {
      if (held) await gunzip?.write(held);
      held = chunk;
    }
  };
  const feedTail = async () => {
    const last = held;
    held = undefined;
    if (last) await gunzip?.writeTail(last);
  };

  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (chunk.length === 0) continue;
      md5.update(chunk);
      sha256?.update(chunk);
      // The last non-zero byte tells trailing NUL padding from other trailing bytes; scanning
      // backwards almost always stops at the first byte looked at.
      let at = chunk.length - 1;
      while (at >= 0 && chunk[at] === 0) at--;
      if (at >= 0) lastNonZero = size + at;
      size += chunk.length;
      if (state.mode === 'undecided') {
        head.push(chunk);
        headLength += chunk.length;
        if (headLength < 3) continue;
        const start = head.length === 1 ? head[0]! : Buffer.concat(head);
        head = [];
        decide(start);
        await feed(start);
      } else {
        await feed(chunk);
      }
      const wait = options.gate?.();
      if (wait) await wait;
    }
  } catch (error) {
    gunzip?.destroy();
    throw new ValidationIoError(fileName, error);
  }

  if (state.mode === 'undecided') {
    const start = Buffer.concat(head);
    if (size === 0) {
      state.mode = 'rejected';
      reasons.push(
        reasonOf('FILE_EMPTY', {
          file: fileName,
          expected: named ? 'a gzip stream' : 'FASTQ records',
          found: 'an empty file (0 bytes)',
          message: `empty file: expected ${named ? 'a gzip stream' : 'FASTQ records'}, found 0 bytes`,
        }),
      );
    } else {
      decide(start);
      await feed(start);
    }
  }
  await feedTail();

  let complete = state.mode === 'plain';
  if (state.mode === 'gzip' && gunzip) {
    const outcome: NativeOutcome = await gunzip.finish();
    if (outcome.inconclusive !== undefined) {
      if (outcome.missing) igzipCannotStart();
      throw new NativeGunzipInconclusive(outcome.inconclusive);
    }
    const { consumed, written, failure } = outcome;
    const where = options.position?.();
    const seen = where !== undefined && (where.line > 1 || where.record > 1);
    const inside = seen
      ? ` (FASTQ records were checked up to line ${where.line}, record ${where.record})`
      : ' (no FASTQ record could be checked)';
    const located = seen ? { line: where.line, record: where.record } : {};
    if (failure) {
      reasons.push(gzipReason(fileName, failure, { size, consumed, written, inside, located }));
      // zlib drops the output of the write that failed, so the last records were not all seen:
      // end-of-data checks would only add noise.
      complete = false;
    } else if (consumed < size) {
      const trailing = size - consumed;
      const padding = lastNonZero < consumed;
      reasons.push(
        reasonOf('GZIP_TRAILING_DATA', {
          file: fileName,
          expected: `end of file after the last gzip member (at byte ${consumed})`,
          found: padding ? `${trailing} NUL bytes of padding` : `${trailing} trailing bytes that are not gzip (starting with NUL bytes)`,
          message: padding
            ? `expected end of file after the last gzip member at byte ${consumed}, found ${trailing} NUL bytes of padding (zlib ignores them; a preallocated or still-written file looks like this)`
            : `expected end of file after the last gzip member at byte ${consumed}, found ${trailing} trailing bytes that are not gzip`,
        }),
      );
      complete = true;
    } else {
      complete = true;
    }
  }
  return {
    md5: md5.digest('hex'),
    ...(sha256 ? { sha256: sha256.digest('hex') } : {}),
    size,
    compressed: state.mode === 'gzip',
    reasons,
    complete,
  };
}

// The first member's magic bytes were checked before inflating, so a wrong magic can only be found
// where zlib expected another member: after the end of a complete one.
function isTrailing(error: GunzipFailure): boolean {
  return error.message === 'incorrect header check';
}

function gzipReason(
  file: string,
  error: GunzipFailure,
  at: { size: number; consumed: number; written: number; inside: string; located: { line?: number; record?: number } },
): ValidationReason {
  const zlib = `zlib: ${error.message}`;
  if (isTrailing(error)) {
    // zlib does not say where the member ended: it had read up to two bytes of the next "header"
    // when it gave up, and the write it failed in bounds the place from above.
    const from = Math.max(0, at.consumed - 2);
    const window = at.written - 1 > from ? `in bytes ${from}–${at.written - 1}` : `at byte ${from}`;
    return reasonOf('GZIP_TRAILING_DATA', {
      file,
      ...at.located,
      expected: 'end of file or another gzip member (1f 8b 08) after the last complete member',
      found: `bytes that are not gzip ${window}`,
      message: `trailing data: expected end of file or another gzip member after the last complete member, found bytes that are not gzip ${window} (${zlib})${at.inside}`,
    });
  }
  if (error.message === 'unexpected end of file' || error.code === 'Z_BUF_ERROR') {
    return reasonOf('GZIP_TRUNCATED', {
      file,
      ...at.located,
      expected: 'the rest of the gzip member (compressed data and its 8-byte CRC-32 and length trailer)',
      found: `end of file after ${at.size} bytes`,
      message: `truncated gzip: expected the rest of the member and its trailer, found end of file after ${at.size} bytes${at.inside}`,
    });
  }
  if (error.message === 'incorrect data check') {
    return reasonOf('GZIP_CRC_MISMATCH', {
      file,
      ...at.located,
      expected: "the CRC-32 stored in the member's trailer",
      found: 'a different CRC-32 of the decompressed data',
      message: `bad CRC: the CRC-32 in the gzip trailer does not match the decompressed data, which is corrupt${at.inside}`,
    });
  }
  if (error.message === 'incorrect length check') {
    return reasonOf('GZIP_LENGTH_MISMATCH', {
      file,
      ...at.located,
      expected: "the length stored in the member's trailer (ISIZE)",
      found: 'a different decompressed length',
      message: `bad length: the length in the gzip trailer does not match the decompressed data${at.inside}`,
    });
  }
  return reasonOf('GZIP_CORRUPT', {
    file,
    ...at.located,
    expected: 'valid deflate-compressed data',
    found: `corrupt data (${zlib})`,
    message: `corrupt gzip data (${zlib})${at.inside}`,
  });
}
