import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import type { ValidationReason } from './types.ts';
import { SAMPLE_SHEET_NAME } from '../layouts/runFiles.ts';
import { checkSampleSheet, type SampleSheet } from '../layouts/sampleSheet.ts';
import { ValidationIoError } from './errors.ts';
import { nativeFirst, OFF_THREAD_FROM } from './nativeFirst.ts';
import { inspectFastq } from './inspectFastq.ts';
import type { FastqInspection, FileValidation, ValidationOptions, ValidationResult } from './types.ts';
import { reasonOf } from './rules.ts';

/** Read size for local files: large reads keep the per-chunk overhead small next to hashing and inflating. */
export const READ_CHUNK = 1 << 20;

/** FASTQ files by name: `.fastq`, `.fq`, optionally `.gz`. */
export const FASTQ_NAME = /\.f(?:ast)?q(?:\.gz)?$/i;

/** Illumina sample sheets by name (`SampleSheet.csv`, `SampleSheet_v2.csv`, …): layouts/ defines it. */
export { SAMPLE_SHEET_NAME };

/** A local file as a stream with large reads. Open errors surface on the first read. */
export function openLocal(path: string): Readable {
  return createReadStream(path, { highWaterMark: READ_CHUNK });
}

export interface ValidateFileOptions extends ValidationOptions {
  /** Also compute SHA-256. */
  sha256?: boolean;
  /** Name to use in reasons and in the result (default: the path as given). */
  displayPath?: string;
}

/**
 * Validates one local file in one streaming pass: a `SampleSheet*.csv` is checked as a sample sheet
 * (v1/v2, unique (Lane, Sample_ID)); anything else as FASTQ (`.fastq.gz` or plain): MD5, gzip integrity,
 * every record, read statistics.
 *
 * @throws ValidationIoError when the file cannot be read (missing, permission)
 * @example
 * const result = await validateFile('run1/S1_S1_L001_R1_001.fastq.gz');
 * if (!result.valid) console.log(result.files[0].reasons);
 */
export async function validateFile(path: string, options: ValidateFileOptions = {}): Promise<ValidationResult> {
  const file = await validateOneFile(path, options.displayPath ?? path, options);
  return { valid: file.valid, files: [file], reasons: [] };
}

/** @internal Validates one file, shown as `display`. */
export async function validateOneFile(
  path: string,
  display: string,
  options: ValidationOptions & { sha256?: boolean } = {},
): Promise<FileValidation> {
  if (SAMPLE_SHEET_NAME.test(basename(path))) return (await validateSampleSheetFile(path, display)).result;
  const inspection = await inspectLocalFastq(path, display, options, await localSize(path));
  return {
    path: display,
    valid: inspection.reasons.length === 0,
    reasons: inspection.reasons,
    md5: inspection.md5,
    ...(inspection.sha256 ? { sha256: inspection.sha256 } : {}),
    size: inspection.size,
    stats: inspection.stats,
    ...(inspection.qualityEncoding ? { qualityEncoding: inspection.qualityEncoding } : {}),
  };
}

/** @internal A local file's size, 0 when it cannot be stat'ed (it then fails on its first read, with the error the pass reports). */
export async function localSize(path: string): Promise<number> {
  return (await stat(path).catch(() => undefined))?.size ?? 0;
}

/**
 * @internal One local FASTQ of `size` bytes in one pass, inflated off this thread when large: by igzip when
 * installed and the file is good (the usual case); any other file is read again with zlib, which words the reason.
 */
export async function inspectLocalFastq(
  path: string,
  display: string,
  options: ValidationOptions & { sha256?: boolean },
  size: number,
): Promise<FastqInspection> {
  return nativeFirst(size, (native) =>
    inspectFastq(openLocal(path), display, {
      sha256: options.sha256,
      legacyNoCalls: options.legacyNoCalls,
      offThread: size >= OFF_THREAD_FROM && !native,
      native,
    }),
  );
}

/** @internal A sample sheet: every problem with its line, and the sheet when it could be read. */
export async function validateSampleSheetFile(path: string, display: string): Promise<{ result: FileValidation; sheet?: SampleSheet }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new ValidationIoError(path, error);
  }
  const { sheet, problems } = checkSampleSheet(bytes);
  const reasons: ValidationReason[] = problems.map((problem) =>
    reasonOf('SAMPLE_SHEET', {
      file: display,
      ...(problem.line ? { line: problem.line } : {}),
      ...(problem.expected ? { expected: problem.expected } : {}),
      ...(problem.found ? { found: problem.found } : {}),
      message: problem.line ? `line ${problem.line}: ${problem.message}` : problem.message,
    }),
  );
  return {
    result: { path: display, valid: reasons.length === 0, reasons, md5: createHash('md5').update(bytes).digest('hex'), size: bytes.length },
    ...(sheet ? { sheet } : {}),
  };
}

/** @internal MD5/SHA-256/size of a file that is not FASTQ (listed in a manifest). */
export async function hashLocalFile(path: string, sha256 = false): Promise<{ md5: string; sha256?: string; size: number }> {
  const md5 = createHash('md5');
  const sha = sha256 ? createHash('sha256') : undefined;
  let size = 0;
  try {
    for await (const chunk of openLocal(path) as AsyncIterable<Buffer>) {
      md5.update(chunk);
      sha?.update(chunk);
      size += chunk.length;
    }
  } catch (error) {
    throw new ValidationIoError(path, error);
  }
  return { md5: md5.digest('hex'), ...(sha ? { sha256: sha.digest('hex') } : {}), size };
}
