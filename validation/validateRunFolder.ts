import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { normalizeKey } from '../contracts/keys.ts';
import { isFastqName } from '../layouts/fastqNames.ts';
import { fastqsNotYetLanded, MINKNOW_FINAL_SUMMARY, MINKNOW_OUTPUT_HASH, parseMinknowFinalSummary } from '../layouts/longReads.ts';
import { pairMates } from '../layouts/pairs.ts';
import { parseRunInfo, type RunInfo } from '../layouts/runInfo.ts';
import { demultiplexStatsPath, runInfoPath, runSampleSheetPath } from '../layouts/runFiles.ts';
import { resolveRunLayout } from '../layouts/runLayout.ts';
import type { SampleSheet } from '../layouts/sampleSheet.ts';
import type { ExpectedFile, LayoutProfile, LayoutSample, RunLayout } from '../layouts/types.ts';
import type { ValidationReason } from './types.ts';
import { ValidationIoError, ValidationUsageError } from './errors.ts';
import { inspectPair } from './inspectFastq.ts';
import { mateLengthReasons } from './mateLength.ts';
import { demultiplexedReadReasons, demultiplexedReadsOf } from './demultiplexedReads.ts';
import { type DemultiplexStats, DemultiplexStatsError, parseDemultiplexStats } from '../layouts/demultiplexStats.ts';
import { compareWithManifest, MANIFEST_NAME, type Manifest, type ManifestEntry, parseManifest, unsafePathReason } from './manifest.ts';
import type { FastqInspection, FileValidation, ValidationOptions, ValidationProfile, ValidationResult } from './types.ts';
import { nativeFirst } from './nativeFirst.ts';
import { hashLocalFile, inspectLocalFastq, localSize, openLocal, validateSampleSheetFile } from './validateFile.ts';
import { reasonOf } from './rules.ts';

export interface ValidateRunFolderOptions extends ValidationOptions {
  /**
   * How the folder is laid out and which files it must hold (layouts/): `illumina` (SampleSheet.csv:
   * every sample × lane × read), `manifest` (a manifest's files, with checksums and sizes), `marker`
   * (whatever FASTQ is there, mates required), `ont` (MinKNOW fastq_pass/<barcode>/), `pacbio` (HiFi
   * FASTQ per barcode or sample). Default: chosen from what the folder holds (see {@link detectProfile}).
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

/**
 * The profile a folder's contents suggest when none is given: a sample sheet means Illumina, a manifest
 * a manifest run, MinKNOW's `fastq_pass/` or `final_summary_*.txt` a nanopore run, PacBio's `hifi_reads`
 * names or a `.transferdone` a PacBio run; anything else is a marker run.
 */
export function detectProfile(paths: readonly string[]): LayoutProfile {
  const top = paths.filter((path) => !path.includes('/'));
  if (runSampleSheetPath(paths) !== undefined) return 'illumina';
  if (top.some((path) => MANIFEST_NAME.test(path))) return 'manifest';
  if (paths.some((path) => /(^|\/)fastq_pass[^/]*\//.test(path) || MINKNOW_FINAL_SUMMARY.test(path))) return 'ont';
  if (paths.some((path) => /\.hifi_reads\./.test(path) || /\.transferdone$/.test(path))) return 'pacbio';
  return 'marker';
}

/**
 * Validates a local run folder with the same layout (layouts/resolveRunLayout) and the same per-sample
 * pairing (layouts/pairMates) as the live landing: which samples its files make, every file each sample
 * should have (every lane and read of the sheet, RunInfo.xml or the files), mates read together record by
 * record, every other FASTQ on its own, the sample sheet or manifest, FASTQs no sample explains, and the
 * path safety of every name. The result says which files make which sample, with their roles.
 *
 * @throws ValidationIoError when the folder or a file in it cannot be read
 * @throws ValidationUsageError when `dir` is not a folder
 * @example
 * const result = await validateRunFolder('share/lab-a/240101_A00123_0001_AHXXXX', { profile: 'illumina' });
 * for (const sample of result.samples ?? []) console.log(sample.sampleId, sample.files.map((f) => f.path));
 */
export async function validateRunFolder(dir: string, options: ValidateRunFolderOptions = {}): Promise<ValidationResult> {
  const info = await stat(dir).catch((error: unknown) => {
    throw new ValidationIoError(dir, error);
  });
  if (!info.isDirectory()) throw new ValidationUsageError(`${dir} is not a folder; use validateFile for a single file`);
  const reasons: ValidationReason[] = [];
  const files = await listFolder(dir, reasons);
  const top = files.filter((file) => !file.path.includes('/'));
  const paths = files.map((file) => file.path);
  // The same sheet and RunInfo.xml the landing reads: the top-level ones, a requeued analysis's, BCL Convert's copies.
  const sheetPath = runSampleSheetPath(paths);
  const sheetFile = sheetPath === undefined ? undefined : files.find((file) => file.path === sheetPath);
  const manifestFile = top.find((file) => MANIFEST_NAME.test(file.path));
  const runInfoName = runInfoPath(paths, sheetPath);
  const runInfoFile = runInfoName === undefined ? undefined : files.find((file) => file.path === runInfoName);
  const profile: ValidationProfile = options.profile ?? detectProfile(paths);
  const results = new Map<string, FileValidation>();

  let sheet: SampleSheet | undefined;
  if (profile === 'illumina') {
    if (!sheetFile) {
      reasons.push(
        reasonOf('NO_SAMPLE_SHEET', {
          file: 'SampleSheet.csv',
          expected: 'a SampleSheet.csv in the run folder (illumina profile)',
          found: 'none',
          message: 'expected a SampleSheet.csv in the run folder for the illumina profile, found none',
        }),
      );
    } else {
      const checked = await validateSampleSheetFile(sheetFile.absolute, sheetFile.path);
      results.set(sheetFile.path, checked.result);
      sheet = checked.sheet;
    }
  }
  let runInfo: RunInfo | undefined;
  if (runInfoFile && profile !== 'ont' && profile !== 'pacbio') {
    try {
      runInfo = parseRunInfo(await readFile(runInfoFile.absolute));
    } catch (error) {
      if (error instanceof ValidationIoError || !(error instanceof Error)) throw error;
      reasons.push(
        reasonOf('RUN_INFO', { file: runInfoFile.path, expected: 'a readable RunInfo.xml', found: error.message, message: error.message }),
      );
    }
  }

  let manifest: Manifest | undefined;
  const listed = new Map<string, ManifestEntry>();
  // A manifest beside any profile's files states checksums the files are compared with, as the landing does;
  // only the manifest profile also takes it as the list of files the run must have.
  if (manifestFile) {
    manifest = parseManifest(manifestFile.path, await readText(manifestFile.absolute));
    reasons.push(...manifest.reasons);
    for (const entry of manifest.entries) listed.set(normalizeKey(entry.name), entry);
  }
  if (profile === 'manifest') {
    if (!manifestFile || !manifest) {
      reasons.push(
        reasonOf('NO_MANIFEST', {
          file: 'manifest',
          expected: 'a manifest (manifest.json, *.md5, md5sum.txt, MD5SUMS, …) in the run folder',
          found: 'none',
          message: 'expected a manifest in the run folder for the manifest profile, found none',
        }),
      );
    } else {
      const present = new Map(files.map((file) => [normalizeKey(file.path), file]));
      for (const entry of manifest.entries) {
        if (!present.has(normalizeKey(entry.name))) {
          reasons.push(
            reasonOf('MISSING_FILE', {
              file: entry.name,
              ...(entry.line ? { line: entry.line } : {}),
              expected: `the file ${entry.name} listed in ${manifestFile.path}`,
              found: 'no such file',
              message: `missing file: ${manifestFile.path} lists ${entry.name}, but the run folder has no such file`,
            }),
          );
        }
      }
      for (const file of files) {
        if (isFastqName(file.path) && !listed.has(normalizeKey(file.path))) {
          reasons.push(
            reasonOf('ORPHAN_FASTQ', {
              file: file.path,
              expected: `only files listed in ${manifestFile.path}`,
              found: 'a FASTQ the manifest does not list',
              message: `orphan FASTQ: ${file.path} is not listed in ${manifestFile.path}`,
            }),
          );
        }
      }
    }
  }

  // MinKNOW's output hash files (one per protocol run, beside its final summary): the SHA-256 each FASTQ should have.
  if (profile === 'ont') {
    for (const hashFile of files.filter((file) => MINKNOW_OUTPUT_HASH.test(file.path))) {
      const hashes = parseManifest(hashFile.path, await readText(hashFile.absolute));
      reasons.push(...hashes.reasons);
      for (const entry of hashes.entries) listed.set(normalizeKey(entry.name), { ...entry, source: hashFile.path });
    }
  }

  // Which files make which sample: the one definition the live landing uses.
  const layout = profile === 'illumina' && !sheet ? undefined : resolveRunLayout({ profile, files: paths, sheet, runInfo });
  if (layout) reasons.push(...layoutReasons(layout, sheetFile?.path));
  if (profile === 'ont') reasons.push(...(await finalSummaryReasons(files)));

  const byPath = new Map(files.map((file) => [file.path, file]));
  const wantsSha = (file: FolderFile) => options.sha256 === true || listed.get(normalizeKey(file.path))?.sha256 !== undefined;
  const inspected = new Set<string>();
  const sizeOf = (file: FolderFile) => localSize(file.absolute);
  // One way to check a FASTQ on its own, whether a sample names it or none does (two copies once drifted apart:
  // the unassigned files' copy lost validation.legacyNoCalls).
  const inspectAlone = async (file: FolderFile) => {
    const settings = { sha256: wantsSha(file), legacyNoCalls: options.legacyNoCalls };
    results.set(file.path, fastqResult(file.path, await inspectLocalFastq(file.absolute, file.path, settings, await sizeOf(file))));
    inspected.add(file.path);
  };
  for (const sample of layout?.samples ?? []) {
    const landed = sample.files.filter((file) => file.landed);
    const { pairs, alone } = pairMates(landed);
    for (const { mate1, mate2 } of pairs) {
      const [r1, r2] = [byPath.get(mate1.name)!, byPath.get(mate2.name)!];
      // Large pairs inflate with igzip when it is here; a pair it cannot decide is read again with zlib.
      const pair = await nativeFirst(Math.min(await sizeOf(r1), await sizeOf(r2)), (native) =>
        inspectPair(
          { body: openLocal(r1.absolute), fileName: r1.path },
          { body: openLocal(r2.absolute), fileName: r2.path },
          { sha256: wantsSha(r1) || wantsSha(r2), legacyNoCalls: options.legacyNoCalls, native },
        ),
      );
      results.set(r1.path, fastqResult(r1.path, pair.r1));
      results.set(r2.path, fastqResult(r2.path, pair.r2, pair.reasons));
      inspected.add(r1.path).add(r2.path);
    }
    for (const { name } of alone) await inspectAlone(byPath.get(name)!);
  }
  // A mate no longer than RunInfo.xml's index reads is an index or UMI read written as R2 (the mate is R3); each
  // FASTQ holds the reads BCL Convert's report gives its sample and lane (the live validation's checks).
  const report = await readDemultiplexReport(files);
  for (const sample of layout?.samples ?? []) {
    const measured = sample.files
      .filter((file) => file.landed)
      .map((file) => {
        const stats = results.get(file.name)?.stats;
        return { name: file.name, read: file.label, role: file.role, lane: file.lane, part: file.part, stats, reads: stats?.reads };
      });
    const demultiplexed = demultiplexedReadsOf(report, sample.sampleId);
    for (const reason of [...mateLengthReasons(measured, runInfo), ...demultiplexedReadReasons(measured, demultiplexed)]) {
      const result = results.get(reason.file)!;
      result.reasons.push(reason);
      result.valid = false;
    }
  }
  // Every other FASTQ (Undetermined, unclassified, failed reads, orphans) is still checked on its own.
  for (const file of files) {
    if (!inspected.has(file.path) && isFastqName(file.path)) await inspectAlone(file);
  }

  if (listed.size > 0) {
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
        ...compareWithManifest(file.path, entry, { md5: result.md5!, sha256: result.sha256, size: result.size! }, manifest?.file ?? ''),
      );
      result.valid = result.reasons.length === 0;
    }
  }

  const sorted = [...results.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    valid: reasons.length === 0 && sorted.every((file) => file.valid),
    profile,
    files: sorted,
    reasons,
    samples: (layout?.samples ?? []).map(sampleMapping),
    unexpected: layout?.unexpected ?? [],
  };
}

/** Which files make a sample, with their read label, role, lane and part (what the live landing catalogs). */
function sampleMapping(sample: LayoutSample) {
  return {
    sampleId: sample.sampleId,
    files: sample.files.filter((file) => file.landed).map(({ name, label, role, lane, part }) => ({ path: name, label, role, lane, part })),
  };
}

/**
 * What the layout finds wrong with the folder: each file a sample should have and does not (a missing mate
 * named as such), a file of a sample in two folders, and FASTQs no sample explains.
 */
function layoutReasons(layout: RunLayout, sheetPath: string | undefined): ValidationReason[] {
  const reasons: ValidationReason[] = [];
  const source = sheetPath ?? layout.readStructure.source;
  for (const sample of layout.samples) {
    for (const file of sample.files) {
      if (file.landed) continue;
      const partnerRole = file.role === 'mate1' ? 'mate2' : file.role === 'mate2' ? 'mate1' : undefined;
      const partner =
        partnerRole &&
        sample.files.find(
          (other: ExpectedFile) => other.landed && other.role === partnerRole && other.lane === file.lane && other.part === file.part,
        );
      const lane = file.lane === 0 ? 'all lanes' : `lane ${file.lane}`;
      reasons.push(
        reasonOf(partner ? 'MISSING_MATE' : 'MISSING_FILE', {
          file: file.name,
          expected: `${file.name} (sample ${sample.sampleId}, ${lane}, ${file.label}, from ${source})`,
          found: 'no such file',
          message: partner
            ? `missing mate: ${partner.name} is there but its mate ${file.name} (sample ${sample.sampleId}, ${lane}) is not`
            : `missing file: ${source} makes sample ${sample.sampleId} expect ${file.label} in ${lane}, but ${file.name} is not in the run folder`,
        }),
      );
    }
  }
  // The layout's one problem today: the same sample file (sample, lane, read) in two folders.
  for (const problem of layout.problems) {
    reasons.push(
      reasonOf('DUPLICATE_FILE', {
        file: problem.file,
        ...(problem.expected ? { expected: problem.expected } : {}),
        ...(problem.found ? { found: problem.found } : {}),
        message: problem.message,
      }),
    );
  }
  // A manifest run reports the FASTQs its manifest does not list instead.
  if (layout.profile === 'manifest') return reasons;
  for (const file of layout.unexpected) {
    // A requeue's earlier analysis is no fault of the folder: its FASTQs are kept and listed as unexpected, not orphans.
    if (!isFastqName(file.name) || file.superseded || layout.problems.some((problem) => problem.file === file.name)) continue;
    reasons.push(
      reasonOf('ORPHAN_FASTQ', {
        file: file.name,
        expected: sheetPath
          ? `only FASTQs of the samples in ${sheetPath} (or Undetermined_S0_*)`
          : `only FASTQs of samples of a ${layout.profile} run folder`,
        found: sheetPath ? 'a FASTQ no sample of the sheet explains' : 'a FASTQ of no sample',
        message: `orphan FASTQ: ${file.reason}`,
      }),
    );
  }
  return reasons;
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
    ...(inspection.qualityEncoding ? { qualityEncoding: inspection.qualityEncoding } : {}),
  };
}

/** MinKNOW's final summary counts the FASTQs it wrote; fewer in the folder means some are still to come (or lost). */
async function finalSummaryReasons(files: FolderFile[]): Promise<ValidationReason[]> {
  const paths = files.map((file) => file.path);
  const reasons: ValidationReason[] = [];
  for (const file of files.filter((candidate) => MINKNOW_FINAL_SUMMARY.test(candidate.path))) {
    const summary = parseMinknowFinalSummary(await readText(file.absolute));
    const notLanded = fastqsNotYetLanded(file.path, summary, paths);
    if (notLanded === 0) continue;
    reasons.push(
      reasonOf('MISSING_FILE', {
        file: file.path,
        expected: `${summary.fastqFiles} FASTQ files below its folder (fastq_files_in_final_dest=${summary.fastqFiles})`,
        found: `${summary.fastqFiles! - notLanded}`,
        message: `missing file: ${file.path} says MinKNOW wrote ${summary.fastqFiles} FASTQ files, ${notLanded} of them are not in the run folder`,
      }),
    );
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
          reasons.push(
            reasonOf('LINK_OUTSIDE', {
              file: path,
              expected: 'a file inside the run folder',
              found: target ? `a link to ${target}` : 'a broken link',
              message: `${path} is a link that leads outside the run folder${target ? ` (to ${target})` : ''}`,
            }),
          );
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

/** BCL Convert's report of the run's reads, when the folder has one; unreadable, it is left out, as the live validation does. */
async function readDemultiplexReport(files: FolderFile[]): Promise<DemultiplexStats | undefined> {
  const path = demultiplexStatsPath(files.map((file) => file.path));
  const file = files.find((candidate) => candidate.path === path);
  if (!file) return undefined;
  try {
    return parseDemultiplexStats(file.path, await readFile(file.absolute, 'utf8'));
  } catch (error) {
    if (error instanceof DemultiplexStatsError) return undefined;
    throw error;
  }
}
