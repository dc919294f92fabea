/**
 * Object key layouts every side agrees on: the share and the landing function (landing), the publisher,
 * the CLI and the stacks' team access points (results), validation and the dashboard (quarantine).
 * Each layout has ONE builder here and, where a key is read back, ONE parser. DESIGN.md "Keys".
 */

/** A sample, as every key, event and catalog item names it. */
export interface SampleRef {
  team: string;
  runId: string;
  sampleId: string;
}

/** One version of a sample (`v<N>`, assigned by a conditional write when it is cataloged). */
export interface VersionRef extends SampleRef {
  version: number;
}

/**
 * NFC form of a key or file name, for MATCHING only: macOS SMB clients write NFD, so
 * `Probe_ü.fastq.gz` can arrive as two different byte strings. Storage never rewrites keys;
 * compare `normalizeKey(a) === normalizeKey(b)` instead.
 *
 * @example
 * normalizeKey('Mu\u0308ller.csv') === normalizeKey('M\u00fcller.csv'); // true
 */
export function normalizeKey(key: string): string {
  return key.normalize('NFC');
}

// ---- landing bucket ----------------------------------------------------------------------------

/** Everything instruments write lands under this prefix of the landing bucket (the team shares map here). */
export const LANDING_PREFIX = 'incoming/';

/** Where a landed object belongs: its team (the share's top folder), its run folder and its path inside it. */
export interface LandingKey {
  team: string;
  runId: string;
  /** Path inside the run folder, NFC-normalised (macOS SMB clients write NFD). */
  name: string;
}

/** `incoming/<team>/`: what one team's file share maps to, and what the sweep lists per team. */
export function landingTeamPrefix(team: string): string {
  return `${LANDING_PREFIX}${team}/`;
}

/**
 * `incoming/<team>/<run>/<file>`: the landing key of a file of a run folder.
 *
 * @example landingKey('genomics', 'RUN1', 'SampleSheet.csv') // 'incoming/genomics/RUN1/SampleSheet.csv'
 */
export function landingKey(team: string, runId: string, name: string): string {
  return `${landingTeamPrefix(team)}${runId}/${name}`;
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

// ---- results bucket ----------------------------------------------------------------------------

/** `teams/<team>/`: everything a team may read (its access point and role are scoped to it). */
export function teamPrefix(team: string): string {
  return `teams/${team}/`;
}

/**
 * The pseudo-sample a run's run-scope steps are cataloged and published under: its versions are the run's
 * successive sets of covered samples. A dot cannot start an Illumina Sample_ID, so no real sample has it.
 */
export const RUN_STEPS_SAMPLE = '.run-steps';

/**
 * `teams/<team>/runs/<run>/samples/<sample>/v<N>/` — everything a team reads of one sample version; for the
 * run's own steps ({@link RUN_STEPS_SAMPLE}) `teams/<team>/runs/<run>/run-steps/v<N>/`.
 */
export function sampleVersionPrefix(ref: VersionRef): string {
  if (ref.sampleId === RUN_STEPS_SAMPLE) return `${teamPrefix(ref.team)}runs/${ref.runId}/run-steps/v${ref.version}/`;
  return `${teamPrefix(ref.team)}runs/${ref.runId}/samples/${ref.sampleId}/v${ref.version}/`;
}

/** `…/v<N>/<step>/`: where one step's published outputs are. */
export function stepOutputPrefix(ref: VersionRef, step: string): string {
  return `${sampleVersionPrefix(ref)}${step}/`;
}

/** `…/v<N>/manifest.json`: the sample version's manifest, rewritten from the catalog after every publish. */
export function manifestKey(ref: VersionRef): string {
  return `${sampleVersionPrefix(ref)}manifest.json`;
}

/** `teams/<team>/runs/<run>/index.json`: the run's samples, their status and what each published. */
export function runIndexKey(team: string, runId: string): string {
  return `${teamPrefix(team)}runs/${runId}/index.json`;
}

/** `teams/<team>/runs/<run>/report/`: the run-level report (report.json, report.html), beside its index.json. */
export function runReportPrefix(team: string, runId: string): string {
  return `${teamPrefix(team)}runs/${runId}/report/`;
}

/** Staging area of the results bucket, outside every team's prefix: a publish copies and verifies there first. */
export const PUBLISHING_PREFIX = 'publishing/';

/** `publishing/<execution>/<step>/<relative>`: where a publish stages one output before it becomes visible. */
export function publishingKey(executionName: string, step: string, relative: string): string {
  return `${PUBLISHING_PREFIX}${executionName}/${step}/${relative}`;
}

// ---- quarantine bucket -------------------------------------------------------------------------

/**
 * `<team>/<run>/<sample>/v<N>/`: where a rejected sample version's files are kept, with its own
 * `reasons.json`. Versions are numbered per sample, so a run-level `v<N>/` would hold every sample's v1
 * and one `reasons.json` would be overwritten by the next rejected sample.
 */
export function quarantinePrefix(ref: VersionRef): string {
  return `${ref.team}/${ref.runId}/${ref.sampleId}/v${ref.version}/`;
}

/** `<team>/<run>/<sample>/v<N>/reasons.json`: why that version was rejected, and what to do. */
export function quarantineReasonsKey(ref: VersionRef): string {
  return `${quarantinePrefix(ref)}reasons.json`;
}
