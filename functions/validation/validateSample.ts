import { createHash } from 'node:crypto';
import { normalizeKey } from '../../seams/storage/keys.ts';
import type { LandedFile, ValidationReason, VersionFile } from '../catalog/types.ts';
import type { Services } from '../shared/services.ts';
import { inspectFastq } from './inspectFastq.ts';

const FASTQ_PARTS = /_L(\d{3})_(R1|R2|I1|I2)_\d{3}\.fastq\.gz$/;

export interface SampleValidation {
  files: VersionFile[];
  reasons: ValidationReason[];
  versionHash: string;
}

/**
 * Sample version identity: SHA-256 over the sorted (NFC name, MD5 of stored bytes) pairs.
 * An identical re-upload is the same version; a changed or late file makes a new one.
 */
export function versionHashOf(files: Array<{ name: string; md5: string }>): string {
  const pairs = files.map((file) => [normalizeKey(file.name), file.md5] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

/** Streams every file of a sample once (MD5, gzip, FASTQ structure) and checks that mates pair up. */
export async function validateSample(svc: Pick<Services, 'storage'>, landed: LandedFile[]): Promise<SampleValidation> {
  const reasons: ValidationReason[] = [];
  const files: VersionFile[] = [];
  for (const file of landed) {
    const parts = FASTQ_PARTS.exec(file.name);
    const inspection = await inspectFastq(await svc.storage.get(file.bucket, file.key), file.name);
    if (inspection.size !== file.size) {
      reasons.push({ file: file.name, message: `stored size ${inspection.size} bytes differs from the landed size ${file.size}: the object changed while it was validated` });
    }
    reasons.push(...inspection.reasons);
    files.push({
      name: file.name,
      bucket: file.bucket,
      key: file.key,
      size: file.size,
      etag: file.etag,
      versionId: file.versionId,
      md5: inspection.md5,
      lane: parts ? Number(parts[1]) : 1,
      read: (parts?.[2] ?? 'R1') as VersionFile['read'],
      reads: inspection.reads,
    });
  }
  for (const r1 of files.filter((file) => file.read === 'R1')) {
    const r2 = files.find((file) => file.read === 'R2' && file.lane === r1.lane);
    if (r2 && r2.reads !== r1.reads) {
      reasons.push({ file: r2.name, message: `R2 has ${r2.reads} reads but its mate ${r1.name} has ${r1.reads}: pairs must have equal read counts` });
    }
  }
  return { files, reasons, versionHash: versionHashOf(files) };
}
