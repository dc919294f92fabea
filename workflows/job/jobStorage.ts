import path from 'node:path';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';
import { type JobManifest, parseJobManifest, parseManifestRef } from '../../contracts/jobPayload.ts';

/** Environment variable naming the folder of the embedded runtime's buckets (one folder per bucket). */
export const STORAGE_ROOT_ENV = 'LANDFALL_STORAGE_ROOT';

/**
 * The storage a job's phases read and write: S3 in AWS, the embedded runtime's bucket folders when it hands
 * its jobs their root. A job reads inputs from wherever they are (the landing bucket at home, published
 * outputs, another region's staging), so the S3 client follows region redirects instead of assuming the
 * job's own region. The S3 SDK is loaded only when used: a phase program starts for every job.
 */
export async function storageFromEnvironment(env: Record<string, string | undefined> = process.env): Promise<ObjectStorage> {
  const root = env[STORAGE_ROOT_ENV];
  if (root) return new FolderStorage(root);
  const [{ S3Client }, { S3Storage }] = await Promise.all([import('@aws-sdk/client-s3'), import('../../seams/storage/S3Storage.ts')]);
  return new S3Storage(new S3Client({ followRegionRedirects: true }));
}

/**
 * How a tool outside Landfall names a stored object: `s3://<bucket>/<key>` in AWS (Nextflow and most tools read
 * those), the object's file on the embedded runtime.
 */
export function objectLocation(bucket: string, key: string, env: Record<string, string | undefined> = process.env): string {
  const root = env[STORAGE_ROOT_ENV];
  return root ? path.join(root, bucket, ...key.split('/')) : `s3://${bucket}/${key}`;
}

/** Reads the job's manifest object named by `LANDFALL_JOB_MANIFEST`. */
export async function readManifest(storage: ObjectStorage, env: Record<string, string | undefined> = process.env): Promise<JobManifest> {
  const ref = parseManifestRef(env);
  return parseJobManifest((await storage.getBytes(ref.bucket, ref.key)).toString('utf8'), `s3://${ref.bucket}/${ref.key}`);
}
