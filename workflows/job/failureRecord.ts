import { createHash } from 'node:crypto';
import type { FailureRecord, JobManifest } from '../../contracts/jobPayload.ts';
import { attemptFailureKey, OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';

/**
 * Records why attempt `attempt` failed beside its work area (`attempt-<k>.failure.json`): which container, its
 * exit code and its last output lines — what the job's state change handler reports to the lab. Written by
 * stage-out for the tool, and by stage-in for itself (ECS never starts stage-out once stage-in failed).
 */
export async function recordAttemptFailure(
  storage: ObjectStorage,
  manifest: Pick<JobManifest, 'workBucket' | 'workPrefix'>,
  attempt: number,
  failed: { container: string; exitCode: number; logTail: string[] },
): Promise<FailureRecord> {
  const failure: FailureRecord = { ...failed, at: new Date().toISOString() };
  const body = `${JSON.stringify(failure, null, 2)}\n`;
  await storage.put(manifest.workBucket, attemptFailureKey(manifest.workPrefix, attempt), body, {
    contentType: 'application/json',
    metadata: { [OUTPUT_MD5_METADATA]: createHash('md5').update(body).digest('hex') },
  });
  return failure;
}
