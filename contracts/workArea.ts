/**
 * The work areas in each region's work-area bucket, shared by the function that submits a job, the
 * program the job runs and the function that publishes its outputs. DESIGN.md "Keys": a job's work area
 * is `work/<execution>/<step>/`, and each attempt writes only under its own `attempt-<k>/`, so a retried or
 * interrupted attempt never touches another attempt's files. Nothing is published from a work area
 * before the attempt succeeded and its files were verified against the MD5 recorded with each.
 */

/**
 * User-metadata name under which a job program records each output's MD5 when it uploads it to its
 * attempt's area; the publisher reads it back with HeadObject and verifies every copy against it.
 */
export const OUTPUT_MD5_METADATA = 'md5';

/**
 * User-metadata name under which a job program records an output's full-object CRC64NVME (base64, as S3 reports
 * it) beside its MD5, when the storage keeps that checksum (S3): the publisher then verifies the output and its
 * copies by comparing S3's checksum with it (HeadObject), without reading the bytes back.
 */
export const OUTPUT_CRC64NVME_METADATA = 'crc64nvme';

/** `work/<execution>/<step>/`: the work area of a step's job. */
export function stepWorkPrefix(executionName: string, step: string): string {
  return `work/${executionName}/${step}/`;
}

/**
 * The work area of a job's `placement`-th placement (a job moved out of a lost region): attempt numbers
 * restart with the new job, so it gets an area of its own under the first placement's.
 *
 * @example placementWorkPrefix('work/e1/qc/placement-2/', 3) // 'work/e1/qc/placement-3/'
 */
export function placementWorkPrefix(workPrefix: string, placement: number): string {
  return `${workPrefix.replace(/placement-\d+\/$/, '')}placement-${placement}/`;
}

/** `<workPrefix>attempt-<k>/`: where the k-th attempt (Batch's `AWS_BATCH_JOB_ATTEMPT`, from 1) writes its outputs. */
export function attemptPrefix(workPrefix: string, attempt: number): string {
  return `${workPrefix}attempt-${attempt}/`;
}

/**
 * `<workPrefix><jobName>.manifest.json`: a step job's manifest (contracts/jobPayload.ts), beside its attempts,
 * never under one (publishing copies only `attempt-<k>/`).
 */
export function jobManifestKey(workPrefix: string, jobName: string): string {
  return `${workPrefix}${jobName}.manifest.json`;
}

/** `<workPrefix>attempt-<k>.failure.json`: what stage-out records when attempt k's tool (or stage-in) failed. */
export function attemptFailureKey(workPrefix: string, attempt: number): string {
  return `${workPrefix}attempt-${attempt}.failure.json`;
}
