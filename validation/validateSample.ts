import { createHash } from 'node:crypto';
import { normalizeKey } from '../contracts/keys.ts';
import type { LandedFile } from '../contracts/validationJob.ts';
import { pairMates } from '../layouts/pairs.ts';
import type { RunInfo } from '../layouts/runInfo.ts';
import { resolveRunLayout } from '../layouts/runLayout.ts';
import type { FileRead } from '../layouts/types.ts';
import type { ObjectStorage } from '../seams/storage/ObjectStorage.ts';
import type { ValidationOptions, ValidationReason, VersionFile } from './types.ts';
import { type FilePass, type FileVerdict, fileVerdictOf, verdictFits } from './fileVerdict.ts';
import { type FastqInspection, inspectPair } from './inspectFastq.ts';
import { pairedByFingerprint } from './MateNamesDigest.ts';
import { compareWithManifest, type ManifestEntry } from './manifest.ts';
import { mateLengthReasons } from './mateLength.ts';
import { type DemultiplexedReads, demultiplexedReadReasons } from './demultiplexedReads.ts';
import { reasonOf } from './rules.ts';

export interface SampleValidation {
  files: VersionFile[];
  reasons: ValidationReason[];
  versionHash: string;
}

export interface ValidateSampleOptions extends ValidationOptions {
  /**
   * The run's manifest, when it has one (manifest profile, or a manifest beside a sample sheet):
   * each listed file's MD5, SHA-256 and size are compared with what the pass measured.
   */
  manifest?: { source: string; entries: ManifestEntry[] };
  /** Each file's read label, role, lane and part as the landing layout decided (else the names decide). */
  reads?: readonly FileRead[];
  /**
   * Verdicts made as the files landed (validation/fileVerdict.ts), by file name: one is taken only for the
   * identity it was made for; a file without one is read now.
   */
  verdicts?: ReadonlyMap<string, FileVerdict>;
  /** Where a file without a fitting verdict is read (the embedded runtime's worker pool). @default in this thread */
  filePass?: FilePass;
  /** Told of each verdict made here (a file with no fitting verdict), so it can be kept for next time. */
  onVerdict?: (verdict: FileVerdict) => Promise<void> | void;
  /** The run's RunInfo.xml reads, when it has one: a mate no longer than its index reads is refused (validation/mateLength.ts). */
  runInfo?: Pick<RunInfo, 'reads'>;
  /** What the run's demultiplexer report says it wrote for this sample: each FASTQ is counted against it. */
  demultiplexed?: DemultiplexedReads;
}

/**
 * Sample version identity: SHA-256 over the sorted (NFC name, MD5 of stored bytes) pairs.
 * An identical re-upload is the same version; a changed or late file makes a new one.
 */
export function versionHashOf(files: Array<{ name: string; md5: string }>): string {
  const pairs = files.map((file) => [normalizeKey(file.name), file.md5] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

/** Where a sample's files come from: landed objects (read through storage). */
type Slot = LandedFile & FileRead;

/**
 * Each landed file with its read label, role, lane and part: as the landing layout decided them (the
 * "Sample Landed" event), else from the names, by the same layouts/ rules (an event from before roles).
 */
export function readsOf(landed: readonly LandedFile[], reads?: readonly FileRead[]): Slot[] {
  const given = new Map((reads ?? []).map((read) => [read.name, read]));
  const missing = landed.filter((file) => !given.has(file.name));
  const derived = new Map<string, FileRead>();
  if (missing.length > 0) {
    for (const sample of resolveRunLayout({ profile: 'marker', files: missing.map((file) => file.name) }).samples)
      for (const { landed: _landed, ...read } of sample.files) derived.set(read.name, read);
  }
  return landed.map((file) => ({
    ...file,
    ...(given.get(file.name) ?? derived.get(file.name) ?? { label: 'R1', role: 'single', lane: 1, part: 1 }),
    name: file.name,
  }));
}

/** The name a lone mate's partner would have: the same name with the partner's read label. */
function partnerName(file: Slot, slots: Slot[], missing: 'mate1' | 'mate2'): string {
  const label = slots.find((slot) => slot.role === missing)?.label ?? (missing === 'mate2' ? 'R2' : 'R1');
  const base = file.name.slice(file.name.lastIndexOf('/') + 1);
  const at = Math.max(base.lastIndexOf(`_${file.label}`), base.lastIndexOf(`.${file.label}`));
  return at < 0 ? `${base} (${label})` : `${base.slice(0, at + 1)}${label}${base.slice(at + 1 + file.label.length)}`;
}

/**
 * Validates every file of a landed sample with the same one-pass code as `landfall validate`
 * ({@link inspectFastq}, {@link inspectPair}): MD5 always and SHA-256 when the manifest lists one,
 * size and checksums against the run's manifest, gzip integrity, every FASTQ record, mate 1 and mate 2
 * of each lane read together (layouts/pairMates: by role, so with a UMI read R1 pairs with R3) so counts
 * and read names are compared record by record, a missing mate, and the read statistics that go into the
 * catalog. Bad data never throws; it comes back as `reasons`.
 *
 * Each file's own pass is the verdict made when it landed ({@link ValidateSampleOptions.verdicts}) when that
 * verdict is for the same stored bytes, else one pass now; mates whose fingerprints (record count, digest
 * of the names in order) are equal are paired without another read; any other pair is read again in
 * lockstep, so pairing reasons are exactly those of reading the two together.
 *
 * @throws ValidationIoError when a stored object cannot be read (the invocation is retried)
 * @example
 * const { files, reasons, versionHash } = await validateSample(svc, landed, { manifest, reads });
 */
export async function validateSample(
  svc: { storage: ObjectStorage },
  landed: LandedFile[],
  options: ValidateSampleOptions = {},
): Promise<SampleValidation> {
  const reasons: ValidationReason[] = [];
  // Pairing and missing-mate problems come after each file's own: a broken file often explains them.
  const pairReasons: ValidationReason[] = [];
  const listed = new Map((options.manifest?.entries ?? []).map((entry) => [normalizeKey(entry.name), entry]));
  const wantsSha = (file: LandedFile) => listed.get(normalizeKey(file.name))?.sha256 !== undefined;
  const open = (file: LandedFile) => svc.storage.get(file.bucket, file.key);

  const slots = readsOf(landed, options.reads);
  // Every file's own verdict first: kept from its landing when it is for these very bytes, else one pass now.
  const verdicts = new Map<string, FileVerdict>();
  for (const slot of slots) {
    const sha256 = wantsSha(slot);
    const kept = options.verdicts?.get(slot.name);
    if (verdictFits(kept, slot, { legacyNoCalls: options.legacyNoCalls, sha256 })) {
      verdicts.set(slot.name, kept);
      continue;
    }
    const pass: FilePass = options.filePass ?? ((file, passOptions) => fileVerdictOf(svc.storage, file, passOptions));
    // Made with SHA-256 whether or not this manifest lists one, as at landing: the verdict is kept for later ones.
    const made = await pass(slot, { sha256: true, legacyNoCalls: options.legacyNoCalls });
    // Kept only when the bytes read are the size that landed: a verdict is never kept for other bytes.
    if (made.inspection.size === slot.size) await options.onVerdict?.(made);
    verdicts.set(slot.name, made);
  }
  const inspections = new Map<string, FastqInspection>([...verdicts].map(([name, verdict]) => [name, verdict.inspection]));
  const { pairs, loneMates } = pairMates(slots);
  for (const { mate1, mate2 } of pairs) {
    if (pairedByFingerprint(verdicts.get(mate1.name)!.mates, verdicts.get(mate2.name)!.mates)) continue;
    // Not provably paired: the two mates are read in lockstep, so the reasons are exactly MatePairing's.
    const pair = await inspectPair(
      { body: await open(mate1), fileName: mate1.name },
      { body: await open(mate2), fileName: mate2.name },
      { sha256: wantsSha(mate1) || wantsSha(mate2), legacyNoCalls: options.legacyNoCalls },
    );
    inspections.set(mate1.name, pair.r1);
    inspections.set(mate2.name, pair.r2);
    pairReasons.push(...pair.reasons);
  }
  for (const { file, missing } of loneMates) {
    const mate = partnerName(file, slots, missing);
    pairReasons.push(
      reasonOf('MISSING_MATE', {
        file: file.name,
        expected: `its mate ${mate}`,
        found: 'no such file in the sample',
        message: `missing mate: ${file.name} has no mate ${mate} (lane ${file.lane})`,
      }),
    );
  }

  const files: VersionFile[] = [];
  for (const { label, role, lane, part, ...file } of slots) {
    const inspection = inspections.get(file.name)!;
    if (inspection.size !== file.size) {
      reasons.push(
        reasonOf('SIZE_CHANGED', {
          file: file.name,
          expected: `${file.size} bytes (the size recorded when the file landed)`,
          found: `${inspection.size} bytes`,
          message: `stored size ${inspection.size} bytes differs from the landed size ${file.size}: the object changed while it was validated`,
        }),
      );
    }
    reasons.push(...inspection.reasons);
    const entry = listed.get(normalizeKey(file.name));
    if (entry) reasons.push(...compareWithManifest(file.name, entry, inspection, options.manifest!.source));
    files.push({
      name: file.name,
      bucket: file.bucket,
      key: file.key,
      size: file.size,
      etag: file.etag,
      versionId: file.versionId,
      md5: inspection.md5,
      lane,
      read: label,
      role,
      part,
      reads: inspection.reads,
      stats: inspection.stats,
    });
  }
  reasons.push(...pairReasons);
  reasons.push(...mateLengthReasons(files, options.runInfo));
  reasons.push(...demultiplexedReadReasons(files, options.demultiplexed));
  return { files, reasons, versionHash: versionHashOf(files) };
}
