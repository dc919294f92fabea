import { normalizeKey } from '../../seams/storage/keys.ts';

export const LANDING_PREFIX = 'incoming/';

export interface LandingKey {
  team: string;
  runId: string;
  /** Path inside the run folder, NFC-normalised (macOS SMB clients write NFD). */
  name: string;
}

/**
 * Reads team, run and file from a landing key `incoming/<team>/<run>/<file...>`.
 * The team is the share's top folder (DESIGN.md "Team and ids"). Returns undefined for keys that are
 * not inside a run folder (files at the share's top level are left where they are).
 *
 * @example parseLandingKey('incoming/genomics/RUN1/S1_S1_L001_R1_001.fastq.gz')
 *   // { team: 'genomics', runId: 'RUN1', name: 'S1_S1_L001_R1_001.fastq.gz' }
 */
export function parseLandingKey(key: string): LandingKey | undefined {
  if (!key.startsWith(LANDING_PREFIX)) return undefined;
  const parts = normalizeKey(key).slice(LANDING_PREFIX.length).split('/');
  if (parts.length < 3 || parts.some((part) => part.length === 0)) return undefined;
  const [team, runId, ...rest] = parts as [string, string, ...string[]];
  return { team, runId, name: rest.join('/') };
}

export function landingKey(team: string, runId: string, name: string): string {
  return `${LANDING_PREFIX}${team}/${runId}/${name}`;
}
