import { appendFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { ValidationReason } from './types.ts';
import { FastqScanner } from './FastqScanner.ts';
import { hashAndInflate } from './hashAndInflate.ts';
import { type Mate, MatePairing } from './MatePairing.ts';
import { MateNamesDigest, type MateFingerprint } from './MateNamesDigest.ts';
import type { FastqInspection, ValidationOptions } from './types.ts';

export type { FastqInspection } from './types.ts';

export interface InspectOptions extends ValidationOptions {
  /** Also compute SHA-256 of the stored bytes. */
  sha256?: boolean;
  /** Reasons kept per file. @default 10 */
  maxReasons?: number;
  /** Pairs only: names one file may run ahead of its mate (see {@link MatePairing}). @default 50000 */
  pairQueueLimit?: number;
  /** Inflate in a worker thread (see hashAndInflate's `offThread`): for large files. */
  offThread?: boolean;
  /** Inflate with igzip (see hashAndInflate's `native`): the pass may then throw NativeGunzipInconclusive. */
  native?: boolean;
}

/**
 * The one pass every validation path shares: `landfall validate` (validateFile, validateRunFolder),
 * the landing function (validateSample) and the bench all call this or {@link inspectPair}, on a
 * local file stream or a stored object's stream alike.
 *
 * Validates one stored FASTQ file (`.fastq.gz` or plain) in ONE streaming pass: MD5 (and SHA-256 when
 * asked) and size of the stored bytes; gzip fully decompressed with CRC and length trailers checked,
 * concatenated members accepted, trailing bytes and NUL padding rejected; every FASTQ record checked;
 * read statistics computed on the way. Bad data never throws: it comes back as `reasons`.
 *
 * @throws ValidationIoError when the body cannot be read
 * @example
 * const { md5, stats, reasons } = await inspectFastq(await storage.get(bucket, key), 'S1_L001_R1_001.fastq.gz');
 */
export async function inspectFastq(body: Readable, fileName: string, options: InspectOptions = {}): Promise<FastqInspection> {
  return inspectOne(body, fileName, options);
}

export interface PairInspection {
  r1: FastqInspection;
  r2: FastqInspection;
  /** Pairing problems (name mismatch at record k, unequal counts, a record without mate), on the R2 file. */
  reasons: ValidationReason[];
}

/**
 * Validates the two files of a pair concurrently, still one pass over each: besides everything
 * {@link inspectFastq} checks, record k of R1 and of R2 must carry the same read name (ignoring
 * `/1` `/2` and the ` 1:N:…` comment) and the files must hold the same number of reads.
 * Memory stays bounded: the file that runs ahead waits for its mate (see {@link MatePairing}).
 *
 * @throws ValidationIoError when either body cannot be read
 * @example
 * const { r1, r2, reasons } = await inspectPair({ body: r1Stream, fileName: 'S1_R1_001.fastq.gz' }, { body: r2Stream, fileName: 'S1_R2_001.fastq.gz' });
 */
export async function inspectPair(
  r1: { body: Readable; fileName: string },
  r2: { body: Readable; fileName: string },
  options: InspectOptions = {},
): Promise<PairInspection> {
  const pairing = new MatePairing(r1.fileName, r2.fileName, { highWater: options.pairQueueLimit });
  const side = (mate: Mate, file: { body: Readable; fileName: string }) =>
    inspectOne(file.body, file.fileName, options, pairing, mate).catch((error: unknown) => {
      pairing.abort();
      throw error;
    });
  const [first, second] = await Promise.all([side(0, r1), side(1, r2)]);
  return { r1: first, r2: second, reasons: pairing.reasons };
}

export interface SingleFileInspection {
  inspection: FastqInspection;
  /** What pairing needs without the mate at hand: its record count and a digest of its mate names in order. */
  mates: MateFingerprint;
}

/**
 * {@link inspectFastq} plus the file's mate fingerprint, in the same one pass: the per-file verdict of a
 * landed FASTQ (validation/fileVerdict.ts). Two mates whose fingerprints are equal (and reliable) pair
 * exactly as {@link inspectPair} would find them paired; anything else is re-read in lockstep.
 *
 * @throws ValidationIoError when the body cannot be read
 */
export async function inspectFastqWithFingerprint(
  body: Readable,
  fileName: string,
  options: InspectOptions = {},
): Promise<SingleFileInspection> {
  const digest = new MateNamesDigest();
  let reliable = false;
  const inspection = await inspectOne(body, fileName, options, undefined, undefined, digest, (complete) => {
    reliable = complete;
  });
  return { inspection, mates: digest.fingerprint(reliable) };
}

let passes = 0;

/**
 * Test-only: `LANDFALL_FASTQ_PASS_LOG` names a file each pass appends its file name to, so a test counts the
 * passes of a runtime's process and its worker threads, across a restart. Off (no I/O) when unset.
 */
function logPass(fileName: string): void {
  const log = process.env.LANDFALL_FASTQ_PASS_LOG;
  if (log) appendFileSync(log, `${fileName}\n`);
}

/** How many single-file passes this process made (each stored file streamed once counts one): tests count re-reads with it. */
export function fastqPassCount(): number {
  return passes;
}

async function inspectOne(
  body: Readable,
  fileName: string,
  options: InspectOptions,
  pairing?: MatePairing,
  mate?: Mate,
  names?: MateNamesDigest,
  onEnd?: (reliable: boolean) => void,
): Promise<FastqInspection> {
  passes++;
  logPass(fileName);
  const scanner = new FastqScanner(fileName, {
    maxReasons: options.maxReasons,
    mates: pairing?.sink(mate!) ?? names,
    legacyNoCalls: options.legacyNoCalls,
  });
  const pass = await hashAndInflate(body, {
    fileName,
    sha256: options.sha256,
    onData: (chunk) => scanner.push(chunk),
    gate: pairing ? () => pairing.gate(mate!) : undefined,
    position: () => ({ line: scanner.line, record: scanner.records + 1 }),
    offThread: options.offThread,
    native: options.native,
  });
  // End-of-data checks (incomplete last record, no reads) only mean something when the data did end.
  if (pass.complete) scanner.end();
  pairing?.finish(mate!, { records: scanner.records, reliable: pass.complete && !scanner.stopped });
  onEnd?.(pass.complete && !scanner.stopped);
  const stats = scanner.stats();
  const qualityEncoding = scanner.qualityEncoding();
  return {
    md5: pass.md5,
    ...(pass.sha256 ? { sha256: pass.sha256 } : {}),
    size: pass.size,
    compressed: pass.compressed,
    reads: stats.reads,
    bases: stats.bases,
    stats,
    ...(qualityEncoding ? { qualityEncoding } : {}),
    reasons: [...pass.reasons, ...scanner.reasons],
  };
}
