import { createHash } from 'node:crypto';
import type { VersionRef } from '../catalog/types.ts';

/**
 * Deterministic execution name of a sample version's automatic run (generation 0) or of a linked
 * reprocessing/recovery run (generation > 0). Step Functions names allow 80 chars of [A-Za-z0-9-_];
 * long names keep a readable head plus a hash of the full name so they stay unique.
 */
export function executionNameOf(ref: VersionRef, generation = 0): string {
  const full = `${ref.team}-${ref.runId}-${ref.sampleId}-v${ref.version}-g${generation}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (full.length <= 80) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12);
  return `${full.slice(0, 80 - 13)}-${hash}`;
}

/** Batch job names allow 128 chars of [A-Za-z0-9_-]; one job per execution and step. */
export function jobNameOf(executionName: string, step: string): string {
  const full = `${executionName}-${step}`.replace(/[^A-Za-z0-9_-]/g, '_');
  if (full.length <= 128) return full;
  const hash = createHash('sha256').update(full).digest('hex').slice(0, 12);
  return `${full.slice(0, 128 - 13)}-${hash}`;
}
