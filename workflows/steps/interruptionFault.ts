import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { OUTPUT_MD5_METADATA } from '../../contracts/workArea.ts';
import type { ObjectStorage } from '../../seams/storage/ObjectStorage.ts';

/**
 * Test-only fault of the step program (`LANDFALL_FAULTS` key `step.hangOnce`): the FIRST attempt that
 * reaches it (of `step`, anywhere) writes `marker` into its own work area, announces its job id and region
 * in `touchFile` (created exclusively, so exactly one attempt wins), and then hangs until killed. Tests pair
 * it with the runtime's `executor.onTouch` fault, which kills the job or takes its region down.
 */
export interface HangOnceFault {
  step: string;
  touchFile: string;
  /** File name written under the attempt's work area before hanging. @default 'marker.txt' */
  marker?: string;
}

export async function hangOnceIfAsked(
  spec: { step: string; workBucket: string },
  attemptPrefix: string,
  storage: ObjectStorage,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const raw = env.LANDFALL_FAULTS;
  if (!raw) return;
  const fault = (JSON.parse(raw) as Record<string, HangOnceFault | undefined>)['step.hangOnce'];
  if (!fault || fault.step !== spec.step) return;
  let fd: number;
  try {
    fd = openSync(fault.touchFile, 'wx');
  } catch {
    return; // another attempt got here first: run normally
  }
  // A real MD5, as outputs carry: were this attempt's area ever published, the marker would reach teams/.
  const body = Buffer.from(`attempt ${env.AWS_BATCH_JOB_ATTEMPT} of job ${env.AWS_BATCH_JOB_ID}\n`);
  await storage.put(spec.workBucket, `${attemptPrefix}${fault.marker ?? 'marker.txt'}`, body, {
    metadata: { [OUTPUT_MD5_METADATA]: createHash('md5').update(body).digest('hex') },
  });
  writeSync(
    fd,
    JSON.stringify({
      jobId: env.AWS_BATCH_JOB_ID,
      region: env.LANDFALL_REGION,
      attempt: env.AWS_BATCH_JOB_ATTEMPT,
    }),
  );
  closeSync(fd);
  await new Promise(() => setInterval(() => undefined, 60_000));
}

/**
 * Test-only fault (`LANDFALL_FAULTS` key `step.fail`): every attempt of `step` fails as an application
 * error would (exit code 1), which the step jobs' evaluateOnExit rules do not retry.
 */
export function failIfAsked(spec: { step: string }): void {
  const raw = process.env.LANDFALL_FAULTS;
  if (!raw) return;
  const fault = (JSON.parse(raw) as Record<string, { step?: string } | undefined>)['step.fail'];
  if (fault?.step === spec.step) throw new Error(`fault injection: step ${spec.step} fails (LANDFALL_FAULTS step.fail)`);
}

/**
 * Test-only fault (`LANDFALL_FAULTS` key `step.delay`): every attempt of `step` waits `ms` before it works, so a
 * test can watch a step's RUNNING state that real work on small test data passes through in a blink.
 */
export async function delayIfAsked(spec: { step: string }): Promise<void> {
  const raw = process.env.LANDFALL_FAULTS;
  if (!raw) return;
  const fault = (JSON.parse(raw) as Record<string, { step?: string; ms?: number } | undefined>)['step.delay'];
  if (fault?.step === spec.step && fault.ms) await new Promise((resolve) => setTimeout(resolve, fault.ms));
}

/**
 * Test-only fault (`LANDFALL_FAULTS` key `step.enospc`): an attempt of `step` fails as a full scratch disk
 * does — a Node system error `ENOSPC: no space left on device, write` (code ENOSPC, errno -28), so the
 * program exits with the code it gives any such error. With `onceFile`, only the first attempt that creates
 * it exclusively fails (a later reprocess runs normally); without it, every attempt fails.
 */
export interface EnospcFault {
  step: string;
  onceFile?: string;
}

export function failWithEnospcIfAsked(spec: { step: string }): void {
  const raw = process.env.LANDFALL_FAULTS;
  if (!raw) return;
  const fault = (JSON.parse(raw) as Record<string, EnospcFault | undefined>)['step.enospc'];
  if (fault?.step !== spec.step) return;
  if (fault.onceFile) {
    try {
      closeSync(openSync(fault.onceFile, 'wx'));
    } catch {
      return; // an earlier attempt already failed: run normally
    }
  }
  throw Object.assign(
    new Error(`ENOSPC: no space left on device, write (fault injection: step ${spec.step}, LANDFALL_FAULTS step.enospc)`),
    { code: 'ENOSPC', errno: -28, syscall: 'write' },
  );
}
