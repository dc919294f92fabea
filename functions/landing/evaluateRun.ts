import { createHash } from 'node:crypto';
import type { LandfallConfig } from '../../config/schema.ts';
import type { LandedFile } from '../catalog/types.ts';
import { emitOnce } from '../shared/emit.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import { evaluateCompleteness, SAMPLE_SHEET, type Profile } from './completeness.ts';
import { LandingError } from './errors.ts';
import { isManifestName, parseRunManifest, type RunManifest } from './runManifest.ts';
import { parseSampleSheet, type SampleSheet } from './sampleSheet.ts';

/** The completeness profile of a run folder: the first matching per-run rule, else the team's. */
export function profileFor(config: LandfallConfig, team: string, runId: string): { profile: Profile; instrumentModel?: LandfallConfig['teams'][number]['instrumentModel'] } {
  const teamConfig = config.teams.find((candidate) => candidate.id === team);
  if (!teamConfig) throw new LandingError(`team ${team} is not in the config`);
  const rule = teamConfig.runProfiles.find((candidate) => runId.startsWith(candidate.runPrefix));
  return rule ? { profile: rule.profile, instrumentModel: rule.instrumentModel ?? teamConfig.instrumentModel } : { profile: teamConfig.profile, instrumentModel: teamConfig.instrumentModel };
}

const identityOf = (files: LandedFile[]) =>
  createHash('sha256')
    .update(JSON.stringify(files.map((file) => [file.name, file.etag, file.size, file.versionId ?? ''])))
    .digest('hex')
    .slice(0, 32);

/** Reads and parses the run's sample sheet and manifest when they landed; a bad one is reported, not fatal. */
export async function readRunDocuments(svc: Services, files: LandedFile[]): Promise<{ sheet?: SampleSheet; manifest?: RunManifest; problem?: string }> {
  const result: { sheet?: SampleSheet; manifest?: RunManifest; problem?: string } = {};
  const sheetFile = files.find((file) => file.name === SAMPLE_SHEET);
  const manifestFile = files.find((file) => isManifestName(file.name));
  try {
    if (sheetFile) result.sheet = parseSampleSheet((await svc.storage.getBytes(sheetFile.bucket, sheetFile.key)).toString('utf8'));
    if (manifestFile) result.manifest = parseRunManifest(manifestFile.name, (await svc.storage.getBytes(manifestFile.bucket, manifestFile.key)).toString('utf8'));
  } catch (error) {
    if (!(error instanceof LandingError)) throw error;
    result.problem = error.message;
  }
  return result;
}

/**
 * Decides, from the catalog's landed files and the run's profile, which samples are complete, and
 * announces each complete file set once ("Sample Landed", keyed by the identities of its files: a
 * changed or late file makes a new set, a duplicate event makes nothing). Runs past their deadline
 * become INCOMPLETE ("Run Incomplete"); files that belong to no sample, or arrive late, are announced
 * ("Unexpected File"). Called on every landed file and by the reconciliation sweep.
 */
export async function evaluateRun(svc: Services, team: string, runId: string, now = Date.now()): Promise<{ landed: string[]; status: string; settling: string[] }> {
  const files = await svc.catalog.listRunFiles(team, runId);
  const run = await svc.catalog.getRun(team, runId);
  const documents = await readRunDocuments(svc, files);
  if (documents.problem) {
    logger.warn('unreadable run document', { team, runId, problem: documents.problem });
    await svc.catalog.updateRun(team, runId, { status: 'INCOMPLETE', missing: [], waitingFor: `a readable run document: ${documents.problem}` });
    await emitOnce(svc, 'Run Incomplete', { team, runId, missing: [], waitingFor: documents.problem, dedupeKey: `incomplete:${team}/${runId}:${identityOf(files)}` });
    return { landed: [], settling: [], status: 'INCOMPLETE' };
  }
  const { profile, instrumentModel } = profileFor(svc.config, team, runId);
  const completeness = evaluateCompleteness({
    profile,
    instrumentModel,
    files,
    sheet: documents.sheet,
    manifest: documents.manifest,
    barrierAt: run?.barrierAt,
    now,
    rtaSettleSeconds: svc.config.completeness.rtaSettleSeconds,
    deadlineMinutes: svc.config.completeness.deadlineMinutes,
  });
  const status = run?.status === 'PROCESSING' || run?.status === 'DONE' ? run.status : completeness.status;
  await svc.catalog.updateRun(team, runId, {
    status,
    expectedSamples: completeness.samples.map((sample) => sample.sampleId),
    missing: completeness.missing,
    waitingFor: completeness.waitingFor,
    signal: completeness.signal,
  });
  if (completeness.status === 'INCOMPLETE') {
    await emitOnce(svc, 'Run Incomplete', { team, runId, missing: completeness.missing, waitingFor: completeness.waitingFor, dedupeKey: `incomplete:${team}/${runId}:${identityOf(files)}` });
  }
  for (const name of completeness.unknownFastqs) {
    const file = files.find((candidate) => candidate.name === name)!;
    await emitOnce(svc, 'Unexpected File', {
      team,
      runId,
      file: name,
      kind: 'unknown-sample',
      message: `${name} belongs to no sample of the run (${profile} profile${documents.sheet ? ', per SampleSheet.csv' : ''}); it stays in the landing bucket and is not processed`,
      dedupeKey: `unexpected:${team}/${runId}/${name}:${identityOf([file])}`,
    });
  }

  const landed: string[] = [];
  const settling: string[] = [];
  for (const sample of completeness.samples) {
    const ref = { team, runId, sampleId: sample.sampleId };
    const record = await svc.catalog.getSample(ref);
    if (!record) await svc.catalog.setSampleStatus(ref, 'RECEIVING', { detail: completeness.waitingFor ? `waiting for ${completeness.waitingFor}` : 'receiving files' });
    // Never start on a partial upload: the profile's completion signal and every expected file.
    if (!sample.ready) continue;
    const identity = identityOf(sample.files);
    if (record?.currentVersion) {
      const current = await svc.catalog.getVersion({ ...ref, version: record.currentVersion });
      const changed = sample.files.filter((file) => {
        const known = current?.files.find((candidate) => candidate.name === file.name);
        return !known || known.etag !== file.etag || known.size !== file.size || known.versionId !== file.versionId;
      });
      if (changed.length === 0) continue; // the cataloged file set itself: nothing new
      // A re-upload of several files arrives one file at a time: wait until the sample is quiet, so it
      // becomes one new version (the sweep re-evaluates), not one per file with mismatched mates between.
      const newest = Math.max(...changed.map((file) => Date.parse(file.landedAt)));
      if (now - newest < svc.config.completeness.relandQuietSeconds * 1000) {
        await svc.catalog.setSampleStatus(ref, record.status, { currentVersion: record.currentVersion, detail: `${changed.length} changed file(s) settling before a new version` });
        settling.push(sample.sampleId);
        continue;
      }
      await announceLateOrChanged(svc, ref, record.currentVersion, sample.files, identity);
    }
    const emitted = await emitOnce(svc, 'Sample Landed', {
      team,
      runId,
      sampleId: sample.sampleId,
      files: sample.files.map((file) => file.name),
      dedupeKey: `landed:${team}/${runId}/${sample.sampleId}:${identity}`,
    });
    if (emitted) landed.push(sample.sampleId);
  }
  // A finished run whose samples are re-uploaded is evaluated again by the sweep once they are quiet.
  if (settling.length > 0 || (run?.settlingSamples?.length ?? 0) > 0) await svc.catalog.updateRun(team, runId, { settlingSamples: settling });
  return { landed, status, settling };
}

/** A sample already cataloged receives a new file or a changed one: say so, a new version follows. */
async function announceLateOrChanged(svc: Services, ref: { team: string; runId: string; sampleId: string }, currentVersion: number, files: LandedFile[], identity: string): Promise<void> {
  const version = await svc.catalog.getVersion({ ...ref, version: currentVersion });
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
