import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { normalizeKey } from '../../seams/storage/keys.ts';
import { parseFastqFileName } from '../../workflows/fastq/fileNames.ts';
import type { ValidationReason } from '../catalog/types.ts';
import { fastqName, type SampleSheet } from '../landing/sampleSheet.ts';
import { ValidationIoError, ValidationUsageError } from './errors.ts';
import { inspectFastq, inspectPair } from './inspectFastq.ts';
import { compareWithManifest, MANIFEST_NAME, type Manifest, type ManifestEntry, parseManifest, unsafePathReason } from './manifest.ts';
import type { FastqInspection, FileValidation, ValidationProfile, ValidationResult } from './types.ts';
import { FASTQ_NAME, hashLocalFile, openLocal, SAMPLE_SHEET_NAME, validateSampleSheetFile } from './validateFile.ts';

export interface ValidateRunFolderOptions {
  /**
   * Which files the folder must hold: `illumina` (SampleSheet.csv: every sample × lane × read, no
   * orphan FASTQ), `manifest` (a manifest's files, with checksums and sizes) or `marker` (whatever
   * FASTQ is there). Default: illumina when a SampleSheet.csv is present, else manifest when a manifest
   * is, else marker.
   */
  profile?: ValidationProfile;
  /** Compute SHA-256 for every file (it is computed anyway for files a manifest lists with one). */
  sha256?: boolean;
}

interface FolderFile {
  /** `/`-separated path relative to the run folder. */
  path: string;
  absolute: string;
}

const UNDETERMINED = /^Undetermined_S0_/;

/**
 * Validates a local run folder: every FASTQ in one streaming pass each (R1 and R2 of a pair together,
 * so read names are compared record by record), the SampleSheet (illumina) or manifest (manifest
 * profile), which files must be there and which must not, and path safety of every name.
 *
 * @throws ValidationIoError when the folder or a file in it cannot be read
 * @throws ValidationUsageError when `dir` is not a folder
 * @example
 * const result = await validateRunFolder('share/lab-a/240101_A00123_0001_AHXXXX', { profile: 'illumina' });
 * for (const file of result.files) console.log(file.path, file.valid, file.stats?.reads);
 */
export async function validateRunFolder(dir: string, options: ValidateRunFolderOptions = {}): Promise<ValidationResult> {
  const info = await stat(dir).catch((error: unknown) => {
    throw new ValidationIoError(dir, error);
  });
  if (!info.isDirectory()) throw new ValidationUsageError(`${dir} is not a folder; use validateFile for a single file`);
  const reasons: ValidationReason[] = [];
  const files = await listFolder(dir, reasons);
  const top = files.filter((file) => !file.path.includes('/'));
  const sheetFile =
    top.find((file) => SAMPLE_SHEET_NAME.test(file.path) && file.path.toLowerCase() === 'samplesheet.csv') ??
    top.find((file) => SAMPLE_SHEET_NAME.test(file.path));
  const manifestFile = top.find((file) => MANIFEST_NAME.test(file.path));
  const profile: ValidationProfile = options.profile ?? (sheetFile ? 'illumina' : manifestFile ? 'manifest' : 'marker');
  const fastqs = files.filter((file) => FASTQ_NAME.test(file.path));
  const results = new Map<string, FileValidation>();

  let pairedRun = fastqs.some((file) => parseFastqFileName(basename(file.path))?.read === 'R2');
  let expectedNamesChecked = false;
  if (profile === 'illumina') {
    if (!sheetFile) {
      reasons.push({
        file: 'SampleSheet.csv',
        expected: 'a SampleSheet.csv in the run folder (illumina profile)',
        found: 'none',
        message: 'expected a SampleSheet.csv in the run folder for the illumina profile, found none',
      });
    } else {
      const { result: sheetResult, sheet } = await validateSampleSheetFile(sheetFile.absolute, sheetFile.path);
      results.set(sheetFile.path, sheetResult);
      if (sheet) {
        pairedRun = sheet.reads.includes('R2');
        expectedNamesChecked = true;
        reasons.push(...illuminaFileReasons(sheetFile.path, sheet, fastqs));
      }
    }
  }

  let manifest: Manifest | undefined;
  const listed = new Map<string, ManifestEntry>();
  if (profile === 'manifest') {
    if (!manifestFile) {
      reasons.push({
        file: 'manifest',
        expected: 'a manifest (manifest.json, *.md5, md5sum.txt, MD5SUMS, …) in the run folder',
        found: 'none',
        message: 'expected a manifest in the run folder for the manifest profile, found none',
      });
    } else {
      manifest = parseManifest(manifestFile.path, await readText(manifestFile.absolute));
      reasons.push(...manifest.reasons);
      const present = new Map(files.map((file) => [normalizeKey(file.path), file]));
      for (const entry of manifest.entries) {
        listed.set(normalizeKey(entry.name), entry);
        if (!present.has(normalizeKey(entry.name))) {
          reasons.push({
            file: entry.name,
            ...(entry.line ? { line: entry.line } : {}),
            expected: `the file ${entry.name} listed in ${manifestFile.path}`,
            found: 'no such file',
            message: `missing file: ${manifestFile.path} lists ${entry.name}, but the run folder has no such file`,
          });
        }
      }
      for (const file of fastqs) {
        if (!listed.has(normalizeKey(file.path))) {
          reasons.push({
            file: file.path,
            expected: `only files listed in ${manifestFile.path}`,
            found: 'a FASTQ the manifest does not list',
            message: `orphan FASTQ: ${file.path} is not listed in ${manifestFile.path}`,
          });
        }
      }
    }
  }

  // FASTQs, R1 and R2 of a pair together.
  const groups = new Map<string, { R1?: FolderFile; R2?: FolderFile; other: FolderFile[] }>();
  for (const file of fastqs) {
    const parsed = parseFastqFileName(basename(file.path));
    const key =
      parsed && (parsed.read === 'R1' || parsed.read === 'R2')
        ? `${file.path.slice(0, file.path.length - basename(file.path).length)}${parsed.pairKey}`
        : `single:${file.path}`;
    const group = groups.get(key) ?? { other: [] };
    if (parsed && (parsed.read === 'R1' || parsed.read === 'R2') && !group[parsed.read]) group[parsed.read] = file;
    else group.other.push(file);
    groups.set(key, group);
  }
  const wantsSha = (file: FolderFile) => options.sha256 === true || listed.get(normalizeKey(file.path))?.sha256 !== undefined;
  for (const group of groups.values()) {
    const { R1: r1, R2: r2 } = group;
    if (r1 && r2) {
      const pair = await inspectPair(
        { body: openLocal(r1.absolute), fileName: r1.path },
        { body: openLocal(r2.absolute), fileName: r2.path },
        { sha256: wantsSha(r1) || wantsSha(r2) },
      );
      results.set(r1.path, fastqResult(r1.path, pair.r1));
      results.set(r2.path, fastqResult(r2.path, pair.r2, pair.reasons));
    }
    const lone = r1 && r2 ? undefined : (r1 ?? r2);
    // The sheet's expected names already report a missing mate; without a sheet, a paired run needs both.
    if (lone && pairedRun && !expectedNamesChecked && !UNDETERMINED.test(basename(lone.path))) {
      const parsed = parseFastqFileName(basename(lone.path))!;
      const mate = parsed.pairKey.replace('{read}', parsed.read === 'R1' ? 'R2' : 'R1');
      reasons.push({
        file: lone.path,
        expected: `its mate ${mate}`,
        found: 'no such file',
        message: `missing mate: ${lone.path} has no mate ${mate} in the run folder`,
      });
    }
    for (const file of lone ? [lone, ...group.other] : group.other) {
      results.set(file.path, fastqResult(file.path, await inspectFastq(openLocal(file.absolute), file.path, { sha256: wantsSha(file) })));
    }
  }

  if (manifest) {
    for (const file of files) {
      const entry = listed.get(normalizeKey(file.path));
      if (!entry) continue;
      let result = results.get(file.path);
      if (!result) {
        const hashes = await hashLocalFile(file.absolute, entry.sha256 !== undefined || options.sha256 === true);
        result = { path: file.path, valid: true, reasons: [], ...hashes };
        results.set(file.path, result);
      }
      result.reasons.push(
        ...compareWithManifest(file.path, entry, { md5: result.md5!, sha256: result.sha256, size: result.size! }, manifest.file),
      );
      result.valid = result.reasons.length === 0;
    }
  }

  const sorted = [...results.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { valid: reasons.length === 0 && sorted.every((file) => file.valid), profile, files: sorted, reasons };
}

function fastqResult(path: string, inspection: FastqInspection, extra: ValidationReason[] = []): FileValidation {
  const reasons = [...inspection.reasons, ...extra];
  return {
    path,
    valid: reasons.length === 0,
    reasons,
    md5: inspection.md5,
    ...(inspection.sha256 ? { sha256: inspection.sha256 } : {}),
    size: inspection.size,
    stats: inspection.stats,
  };
}

/** Illumina: every sample × lane × read of the sheet is there once; no FASTQ the sheet does not explain. */
function illuminaFileReasons(sheetPath: string, sheet: SampleSheet, fastqs: FolderFile[]): ValidationReason[] {
  const reasons: ValidationReason[] = [];
  const byName = new Map<string, FolderFile[]>();
  for (const file of fastqs) {
    const name = normalizeKey(basename(file.path));
    byName.set(name, [...(byName.get(name) ?? []), file]);
  }
  const expected = new Set<string>();
  for (const sample of sheet.samples) {
    for (const lane of sample.lanes) {
      for (const read of sheet.reads) {
        const name = fastqName(sample, lane, read);
        expected.add(normalizeKey(name));
        const found = byName.get(normalizeKey(name)) ?? [];
        if (found.length === 0) {
          const mate =
            read === 'R2' ? fastqName(sample, lane, 'R1') : sheet.reads.includes('R2') ? fastqName(sample, lane, 'R2') : undefined;
          const mateThere = mate !== undefined && byName.has(normalizeKey(mate));
          reasons.push({
            file: name,
            expected: `${name} (sample ${sample.sampleId}, lane ${lane}, ${read}, from ${sheetPath})`,
            found: 'no such file',
            message: mateThere
              ? `missing mate: ${mate} is there but its mate ${name} (sample ${sample.sampleId}, lane ${lane}) is not`
              : `missing file: ${sheetPath} lists sample ${sample.sampleId} in lane ${lane}, but ${name} is not in the run folder`,
          });
        } else if (found.length > 1) {
          reasons.push({
            file: name,
            expected: 'one file of this name',
            found: found.map((file) => file.path).join(', '),
            message: `${name} is in the run folder ${found.length} times: ${found.map((file) => file.path).join(', ')}`,
          });
        }
      }
    }
  }
  for (const file of fastqs) {
    const name = normalizeKey(basename(file.path));
    if (expected.has(name) || UNDETERMINED.test(name)) continue;
    // Index reads (I1/I2) of an expected sample are fine; they are never required.
    const indexOf = parseFastqFileName(name);
    if (indexOf && (indexOf.read === 'I1' || indexOf.read === 'I2') && expected.has(indexOf.pairKey.replace('{read}', 'R1'))) continue;
    reasons.push({
      file: file.path,
      expected: `only FASTQs of the samples in ${sheetPath} (or Undetermined_S0_*)`,
      found: 'a FASTQ no sample of the sheet explains',
      message: `orphan FASTQ: ${file.path} belongs to no sample × lane × read of ${sheetPath}`,
    });
  }
  return reasons;
}

async function readText(path: string): Promise<string> {
  try {
    return (await readFile(path)).toString('utf8');
  } catch (error) {
    throw new ValidationIoError(path, error);
  }
}

/**
 * Every regular file under `dir`, relative and `/`-separated. Names that could not be stored as keys
 * (control characters, backslashes) and links leading out of the folder become reasons. Dot files
 * (`.DS_Store`, `._name` resource forks) are skipped: instruments do not write them, desktops do.
 */
async function listFolder(dir: string, reasons: ValidationReason[]): Promise<FolderFile[]> {
  const root = await realpath(dir).catch((error: unknown) => {
    throw new ValidationIoError(dir, error);
  });
  const out: FolderFile[] = [];
  const walk = async (absolute: string, relative: string): Promise<void> => {
    const entries = await readdir(absolute, { withFileTypes: true }).catch((error: unknown) => {
      throw new ValidationIoError(absolute, error);
    });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const full = join(absolute, entry.name);
      const unsafe = unsafePathReason(path, path);
      if (unsafe) {
        reasons.push(unsafe);
        continue;
      }
      if (entry.isSymbolicLink()) {
        const target = await realpath(full).catch(() => undefined);
        if (!target || (target !== root && !target.startsWith(root + sep))) {
          reasons.push({
            file: path,
            expected: 'a file inside the run folder',
            found: target ? `a link to ${target}` : 'a broken link',
            message: `${path} is a link that leads outside the run folder${target ? ` (to ${target})` : ''}`,
          });
          continue;
        }
        const targetInfo = await lstat(target);
        if (!targetInfo.isFile()) continue;
        out.push({ path, absolute: full });
        continue;
      }
      if (entry.isDirectory()) await walk(full, path);
      else if (entry.isFile()) out.push({ path, absolute: full });
    }
  };
  await walk(root, '');
  return out;
}
