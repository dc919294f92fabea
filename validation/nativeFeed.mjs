// The gunzip of gunzipFeed.mjs done by ISA-L's `igzip -dc` in a child process (Debian package `isal`), which
// inflates about twice as fast as Node's zlib on these machines. It decides only good files; see NativeFeed.
// Runs in the inflate worker (inflateWorker.mjs): its event loop reads igzip's output at once, so igzip never
// waits on the thread that scans. Plain JavaScript so the worker starts without a TypeScript loader.
// Types: nativeFeed.d.mts.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { drained } from './gunzipFeed.mjs';

/** The igzip to run: `LANDFALL_IGZIP` names another path, or `off` to never use one. */
export function igzipProgram() {
  const setting = process.env.LANDFALL_IGZIP;
  if (setting === 'off') return undefined;
  return setting || 'igzip';
}

/**
 * One `igzip -dc` over stored chunks, with GunzipFeed's interface. igzip checks every member's CRC-32 and length
 * but says neither where a member ended nor why it failed, and it ignores bytes after the last member that
 * are not gzip (NUL padding, garbage) where a landing must reject them. So a member of our own, holding a
 * random sentinel line, is written after the stored bytes: its text comes out last only when igzip decoded
 * it straight after the file's last member, that is when nothing but complete members came before it.
 *
 * Any other outcome (igzip failed, the sentinel is missing, igzip could not start) ends with an outcome
 * that is `inconclusive`: the caller validates the file again with zlib, which words the reason
 * (truncated, bad CRC, trailing bytes, and where).
 */
export class NativeFeed {
  #child;
  #sentinel;
  #exited;
  #stderr = [];
  /** Output not yet handed on: it may hold (the start of) the sentinel. */
  #held = Buffer.alloc(0);
  #written = 0;
  #broken = false;
  #consumerError;
  #lastWrite = Promise.resolve();

  /** `onData` receives the decompressed bytes in order (valid until it returns); a promise it returns holds the next back. */
  constructor(onData, program = igzipProgram() ?? 'igzip') {
    this.#sentinel = Buffer.from(`\n@landfall-sentinel-${randomBytes(16).toString('hex')}\n`);
    const child = spawn(program, ['-dc'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('error', (error) => {
        this.#broken = true;
        resolve({ code: null, error });
      });
      child.once('close', (code) => resolve({ code }));
    });
    // igzip stops reading once it fails: the writes after that fail with EPIPE, which is its answer, not ours.
    child.stdin.on('error', () => {
      this.#broken = true;
    });
    child.stderr.on('data', (chunk) => this.#stderr.push(chunk));
    child.stdout.on('data', (chunk) => {
      if (this.#consumerError) return;
      try {
        // The consumer's promise holds igzip back (its pipe fills, then it waits), so memory stays bounded.
        const wait = this.#take(chunk, onData);
        if (wait) {
          child.stdout.pause();
          wait.then(() => child.stdout.resume());
        }
      } catch (error) {
        this.#consumerError = { error };
        this.#broken = true;
        child.kill();
      }
    });
  }

  /** Hands on all output but the last bytes seen so far, which may be (the start of) the sentinel. */
  #take(chunk, onData) {
    const keep = this.#sentinel.length;
    if (chunk.length >= keep) {
      const first = this.#held.length > 0 ? onData(this.#held) : undefined;
      const second = chunk.length > keep ? onData(chunk.subarray(0, chunk.length - keep)) : undefined;
      this.#held = Buffer.from(chunk.subarray(chunk.length - keep));
      return second ?? first;
    }
    const all = Buffer.concat([this.#held, chunk]);
    this.#held = all.subarray(Math.max(0, all.length - keep));
    return all.length > keep ? onData(all.subarray(0, all.length - keep)) : undefined;
  }

  /** True once igzip failed or the consumer stopped: later writes are dropped. */
  get failed() {
    return this.#broken;
  }

  async write(chunk) {
    if (this.#broken) return;
    this.#written += chunk.length;
    const stdin = this.#child.stdin;
    let taken;
    this.#lastWrite = new Promise((resolve) => (taken = resolve));
    // The callback runs once the chunk is handed to the pipe, or the pipe failed.
    if (!stdin.write(chunk, () => taken())) await drained(stdin);
  }

  /** Resolves once every chunk written so far is in the pipe: their memory may then be reused. */
  settled() {
    return Promise.race([this.#lastWrite, this.#exited]);
  }

  /** The last stored chunk: nothing to locate here (a failure is worded by the zlib pass). */
  writeTail(chunk) {
    return this.write(chunk);
  }

  /** Ends the input with the sentinel member and waits for igzip; throws what `onData` threw. */
  async finish() {
    if (!this.#broken) this.#child.stdin.end(gzipSync(this.#sentinel));
    const { code, error } = await this.#exited;
    if (this.#consumerError) throw this.#consumerError.error;
    const outcome = { consumed: this.#written, written: this.#written };
    if (error) return { ...outcome, inconclusive: `igzip did not start (${error.message})`, missing: true };
    if (code !== 0) {
      const said = Buffer.concat(this.#stderr).toString().trim();
      // 126 and 127 are a shell's "cannot execute" and "not found" (a file that is no program runs through /bin/sh):
      // igzip itself exits 1 on bad data.
      return { ...outcome, inconclusive: `igzip exited with ${code}${said ? `: ${said}` : ''}`, missing: code === 126 || code === 127 };
    }
    if (!this.#held.equals(this.#sentinel)) return { ...outcome, inconclusive: 'bytes follow the last gzip member' };
    return outcome;
  }

  destroy() {
    this.#broken = true;
    this.#child.kill();
  }
}
