import { type FilePass, fileVerdictOf, identityOf, stillStored } from '../../validation/fileVerdict.ts';
import type { Services } from '../shared/services.ts';

/** A landed FASTQ as "File Landed" names it: where it is and its identity as `land` read it. */
export interface LandedFastq {
  name: string;
  bucket: string;
  key: string;
  size: number;
  etag: string;
  versionId?: string;
}

/**
 * Validates one FASTQ as soon as it landed (one streaming pass: MD5 and SHA-256, gzip, records, statistics, mate
 * fingerprint) and catalogs the verdict against the file's identity, so concluding its sample combines
 * verdicts instead of reading the file again. Idempotent: a verdict already there for this identity
 * (a re-delivered event) is not made again, and identical bytes landed again as a new version take the
 * verdict of the earlier one (same ETag and size) without being read. A file larger than
 * `validation.inlineMaxBytes` is left to its sample's conclusion (the Batch validation job reads it).
 *
 * @throws ValidationIoError when the stored object cannot be read (the invocation is retried)
 */
export async function validateLandedFile(svc: Pick<Services, 'catalog' | 'storage' | 'config' | 'filePass'>, file: LandedFastq) {
  const identity = identityOf(file);
  const known = await svc.catalog.fileVerdicts.find(identity);
  if (known) {
    // Kept under this identity too when it was an earlier version's (the same bytes landed again). A file's own
    // verdict is most often its sample's conclusion's, made while this event waited its turn in a burst.
    const reused = known.earlierVersion && (await svc.catalog.fileVerdicts.record(known.verdict));
    return { outcome: reused ? ('reused' as const) : ('already-validated' as const) };
  }
  if (file.size > svc.config.validation.inlineMaxBytes)
    return { outcome: 'left-for-conclusion' as const, reason: 'larger than validation.inlineMaxBytes' };
  const pass: FilePass = svc.filePass ?? ((each, options) => fileVerdictOf(svc.storage, each, options));
  // With SHA-256 as well as MD5 (a few per cent of the pass): a run's manifest may list either, and may land after
  // the file; a verdict without the hash its manifest lists would make the conclusion read the file again.
  const verdict = await pass(identity, { sha256: true, legacyNoCalls: svc.config.validation.legacyNoCalls });
  // A file replaced while it was read gets its own event and verdict, never this one.
  if (verdict.inspection.size !== file.size || !(await stillStored(svc.storage, identity)))
    return { outcome: 'changed-while-read' as const };
  const recorded = await svc.catalog.fileVerdicts.record(verdict);
  return { outcome: recorded ? ('validated' as const) : ('already-validated' as const), reasons: verdict.inspection.reasons.length };
}
