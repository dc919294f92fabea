import { stat } from 'node:fs/promises';
import { loadConfig } from '../../config/loadConfig.ts';
import { ValidationError, ValidationIoError } from '../../validation/errors.ts';
import { VALIDATION_RULES } from '../../validation/rules.ts';
import {
  VALIDATION_PROFILES,
  type ValidationOptions,
  type ValidationProfile,
  type ValidationReason,
  type ValidationResult,
} from '../../validation/types.ts';
import { validateFile } from '../../validation/validateFile.ts';
import { validateRunFolder } from '../../validation/validateRunFolder.ts';
import { EXIT } from '../errors.ts';
import { formatTable } from '../output.ts';

export interface ValidateCommandOptions {
  /**
   * Print the result as JSON: `{ valid, files: [{ path, valid, reasons, md5, stats, qualityEncoding }], reasons }`,
   * each reason with its rule `code`; with `rules`, the rules as `[{ code, scope, description, checkedIn }]`.
   */
  json?: boolean;
  /** Run folders only: `illumina`, `manifest`, `marker`, `ont` or `pacbio` (default: chosen from what the folder holds). */
  profile?: string;
  /** List the validator's rules instead of validating. */
  rules?: boolean;
  /** The landfall.config.ts whose `validation` settings apply (default: ./landfall.config.ts, else the project one). */
  config?: string;
  /** Settings given directly (tests); `config` is not read when set. */
  validation?: ValidationOptions;
}

/**
 * `landfall validate <file-or-run-folder>`: the same one-pass validation the landing function runs, with
 * the config's `validation` settings. `landfall validate --rules` lists the rules instead.
 * Exit codes: 0 valid, 1 invalid (corrupt data included), 2 usage or I/O error (missing file, permission).
 * Usage and I/O errors are written to stderr as one line; the verdict goes to stdout.
 *
 * @example
 * process.exitCode = await validateCommand('runs/240101_A00123_0008_AHXXXX', { json: true, profile: 'illumina' });
 */
export async function validateCommand(target: string | undefined, options: ValidateCommandOptions = {}): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`landfall: ${message}\n`);
    return EXIT.usage;
  };
  if (options.rules) {
    if (target !== undefined) return fail('--rules lists the rules and takes no file or run folder');
    process.stdout.write(options.json ? `${JSON.stringify(VALIDATION_RULES, null, 2)}\n` : formatRules());
    return EXIT.ok;
  }
  if (target === undefined) return fail('expected a file or a run folder to validate (or --rules)');
  if (options.profile !== undefined && !VALIDATION_PROFILES.includes(options.profile as ValidationProfile)) {
    return fail(`unknown profile ${JSON.stringify(options.profile)} (one of ${VALIDATION_PROFILES.join(', ')})`);
  }
  const settings = options.validation ?? (await loadConfig(options.config)).config.validation;
  const validation: ValidationOptions = { legacyNoCalls: settings.legacyNoCalls };
  let result: ValidationResult;
  try {
    const info = await stat(target).catch((error: unknown) => {
      throw new ValidationIoError(target, error);
    });
    if (info.isDirectory()) {
      result = await validateRunFolder(target, { ...validation, profile: options.profile as ValidationProfile | undefined });
    } else {
      if (options.profile !== undefined) return fail(`--profile applies to a run folder, and ${target} is a file`);
      result = await validateFile(target, validation);
    }
  } catch (error) {
    if (error instanceof ValidationError) return fail(error.message);
    throw error;
  }
  process.stdout.write(options.json ? `${JSON.stringify(toJson(result), null, 2)}\n` : formatResult(result));
  return result.valid ? EXIT.ok : EXIT.failed;
}

/**
 * Exactly the documented JSON shape (issue 3), so scripts can rely on it: files that are not FASTQ
 * (a sample sheet, a file a manifest lists) have `stats: null` and `qualityEncoding: null`; the profile is in the
 * text output only. A run folder adds `samples` (which files make which sample, with read label, role, lane
 * and part: the mapping the live landing catalogs) and `unexpected` (files of no sample, kept but never processed).
 */
function toJson(result: ValidationResult) {
  return {
    valid: result.valid,
    files: result.files.map((file) => ({
      path: file.path,
      valid: file.valid,
      reasons: file.reasons,
      md5: file.md5 ?? null,
      stats: file.stats ?? null,
      qualityEncoding: file.qualityEncoding ?? null,
    })),
    reasons: result.reasons,
    ...(result.samples ? { samples: result.samples, unexpected: result.unexpected ?? [] } : {}),
  };
}

/** `file:line`, or the file alone when the message itself starts with its line (never both: issue 19). */
function where(reason: ValidationReason): string {
  if (reason.line === undefined || reason.message.startsWith(`line ${reason.line}`)) return reason.file;
  return `${reason.file}:${reason.line}`;
}

function formatRules(): string {
  const rows = VALIDATION_RULES.map((rule) => [rule.code, rule.scope, rule.description]);
  return `${formatTable(['code', 'scope', 'rule'], rows)}\n`;
}

function formatResult(result: ValidationResult): string {
  const rows = result.files.map((file) => [
    file.path,
    file.valid ? 'valid' : 'INVALID',
    file.stats?.reads,
    file.stats?.bases,
    file.stats ? `${file.stats.minLength}/${file.stats.meanLength}/${file.stats.maxLength}` : undefined,
    file.stats?.gcPercent,
    file.stats?.meanQuality,
    file.stats?.q30Percent,
    file.qualityEncoding,
    file.md5,
  ]);
  const reasons = [...result.reasons, ...result.files.flatMap((file) => file.reasons)];
  const samples = result.samples ?? [];
  const lines = [
    result.profile ? `profile: ${result.profile}` : undefined,
    samples.length > 0
      ? `${formatTable(
          ['sample', 'files (read:role, lane)'],
          samples.map((sample) => [
            sample.sampleId,
            sample.files
              .map((file) => `${file.path} (${file.label}:${file.role}, ${file.lane === 0 ? 'all lanes' : `L${file.lane}`})`)
              .join(', '),
          ]),
        )}\n`
      : undefined,
    (result.unexpected?.length ?? 0) > 0
      ? `unexpected (kept, not processed): ${result.unexpected!.map((file) => `${file.name}: ${file.reason}`).join('; ')}\n`
      : undefined,
    rows.length > 0
      ? formatTable(['file', 'verdict', 'reads', 'bases', 'length min/mean/max', 'GC %', 'mean Q', 'Q30 %', 'encoding', 'md5'], rows)
      : 'no files',
    '',
    ...reasons.map((reason) => `${where(reason)}: ${reason.message} [${reason.code}]`),
    reasons.length > 0 ? '' : undefined,
    result.valid ? 'valid' : `INVALID: ${reasons.length} problem${reasons.length === 1 ? '' : 's'}`,
  ];
  return `${lines.filter((line) => line !== undefined).join('\n')}\n`;
}
