import { createHash } from 'node:crypto';
import type { LandfallConfig } from '../../config/schema.ts';
import { isFastqName } from '../../layouts/fastqNames.ts';
import { LayoutError } from '../../layouts/errors.ts';
import { MINKNOW_FINAL_SUMMARY, MINKNOW_OUTPUT_HASH, type MinknowFinalSummary, parseMinknowFinalSummary } from '../../layouts/longReads.ts';
import { parseRunInfo, type RunInfo } from '../../layouts/runInfo.ts';
import { parseSampleSheet, type SampleSheet } from '../../layouts/sampleSheet.ts';
import { demultiplexStatsPath, runInfoPath, runSampleSheetPath } from '../../layouts/runFiles.ts';
import { type DemultiplexStats, parseDemultiplexStats } from '../../layouts/demultiplexStats.ts';
import { type LandedFile, MISSING_LISTED, type SampleRecord } from '../catalog/types.ts';
import { compareWithManifest } from '../../validation/manifest.ts';
import { emitOnce } from '../shared/emit.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import { evaluateCompleteness, type RunCompleteness, type Profile } from './completeness.ts';
import { LandingError } from './errors.ts';
import { isManifestName, parseRunManifest, type RunManifest } from './runManifest.ts';
import { counted } from '../../contracts/words.ts';
import { bucketNames } from '../../config/defineConfig.ts';
import { landingKey, normalizeKey, parseLandingKey } from '../../contracts/keys.ts';
import { assertSafeKey } from '../../seams/storage/keys.ts';
import { InvalidKeyError } from '../../seams/storage/errors.ts';
import { announceFastq, identifyObject, recordLandedFile } from './recordObject.ts';
import { carriedLandedSet } from './landedFileSet.ts';
import { nameSkipKind } from './landingNames.ts';
import { writeRunReport } from '../reporting/writeRunReport.ts';
import { mapLimit } from '../../seams/storage/mapLimit.ts';

/** Unexpected files kept by name on the run record (the count is always exact; the bus log has each one). */
export const UNEXPECTED_LISTED = 20;

/** The completeness profile of a run folder: the first matching per-run rule, else the team's. */
export function profileFor(
  config: LandfallConfig,
  team: string,
  runId: string,
): { profile: Profile; instrumentModel?: LandfallConfig['teams'][number]['instrumentModel'] } {
  const teamConfig = config.teams.find((candidate) => candidate.id === team);
  if (!teamConfig) throw new LandingError(`team ${team} is not in the config`);
  const rule = teamConfig.runProfiles.find((candidate) => runId.startsWith(candidate.runPrefix));
  return rule
    ? { profile: rule.profile, instrumentModel: rule.instrumentModel ?? teamConfig.instrumentModel }
    : { profile: teamConfig.profile, instrumentModel: teamConfig.instrumentModel };
}

/** A sample's landed file set as one key: "Sample Landed" is announced once per identity (`landedFactKey`). */
export const identityOf = (files: LandedFile[]) =>
  createHash('sha256')
    .update(JSON.stringify(files.map((file) => [file.name, file.etag, file.size, file.versionId ?? ''])))
    .digest('hex')
    .slice(0, 32);

/** Samples of a run whose records an evaluation reads and writes at once (see evaluateRunAt). */
const SAMPLES_EVALUATED_AT_ONCE = 8;

/** The dedupeKey of a sample's "Sample Landed" for one file set. */
export const landedFactKey = (ref: { team: string; runId: string; sampleId: string }, identity: string) =>
  `landed:${ref.team}/${ref.runId}/${ref.sampleId}:${identity}`;

/**
 * Parsed run documents by object identity: a run is evaluated once per landed file, and re-reading and
 * re-parsing an unchanged sample sheet each time made landing a large run quadratic in its file count.
 * Keyed by bucket, key and ETag, so a re-uploaded sheet is read again. Small and per process (a warm Lambda
 * container keeps it between invocations, which is just as correct).
 */
type RunDocument = SampleSheet | RunManifest | RunInfo | MinknowFinalSummary | DemultiplexStats;
const parsedDocuments = new Map<string, RunDocument>();
const PARSED_DOCUMENTS_KEPT = 64;

async function readDocument<T extends RunDocument>(svc: Services, file: LandedFile, parse: (bytes: Buffer) => T): Promise<T> {
  const cacheKey = `${file.bucket}\u0000${file.key}\u0000${file.etag}\u0000${file.versionId ?? ''}`;
  const cached = parsedDocuments.get(cacheKey);
  if (cached) return cached as T;
  const parsed = parse(await svc.storage.getBytes(file.bucket, file.key));
  if (parsedDocuments.size >= PARSED_DOCUMENTS_KEPT) parsedDocuments.delete(parsedDocuments.keys().next().value!);
  parsedDocuments.set(cacheKey, parsed);
  return parsed;
}

/** Whether a run's file of that name is a checksum document: a manifest at the top, a MinKNOW hash file at any depth. */
export function isChecksumDocumentName(name: string): boolean {
  return (!name.includes('/') && isManifestName(name)) || MINKNOW_OUTPUT_HASH.test(name);
}

/**
 * Which checksum documents a run has (its top-level manifest, MinKNOW's output hash files), as one identity that
 * changes when any of them lands or changes; '' when it has none. A sample records the identity it was checked
 * against (SampleRecord.checkedDocuments).
 */
export function checksumDocumentsIdentity(documents: ReturnType<typeof runDocumentFiles>): string {
  const files = [...(documents.manifest ? [documents.manifest] : []), ...(documents.outputHashes ?? [])];
  return files.length > 0 ? identityOf(files) : '';
}

/**
 * The run documents Landfall reads: a manifest at the top of the run folder, MinKNOW's output hash files at any
 * depth (one per protocol run), and the sample sheet and RunInfo.xml {@link runSampleSheetPath} and
 * {@link runInfoPath} name (the top-level ones, a requeued analysis's own, BCL Convert's copies in `Reports/`).
 */
export function runDocumentFiles(files: LandedFile[]): {
  sheet?: LandedFile;
  runInfo?: LandedFile;
  manifest?: LandedFile;
  outputHashes?: LandedFile[];
  demultiplexStats?: LandedFile;
} {
  const paths = files.map((file) => file.name);
  const sheetPath = runSampleSheetPath(paths);
  const sheet = sheetPath === undefined ? undefined : files.find((file) => file.name === sheetPath);
  const runInfoName = runInfoPath(paths, sheetPath);
  const runInfo = runInfoName === undefined ? undefined : files.find((file) => file.name === runInfoName);
  const checksums = files.filter((file) => isChecksumDocumentName(file.name));
  const manifest = checksums.find((file) => !MINKNOW_OUTPUT_HASH.test(file.name));
  const outputHashes = checksums.filter((file) => MINKNOW_OUTPUT_HASH.test(file.name));
  const statsName = demultiplexStatsPath(paths);
  const demultiplexStats = statsName === undefined ? undefined : files.find((file) => file.name === statsName);
  return {
    ...(sheet ? { sheet } : {}),
    ...(runInfo ? { runInfo } : {}),
    ...(manifest ? { manifest } : {}),
    ...(outputHashes.length > 0 ? { outputHashes } : {}),
    ...(demultiplexStats ? { demultiplexStats } : {}),
  };
}

export interface RunDocuments {
  sheet?: SampleSheet;
  runInfo?: RunInfo;
  manifest?: RunManifest;
  /** MinKNOW final summaries by path: how many FASTQs each says it wrote (ONT runs). */
  finalSummaries?: Record<string, MinknowFinalSummary>;
  /** What made a landed document unreadable (which file, which line, what to do). */
  problem?: string;
}

/**
 * A run's completeness from its landed files and read documents, with the team's profile for the run and
 * the config's settle and deadline windows (and which profile that was): the one way the landing and the sweep ask it.
 */
export function completenessOf(
  svc: Services,
  run: { team: string; runId: string; files: LandedFile[]; documents: RunDocuments; now: number; barrierAt?: string },
): RunCompleteness & { profile: Profile } {
  const { profile, instrumentModel } = profileFor(svc.config, run.team, run.runId);
  const completeness = evaluateCompleteness({
    profile,
    instrumentModel,
    files: run.files,
    sheet: run.documents.sheet,
    runInfo: run.documents.runInfo,
    manifest: run.documents.manifest,
    finalSummaries: run.documents.finalSummaries,
    barrierAt: run.barrierAt,
    now: run.now,
    rtaSettleSeconds: svc.config.completeness.rtaSettleSeconds,
    ontHashWaitSeconds: svc.config.completeness.ontHashWaitSeconds,
    deadlineMinutes: svc.config.completeness.deadlineMinutes,
  });
  return { ...completeness, profile };
}

/** Reads and parses the run's sample sheet, RunInfo.xml and manifest when they landed; a bad one is reported, not fatal. */
export async function readRunDocuments(svc: Services, files: LandedFile[]): Promise<RunDocuments> {
  const result: RunDocuments = {};
  const documents = runDocumentFiles(files);
  const read = async <T extends SampleSheet | RunManifest | RunInfo>(file: LandedFile | undefined, parse: (bytes: Buffer) => T) => {
    if (!file) return undefined;
    try {
      return await readDocument(svc, file, parse);
    } catch (error) {
      if (!(error instanceof LandingError) && !(error instanceof LayoutError)) throw error;
      result.problem ??= error.message;
      return undefined;
    }
  };
  const sheetFile = documents.sheet;
  const sheet = await read(sheetFile, (bytes) => parseSampleSheet(bytes, sheetFile?.name));
  const runInfo = await read(documents.runInfo, (bytes) => parseRunInfo(bytes));
  const manifestFile = documents.manifest;
  const manifests = [await read(manifestFile, (bytes) => parseRunManifest(manifestFile!.name, bytes.toString('utf8')))];
  for (const hashFile of documents.outputHashes ?? [])
    manifests.push(await read(hashFile, (bytes) => parseRunManifest(hashFile.name, bytes.toString('utf8'), { mayBeEmpty: true })));
  const manifest = combinedManifest(manifests.filter((each): each is RunManifest => each !== undefined));
  const finalSummaries: Record<string, MinknowFinalSummary> = {};
  for (const file of files.filter((candidate) => MINKNOW_FINAL_SUMMARY.test(candidate.name))) {
    finalSummaries[file.name] = await readDocument(svc, file, (bytes) => parseMinknowFinalSummary(bytes.toString('utf8')));
  }
  return {
    ...(sheet ? { sheet } : {}),
    ...(runInfo ? { runInfo } : {}),
    ...(manifest ? { manifest } : {}),
    ...(Object.keys(finalSummaries).length > 0 ? { finalSummaries } : {}),
    ...result,
  };
}

/**
 * One manifest from several (a run folder's own and each MinKNOW protocol run's output hash file): each entry
 * says which file listed it when there are several, so a mismatch names the right one.
 */
function combinedManifest(manifests: RunManifest[]): RunManifest | undefined {
  if (manifests.length <= 1) return manifests[0];
  return {
    source: manifests[0]!.source,
    entries: manifests.flatMap((manifest) => manifest.entries.map((entry) => ({ ...entry, source: manifest.source }))),
  };
}

/**
 * BCL Convert's count of the reads it wrote per sample and lane, when the run's report landed (validation
 * counts each FASTQ against it). Only an extra check: an unreadable report is logged and leaves it out, and a run
 * never waits for one.
 */
export async function readDemultiplexStats(svc: Services, files: LandedFile[]): Promise<DemultiplexStats | undefined> {
  const file = runDocumentFiles(files).demultiplexStats;
  if (!file) return undefined;
  try {
    return await readDocument(svc, file, (bytes) => parseDemultiplexStats(file.name, bytes.toString('utf8')));
  } catch (error) {
    if (!(error instanceof LayoutError)) throw error;
    logger.warn('demultiplex report unreadable: FASTQ read counts not compared with it', { file: file.name, error: error.message });
    return undefined;
  }
}

type RunEvaluation = { landed: string[]; status: string; settling: string[] };

/**
 * Evaluations of a run in progress in this process, each with the one that will follow it. A burst of
 * files into one run calls evaluateRun once per file; every caller that arrives while an evaluation runs
 * shares ONE trailing evaluation, which starts after it and so reads every file recorded before it began.
 * (In AWS a Lambda container runs one invocation at a time and this never coalesces; correctness rests on
 * the catalog's conditional writes either way.)
 */
const evaluations = new Map<string, { current: Promise<RunEvaluation>; next?: Promise<RunEvaluation> }>();

/**
 * Decides, from the catalog's landed files and the run's profile, which samples are complete, and
 * announces each complete file set once ("Sample Landed", keyed by the identities of its files: a
 * changed or late file makes a new set, a duplicate event makes nothing). Runs past their deadline
 * become INCOMPLETE ("Run Incomplete"); files that belong to no sample, or arrive late, are announced
 * ("Unexpected File"). Called on every landed file and by the reconciliation sweep.
 */
export function evaluateRun(svc: Services, team: string, runId: string, now?: number): Promise<RunEvaluation> {
  // An explicit clock (tests, deadline checks at a given time) is evaluated as asked, never coalesced.
  if (now !== undefined) return evaluateRunAt(svc, team, runId, now);
  const key = `${team}\u0000${runId}`;
  const begin = (): Promise<RunEvaluation> => {
    const entry: { current: Promise<RunEvaluation>; next?: Promise<RunEvaluation> } = {
      current: evaluateRunAt(svc, team, runId, Date.now()),
    };
    evaluations.set(key, entry);
    // Registered before any trailing evaluation's, so it runs first: with a trailing one waiting, the entry
    // stays until that one replaces it (late callers join it); without, the run is free again.
    const release = () => {
      if (evaluations.get(key) === entry && !entry.next) evaluations.delete(key);
    };
    entry.current.then(release, release);
    return entry.current;
  };
  const running = evaluations.get(key);
  if (!running) return begin();
  running.next ??= running.current.then(begin, begin);
  return running.next;
}

async function evaluateRunAt(svc: Services, team: string, runId: string, now: number, folded = false): Promise<RunEvaluation> {
  const files = await svc.catalog.runs.listFiles(team, runId);
  const run = await svc.catalog.runs.get(team, runId);
  const documents = await readRunDocuments(svc, files);
  if (documents.problem) {
    logger.warn('unreadable run document', { team, runId, problem: documents.problem });
    await svc.catalog.runs.update(team, runId, {
      status: 'INCOMPLETE',
      missing: [],
      missingCount: 0,
      waitingFor: `a readable run document: ${documents.problem}`,
    });
    await emitOnce(svc, 'Run Incomplete', {
      team,
      runId,
      missing: [],
      missingCount: 0,
      waitingFor: documents.problem,
      dedupeKey: `incomplete:${team}/${runId}:${identityOf(files)}`,
    });
    return { landed: [], settling: [], status: 'INCOMPLETE' };
  }
  const completeness = completenessOf(svc, { team, runId, files, documents, now, barrierAt: run?.barrierAt });
  // Without RunInfo.xml an Illumina run's lanes are the lanes its files show: a RunInfo.xml or a lane whose event is
  // still on its way (a BCL Convert folder's Reports/ copy lands just before its marker) would leave a sample one lane.
  const lanesFromFiles = completeness.profile === 'illumina' && documents.runInfo === undefined;
  if (!folded && (await foldFilesStillAnnounced(svc, team, runId, files, completeness, lanesFromFiles)))
    return evaluateRunAt(svc, team, runId, now, true);
  const status = run?.status === 'PROCESSING' || run?.status === 'DONE' ? run.status : completeness.status;
  const documentFiles = runDocumentFiles(files);
  // Bounded whatever the sheet holds (a 10,000-row sheet once made this item too large for the catalog, and
  // the run stuck at "waiting for SampleSheet.csv"): the ids in items of their own, the first missing names.
  await svc.catalog.runs.setExpectedSamples(
    team,
    runId,
    completeness.samples.map((sample) => sample.sampleId),
    run,
  );
  await svc.catalog.runs.update(team, runId, {
    status,
    documents: Object.values(documentFiles)
      .flat()
      .map((file) => file.name),
    missing: completeness.missing.slice(0, MISSING_LISTED),
    missingCount: completeness.missing.length,
    waitingFor: completeness.waitingFor,
    signal: completeness.signal,
    // Counted on the run for `landfall status`, the dashboard and the run report, not only in the bus log.
    unexpectedCount: completeness.unexpected.length,
    unexpected: completeness.unexpected.slice(0, UNEXPECTED_LISTED),
  });
  // A file that fits nowhere can be evaluated after the run's report was written (events of files landed
  // together are handled in any order): the report is written again, so it counts what status and the dashboard do.
  if (run?.reportedAt && (run.unexpectedCount ?? 0) !== completeness.unexpected.length) await reportAgain(svc, team, runId);
  if (completeness.status === 'INCOMPLETE') {
    await emitOnce(svc, 'Run Incomplete', {
      team,
      runId,
      missing: completeness.missing.slice(0, MISSING_LISTED),
      missingCount: completeness.missing.length,
      waitingFor: completeness.waitingFor,
      dedupeKey: `incomplete:${team}/${runId}:${identityOf(files)}`,
    });
  }
  // Only once the instrument said it is done: before that a file may still find its sample (its sheet, its mate).
  const settled = completeness.signal !== undefined || completeness.status === 'INCOMPLETE';
  for (const unexpected of settled ? completeness.unexpected : []) {
    const file = files.find((candidate) => candidate.name === unexpected.name)!;
    await emitOnce(svc, 'Unexpected File', {
      team,
      runId,
      file: unexpected.name,
      kind: isFastqName(unexpected.name) ? 'unknown-sample' : 'unknown-file',
      message: `${unexpected.reason} (${completeness.profile} profile); it stays in the landing bucket`,
      dedupeKey: `unexpected:${team}/${runId}/${unexpected.name}:${identityOf([file])}`,
    });
  }

  // The run's checksum documents as they are now: a sample cataloged before one of them landed is checked once.
  const checkedDocuments = documents.manifest ? checksumDocumentsIdentity(documentFiles) : undefined;
  // One query for the run's samples, not one read per sample per landed file.
  const records = new Map((await svc.catalog.samples.listInRun(team, runId)).map((record) => [record.sampleId, record]));
  // Each sample needs only its own items: they are looked at side by side. One after another, a 96-sample run's
  // marker announced its last sample 3 s after its first (three catalog writes each, under the load the first
  // samples' validation and starts put on the catalog).
  const evaluation = { team, runId, now, completeness, documents, checkedDocuments, records };
  const outcomes = await mapLimit(completeness.samples, SAMPLES_EVALUATED_AT_ONCE, (sample) => evaluateSample(svc, evaluation, sample));
  const landed = completeness.samples.filter((_, index) => outcomes[index] === 'landed').map((sample) => sample.sampleId);
  const settling = completeness.samples.filter((_, index) => outcomes[index] === 'settling').map((sample) => sample.sampleId);
  // A sample the run's sheet no longer names (a requeue's corrected sheet, a sheet uploaded again) that never landed
  // is not waited for: it said RECEIVING for ever. One that landed keeps what it has (its versions, outputs).
  const named = new Set(completeness.samples.map((sample) => sample.sampleId));
  const dropped = documents.sheet
    ? [...records.values()].filter(
        (record) => !named.has(record.sampleId) && record.status === 'RECEIVING' && record.currentVersion === undefined,
      )
    : [];
  const sheetName = documentFiles.sheet?.name;
  for (const record of dropped)
    await svc.catalog.samples.setStatus({ team, runId, sampleId: record.sampleId }, 'CANCELLED', {
      detail: `not in the run's sample sheet any more (${sheetName}): nothing of it was processed, and its files are kept as unexpected`,
    });
  // A finished run whose samples are re-uploaded is evaluated again by the sweep once they are quiet.
  if (settling.length > 0 || (run?.settlingSamples?.length ?? 0) > 0)
    await svc.catalog.runs.update(team, runId, { settlingSamples: settling });
  return { landed, status, settling };
}

/** What one evaluation of a run read, as each of its samples' part needs it (see evaluateRunAt). */
interface RunInEvaluation {
  team: string;
  runId: string;
  now: number;
  completeness: RunCompleteness;
  documents: RunDocuments;
  /** The identity of the run's checksum documents, when it has any that parsed. */
  checkedDocuments: string | undefined;
  /** The run's sample records, by sample id. */
  records: Map<string, SampleRecord>;
}

/**
 * One sample's part of a run's evaluation: its record, the check of a late checksum document, and its "Sample
 * Landed" when its file set is complete and new. Says whether it was announced, or is settling (a re-upload).
 */
async function evaluateSample(
  svc: Services,
  { team, runId, now, completeness, documents, checkedDocuments, records }: RunInEvaluation,
  sample: RunCompleteness['samples'][number],
): Promise<'landed' | 'settling' | undefined> {
  const ref = { team, runId, sampleId: sample.sampleId };
  const record = records.get(sample.sampleId);
  if (!record)
    await svc.catalog.samples.setStatus(ref, 'RECEIVING', {
      detail: completeness.waitingFor ? `waiting for ${completeness.waitingFor}` : 'receiving files',
    });
  // Never start on a partial upload: the profile's completion signal and every expected file.
  if (!sample.ready) return undefined;
  // A checksum document that landed after the sample's version was cataloged: that version is checked against it.
  if (record?.currentVersion !== undefined && documents.manifest && checkedDocuments && record.checkedDocuments !== checkedDocuments)
    await checkCatalogedAgainstLateManifest(svc, record, documents.manifest, checkedDocuments);
  const identity = identityOf(sample.files);
  // This very file set was announced (by this process or another): nothing new to say about the sample.
  if (record?.landedIdentity === identity) return undefined;
  if (record?.currentVersion) {
    const current = await svc.catalog.samples.getVersion({ ...ref, version: record.currentVersion });
    const changed = sample.files.filter((file) => {
      const known = current?.files.find((candidate) => candidate.name === file.name);
      return !known || known.etag !== file.etag || known.size !== file.size || known.versionId !== file.versionId;
    });
    if (changed.length === 0) return undefined; // the cataloged file set itself: nothing new
    // A re-upload of several files arrives one file at a time: wait until the sample is quiet, so it
    // becomes one new version (the sweep re-evaluates), not one per file with mismatched mates between.
    const newest = Math.max(...changed.map((file) => Date.parse(file.landedAt)));
    if (now - newest < svc.config.completeness.relandQuietSeconds * 1000) {
      await svc.catalog.samples.setStatus(ref, record.status, {
        currentVersion: record.currentVersion,
        detail: `${counted(changed.length, 'changed file')} settling before a new version`,
      });
      return 'settling';
    }
    await announceLateOrChanged(svc, ref, record.currentVersion, sample.files, identity);
  }
  const carried = await carriedLandedSet(svc, ref, {
    files: sample.files.map((file) => file.name),
    reads: sample.files.map(({ name, label, role, lane, part }) => ({ name, label, role, lane, part })),
  });
  const emitted = await emitOnce(svc, 'Sample Landed', {
    team,
    runId,
    sampleId: sample.sampleId,
    ...carried,
    dedupeKey: landedFactKey({ team, runId, sampleId: sample.sampleId }, identity),
  });
  if (!emitted) return undefined;
  // Only the emitter records it: a claim another process holds (or a dead one left) is tried again.
  await svc.catalog.samples.markLanded(ref, identity);
  return 'landed';
}

/** Rewrites a reported run's report from the catalog as it is now (its samples' current versions). */
async function reportAgain(svc: Services, team: string, runId: string): Promise<void> {
  const samples = (await svc.catalog.samples.listInRun(team, runId)).map((sample) => ({
    sampleId: sample.sampleId,
    ...(sample.currentVersion ? { version: sample.currentVersion } : {}),
    status: sample.status,
  }));
  await writeRunReport(svc, { team, runId, samples });
}

/**
 * Neither a share nor S3 keeps write order, and events of files landed together are handled in any order: at
 * the completion signal a file may already be in the landing bucket while its event is still on its way. A
 * file every sample waits for is waited for anyway; but an optional read (index FASTQs the sheet does not ask
 * for) would not be, nor a lane of a run whose lanes only its files show (no RunInfo.xml recorded yet), and its
 * sample would be processed without it, then again once it is cataloged. So when a signalled run has a sample
 * ready and a read no sample waits for, or `lanesFromFiles`, the landing bucket (the truth) is listed and what the
 * catalog lacks is recorded as its own event would record it. Returns whether the bucket held any
 * file the evaluation's listing lacked (recorded here or by its own event meanwhile): then it is evaluated again.
 */
async function foldFilesStillAnnounced(
  svc: Services,
  team: string,
  runId: string,
  files: LandedFile[],
  completeness: RunCompleteness,
  lanesFromFiles: boolean,
): Promise<boolean> {
  const optionalRead = completeness.readStructure?.reads.some((read) => read.optional) ?? false;
  if (completeness.signal === undefined || !(optionalRead || lanesFromFiles) || !completeness.samples.some((sample) => sample.ready))
    return false;
  const landing = bucketNames(svc.config).landing;
  const cataloged = new Set(files.map((file) => file.key));
  let unlisted = 0;
  let recorded = 0;
  for (const object of await svc.storage.list(landing, landingKey(team, runId, ''))) {
    const where = cataloged.has(object.key) ? undefined : parseLandingKey(object.key);
    // Only what landing itself would record: an unsafe key, a Finder file or a partial copy never lands.
    if (!where || where.team !== team || where.runId !== runId || !isSafeKey(object.key) || nameSkipKind(where.name)) continue;
    const identity = await identifyObject(svc, where, landing, object.key);
    if (!identity) continue;
    unlisted++;
    // Not changed: its own event recorded it after this evaluation listed the run's files.
    if (!(await recordLandedFile(svc, identity)).changed) continue;
    await announceFastq(svc, identity);
    recorded++;
  }
  if (recorded > 0) logger.info('recorded landed files whose events had not been handled yet', { team, runId, recorded });
  // Evaluated again on a fresh listing whenever the bucket held a file this listing lacked, whoever recorded it:
  // returning only what was recorded here let a file its own event recorded meanwhile miss its sample (a 10x
  // sample concluded without its I1, then again with it as v2 — seen once in CI).
  return unlisted > 0;
}

/** Whether landing would take the key at all (landObject refuses unsafe keys and leaves them where they are). */
function isSafeKey(key: string): boolean {
  try {
    assertSafeKey(key);
    return true;
  } catch (error) {
    if (error instanceof InvalidKeyError) return false;
    throw error;
  }
}

/**
 * A checksum document (the run's manifest, a MinKNOW output hash file) that landed after a sample's version was
 * cataloged: that version was validated without it. Its files' hashes, kept from validation (MD5 on the version,
 * SHA-256 on the verdicts), are compared with it now; a difference is said at once ("Unexpected File", `late`,
 * naming the document, its line and both hashes), since the version was processed on those bytes. Nothing is read
 * again, and each sample is checked once per set of documents.
 */
async function checkCatalogedAgainstLateManifest(
  svc: Services,
  record: SampleRecord,
  manifest: RunManifest,
  checkedDocuments: string,
): Promise<void> {
  const ref = { team: record.team, runId: record.runId, sampleId: record.sampleId };
  if (record.currentVersion === undefined || record.status === 'VALIDATING' || record.status === 'RECEIVING') return;
  const version = await svc.catalog.samples.getVersion({ ...ref, version: record.currentVersion });
  const listed = new Map(manifest.entries.map((entry) => [normalizeKey(entry.name), entry]));
  const files = (version?.status === 'REJECTED' ? [] : (version?.files ?? [])).filter((file) => listed.has(normalizeKey(file.name)));
  const verdicts = files.length > 0 ? await svc.catalog.fileVerdicts.getMany(files) : [];
  for (const [index, file] of files.entries()) {
    const entry = listed.get(normalizeKey(file.name))!;
    const found = { md5: file.md5, sha256: verdicts[index]?.inspection.sha256, size: file.size };
    const [reason] = compareWithManifest(file.name, entry, found, manifest.source);
    if (!reason) continue;
    const document = entry.source ?? manifest.source;
    await emitOnce(svc, 'Unexpected File', {
      ...ref,
      file: document,
      kind: 'late',
      message: `${document} arrived after ${ref.sampleId} v${record.currentVersion} was cataloged, and ${file.name} does not match it (${reason.message}): v${record.currentVersion} was validated and processed with those bytes; land the right file again to validate a new version`,
      dedupeKey: `late-manifest:${ref.team}/${ref.runId}/${ref.sampleId}/v${record.currentVersion}/${file.name}:${checkedDocuments}`,
    });
  }
  await svc.catalog.samples.markDocumentsChecked(ref, checkedDocuments);
}

/** A sample already cataloged receives a new file or a changed one: say so, a new version follows. */
async function announceLateOrChanged(
  svc: Services,
  ref: { team: string; runId: string; sampleId: string },
  currentVersion: number,
  files: LandedFile[],
  identity: string,
): Promise<void> {
  const version = await svc.catalog.samples.getVersion({ ...ref, version: currentVersion });
  if (!version) return;
  for (const file of files) {
    const known = version.files.find((candidate) => candidate.name === file.name);
    if (known && known.etag === file.etag && known.size === file.size && known.versionId === file.versionId) continue;
    const kind = known ? 'changed' : 'late';
    await emitOnce(svc, 'Unexpected File', {
      ...ref,
      file: file.name,
      kind,
      message: known
        ? `${file.name} was re-uploaded with different content after ${ref.sampleId} v${currentVersion} was cataloged: a new version will be validated and processed; v${currentVersion} stays readable`
        : `${file.name} arrived after ${ref.sampleId} v${currentVersion} was cataloged: a new version including it will be validated and processed`,
      dedupeKey: `unexpected:${ref.team}/${ref.runId}/${file.name}:${identity}`,
    });
  }
}
