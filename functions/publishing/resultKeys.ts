import type { VersionRef } from '../catalog/types.ts';

/** `teams/<team>/runs/<run>/samples/<sample>/v<N>/` — everything a team reads of one sample version. */
export function sampleVersionPrefix(ref: VersionRef): string {
  return `teams/${ref.team}/runs/${ref.runId}/samples/${ref.sampleId}/v${ref.version}/`;
}

export function stepOutputPrefix(ref: VersionRef, step: string): string {
  return `${sampleVersionPrefix(ref)}${step}/`;
}

export function manifestKey(ref: VersionRef): string {
  return `${sampleVersionPrefix(ref)}manifest.json`;
}

export function teamPrefix(team: string): string {
  return `teams/${team}/`;
}

/** `teams/<team>/runs/<run>/index.json`: the run's samples, their status and what each published. */
export function runIndexKey(team: string, runId: string): string {
  return `${teamPrefix(team)}runs/${runId}/index.json`;
}
