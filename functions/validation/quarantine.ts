import { bucketNames } from '../../config/defineConfig.ts';
import { quarantinePrefix, quarantineReasonsKey } from '../../contracts/keys.ts';
import { isIdentity } from '../../validation/fileVerdict.ts';
import type { ValidationReason, VersionFile } from '../../validation/types.ts';
import type { VersionRef } from '../catalog/types.ts';
import { verifiedCopy } from '../publishing/verifiedCopy.ts';
import type { Services } from '../shared/services.ts';

/** What a lab person should do about a rejected sample, written into reasons.json and shown by the CLI. */
export const WHAT_TO_DO =
  'Fix or re-export the files named in the reasons and copy them into the same run folder on the share again. ' +
  'Only the fixed files are needed: the good files of this sample are kept in quarantine and are used with them. ' +
  'Nothing was deleted: every rejected file is in the quarantine bucket under this folder.';

/**
 * Moves a rejected sample version's files to the quarantine bucket under `<team>/<run>/<sample>/v<N>/` with a
 * `reasons.json`: each copy is verified against the MD5 of the validated bytes, reasons.json is read back,
 * and only then are the landing objects removed. The catalog's file records follow the objects, so a
 * later re-landing of just the fixed file completes the sample with the good files kept here.
 */
export async function quarantineSample(
  svc: Services,
  ref: VersionRef,
  files: VersionFile[],
  reasons: ValidationReason[],
): Promise<{ reasonsKey: string; files: VersionFile[] }> {
  const quarantine = bucketNames(svc.config).quarantine;
  const prefix = quarantinePrefix(ref);
  const moved: VersionFile[] = [];
  for (const file of files) {
    if (file.bucket === quarantine) {
      moved.push(file); // already kept here from an earlier rejection
      continue;
    }
    // Still the very object validation read (its ETag, size and version): the MD5 recorded is of these bytes, so
    // they are not read again (a rejected 100 GB sample read back twice could never finish in the function that
    // concludes it). Its copy is verified by the storage's checksum of it, which S3 carries over to a copy (or
    // recounts, above 5 GiB); without one the copy is read. An object that changed since is read, and refused.
    const stored = await svc.storage.head(file.bucket, file.key);
    const validated = stored !== undefined && isIdentity(stored, file);
    const copy = await verifiedCopy(
      svc.storage,
      {
        bucket: file.bucket,
        key: file.key,
        recorded: { md5: file.md5, ...(validated && stored.crc64nvme ? { crc64nvme: stored.crc64nvme } : {}) },
      },
      { bucket: quarantine, key: `${prefix}${file.name}` },
      undefined,
      validated ? { sourceVerified: { md5: file.md5, size: stored.size } } : {},
    );
    moved.push({ ...file, bucket: quarantine, key: copy.key });
  }
  const reasonsKey = quarantineReasonsKey(ref);
  const document = {
    ...ref,
    rejectedAt: new Date().toISOString(),
    reasons,
    files: moved.map(({ name, key, size, md5 }) => ({ name, key, size, md5 })),
    whatToDo: WHAT_TO_DO,
  };
  const body = `${JSON.stringify(document, null, 2)}\n`;
  await svc.storage.put(quarantine, reasonsKey, body, { contentType: 'application/json' });
  if ((await svc.storage.getBytes(quarantine, reasonsKey)).toString('utf8') !== body)
    throw new Error(`s3://${quarantine}/${reasonsKey} did not read back as written; landing files were left in place`);

  // Everything is safely in quarantine: now, and only now, remove the landing copies.
  for (const [index, file] of files.entries()) {
    const target = moved[index]!;
    if (file.bucket === target.bucket && file.key === target.key) continue;
    await svc.catalog.runs.relocateFile(ref.team, ref.runId, file.name, { bucket: target.bucket, key: target.key });
    await svc.storage.delete(file.bucket, file.key);
  }
  return { reasonsKey, files: moved };
}
