import { existsSync, readFileSync } from 'node:fs';
import type { LocalBatchExecutor } from './LocalBatchExecutor.ts';

/**
 * Test-only fault of the embedded runtime (`LANDFALL_FAULTS` key `executor.onTouch`): once `touchFile`
 * appears (written by the step program's `step.hangOnce` fault with its job id and region), either kill
 * that job as a spot interruption or take its whole region down. Off unless the key is set.
 */
export interface OnTouchFault {
  touchFile: string;
  action: 'spot-interruption' | 'region-down';
}

export function armFaultTriggers(executor: LocalBatchExecutor, faultsJson = process.env.LANDFALL_FAULTS): (() => void) | undefined {
  if (!faultsJson) return undefined;
  const fault = (JSON.parse(faultsJson) as Record<string, OnTouchFault | undefined>)['executor.onTouch'];
  if (!fault) return undefined;
  const timer = setInterval(() => {
    if (!existsSync(fault.touchFile)) return;
    let touched: { jobId?: string; region?: string };
    try {
      touched = JSON.parse(readFileSync(fault.touchFile, 'utf8')) as { jobId?: string; region?: string };
    } catch {
      return; // being written
    }
    if (!touched.jobId || !touched.region) return;
    clearInterval(timer);
    if (fault.action === 'region-down') executor.setRegionDown(touched.region, true);
    else executor.killJob(touched.jobId);
  }, 50);
  timer.unref(); // never what keeps the runtime alive
  return () => clearInterval(timer);
}

/**
 * Test-only fault of the embedded runtime (`LANDFALL_FAULTS` key `executor.jobTimeoutSeconds`): jobs of
 * `step` are submitted with this attempt timeout instead of the pipeline's (minutes), so a test can see a
 * hanging step killed past its timeout in seconds. Everything else about the job is unchanged.
 */
export interface JobTimeoutFault {
  step: string;
  seconds: number;
  /** Only the first `times` jobs of the step get the short timeout (a later reprocess runs normally). @default every job */
  times?: number;
}

export function shortenJobTimeouts(executor: LocalBatchExecutor, faultsJson = process.env.LANDFALL_FAULTS): void {
  if (!faultsJson) return;
  const fault = (JSON.parse(faultsJson) as Record<string, JobTimeoutFault | undefined>)['executor.jobTimeoutSeconds'];
  if (!fault) return;
  const submit = executor.submit.bind(executor);
  let left = fault.times ?? Number.POSITIVE_INFINITY;
  executor.submit = (spec) => {
    if (!spec.jobDefinition.endsWith(`-${fault.step}`) || left <= 0) return submit(spec);
    left--;
    return submit({ ...spec, timeoutSeconds: fault.seconds });
  };
}
