/** Types of nativeFeed.mjs (plain JavaScript, so the inflate worker needs no TypeScript loader). */
import type { GunzipOutcome } from './gunzipFeed.mjs';

/** The igzip to run: `LANDFALL_IGZIP` names another path, or `off` to never use one. */
export declare function igzipProgram(): string | undefined;

/** What igzip made of the stored bytes: a GunzipOutcome, or why zlib must decide. */
export interface NativeOutcome extends GunzipOutcome {
  /** Set when igzip alone cannot give the verdict: the file must be validated again with zlib. */
  inconclusive?: string;
  /** igzip could not be started (not installed, not executable). */
  missing?: boolean;
}

/** One `igzip -dc` over stored chunks, with GunzipFeed's interface; decides good files only. */
export declare class NativeFeed {
  constructor(onData: (chunk: Buffer) => Promise<void> | undefined | void, program?: string);
  get failed(): boolean;
  write(chunk: Buffer): Promise<void>;
  settled(): Promise<unknown>;
  writeTail(chunk: Buffer): Promise<void>;
  finish(): Promise<NativeOutcome>;
  destroy(): void;
}
