/** Types of gunzipFeed.mjs (plain JavaScript, so the inflate worker needs no TypeScript loader). */

export declare const INFLATE_CHUNK: number;
export declare const INFLATE_AHEAD: number;
export declare const TAIL_SLICE: number;

/** The zlib error that stopped a gunzip: a verdict on the data. */
export interface GunzipFailure {
  message: string;
  code?: string;
}

/** What zlib made of the stored bytes once the input ended. */
export interface GunzipOutcome {
  /** Stored bytes zlib consumed: up to the end of the last complete member when it stopped cleanly. */
  consumed: number;
  /** Stored bytes handed to zlib (writes after a failure are dropped and not counted). */
  written: number;
  failure?: GunzipFailure;
}

/** Resolves once a writable can take more, or will never need to (closed or failed). */
export declare function drained(stream: NodeJS.WritableStream & { destroyed: boolean }): Promise<void>;

/** One gunzip over stored chunks, as hashAndInflate.ts checks it (main thread or inflate worker). */
export declare class GunzipFeed {
  /** `onData` receives the decompressed bytes in order; a promise it returns holds the next chunk back. */
  constructor(onData: (chunk: Buffer) => Promise<void> | undefined | void);
  /** True once zlib failed or the consumer stopped: later writes are dropped, as zlib would drop them. */
  get failed(): boolean;
  /** Resolves when zlib can take more. */
  write(chunk: Buffer): Promise<void>;
  /** Resolves once zlib is done with every chunk written so far: their memory may then be reused. */
  settled(): Promise<void>;
  /** The last stored chunk, written in small slices so a failure in it is located closely. */
  writeTail(chunk: Buffer): Promise<void>;
  /** Ends the input and waits for the last output; throws what the consumer threw. */
  finish(): Promise<GunzipOutcome>;
  destroy(): void;
}

/**
 * `chunk` copied into memory that can move to the other thread of the inflate worker: a spare buffer that came
 * back from there when one is large enough, else a new one of at least `capacity` bytes.
 */
export declare function movableCopy(spares: ArrayBuffer[], chunk: Uint8Array, capacity: number): Uint8Array<ArrayBuffer>;
