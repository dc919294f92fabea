import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { normalizeKey } from '../../seams/storage/keys.ts';
import { parseFastqFileName } from '../../workflows/fastq/fileNames.ts';
import type { LandedFile, ValidationReason, VersionFile } from '../catalog/types.ts';
import type { Services } from '../shared/services.ts';
import { type FastqInspection, inspectFastq, inspectPair } from './inspectFastq.ts';
import { compareWithManifest, type ManifestEntry } from './manifest.ts';

export interface SampleValidation {
  files: VersionFile[];
  reasons: ValidationReason[];
  versionHash: string;
}

export interface ValidateSampleOptions {
  /**
   * The run's manifest, when it has one (manifest profile, or a manifest beside a sample sheet):
   * each listed file's MD5, SHA-256 and size are compared with what the pass measured.
   */
  manifest?: { source: string; entries: ManifestEntry[] };
}

/**
 * Sample version identity: SHA-256 over the sorted (NFC name, MD5 of stored bytes) pairs.
 * An identical re-upload is the same version; a changed or late file makes a new one.
 */
export function versionHashOf(files: Array<{ name: string; md5: string }>): string {
  const pairs = files.map((file) => [normalizeKey(file.name), file.md5] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

interface Slot {
  file: LandedFile;
  read: VersionFile['read'];
  lane: number;
  pairKey?: string;
}

/**
 * Validates every file of a landed sample with the same one-pass code as `landfall validate`
 * ({@link inspectFastq}, {@link inspectPair}): MD5 always and SHA-256 when the manifest lists one,
 * size and checksums against the run's manifest, gzip integrity, every FASTQ record, R1/R2 of a lane
 * read together so counts and read names are compared record by record, a missing mate, and the read
 * statistics that go into the catalog. Bad data never throws; it comes back as `reasons`.
 *
 * @throws ValidationIoError when a stored object cannot be read (the invocation is retried)
 * @example
 * const { files, reasons, versionHash } = await validateSample(svc, landed, { manifest });
 */
export async function validateSample(
  svc: Pick<Services, 'storage'>,
  landed: LandedFile[],
  options: ValidateSampleOptions = {},
): Promise<SampleValidation> {
  const reasons: ValidationReason[] = [];
  // Pairing and missing-mate problems come after each file's own: a broken file often explains them.
  const pairReasons: ValidationReason[] = [];
  const listed = new Map((options.manifest?.entries ?? []).map((entry) => [normalizeKey(entry.name), entry]));
  const wantsSha = (file: LandedFile) => listed.get(normalizeKey(file.name))?.sha256 !== undefined;
  const open = (file: LandedFile) => svc.storage.get(file.bucket, file.key);

  const slots: Slot[] = landed.map((file) => {
    const parsed = parseFastqFileName(basename(file.name));
    return {
      file,
      read: parsed?.read ?? 'R1',
      lane: parsed?.lane ?? 1,
      ...(parsed ? { pairKey: `${file.name.slice(0, file.name.length - basename(file.name).length)}${parsed.pairKey}` } : {}),
    };
  });
  const inspections = new Map<LandedFile, FastqInspection>();
  const pairedSample = slots.some((slot) => slot.read === 'R2');
  for (const slot of slots) {
    if (inspections.has(slot.file)) continue;
    const mateRead = slot.read === 'R1' ? 'R2' : slot.read === 'R2' ? 'R1' : undefined;
    const mate =
      mateRead && slots.find((other) => other.read === mateRead && other.pairKey === slot.pairKey && other.pairKey !== undefined);
    if (mate) {
      const [r1, r2] = slot.read === 'R1' ? [slot, mate] : [mate, slot];
      const pair = await inspectPair(
        { body: await open(r1.file), fileName: r1.file.name },
        { body: await open(r2.file), fileName: r2.file.name },
        { sha256: wantsSha(r1.file) || wantsSha(r2.file) },
      );
      inspections.set(r1.file, pair.r1);
      inspections.set(r2.file, pair.r2);
      pairReasons.push(...pair.reasons);
      continue;
    }
    if (mateRead && pairedSample) {
      const mateName = slot.pairKey!.replace('{read}', mateRead);
      pairReasons.push({
        file: slot.file.name,
        expected: `its mate ${mateName}`,
        found: 'no such file in the sample',
        message: `missing mate: ${slot.file.name} has no mate ${mateName} (lane ${slot.lane})`,
      });
    }
    inspections.set(slot.file, await inspectFastq(await open(slot.file), slot.file.name, { sha256: wantsSha(slot.file) }));
  }

  const files: VersionFile[] = [];
  for (const { file, read, lane } of slots) {
    const inspection = inspections.get(file)!;
    if (inspection.size !== file.size) {
      reasons.push({
        file: file.name,
        expected: `${file.size} bytes (the size recorded when the file landed)`,
        found: `${inspection.size} bytes`,
        message: `stored size ${inspection.size} bytes differs from the landed size ${file.size}: the object changed while it was validated`,
      });
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
      read,
      reads: inspection.reads,
      stats: inspection.stats,
    });
  }
  reasons.push(...pairReasons);
  return { files, reasons, versionHash: versionHashOf(files) };
}
