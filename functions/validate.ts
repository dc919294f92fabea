import { eventEnvelope } from '../events/schemas/envelope.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../events/schemas/landfall.ts';
import { readRunDocuments } from './landing/evaluateRun.ts';
import { emitOnce } from './shared/emit.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { quarantineSample } from './validation/quarantine.ts';
import { validateSample } from './validation/validateSample.ts';

/** Reasons kept on the catalog item (DynamoDB items stay far below 400 KB); the full list is in reasons.json. */
const MAX_REASONS_IN_CATALOG = 50;

export const SampleLandedEvent = eventEnvelope(LANDFALL_SOURCE, 'Sample Landed', landfallEventDetails['Sample Landed']);

/**
 * Validates a sample whose files have all landed, assigns its version by conditional write, and
 * catalogs it: READY ("Sample Cataloged") or REJECTED with reasons ("Sample Rejected").
 * Older versions of the sample become SUPERSEDED; their outputs stay under their own v<N>.
 */
export async function validateLandedSample(event: { detail: { team: string; runId: string; sampleId: string; files: string[] } }) {
  const svc = await services();
  const { team, runId, sampleId } = event.detail;
  const ref = { team, runId, sampleId };
  const runFiles = await svc.catalog.listRunFiles(team, runId);
  const landed = event.detail.files.map((name) => {
    const file = runFiles.find((candidate) => candidate.name === name);
    if (!file) throw new Error(`catalog has no landed file ${name} of ${team}/${runId}/${sampleId}`);
    return file;
  });

  await svc.catalog.setSampleStatus(ref, 'VALIDATING', { detail: `validating ${landed.length} files` });
  // The run's manifest, when there is one, states checksums and sizes every file is compared with.
  const { manifest } = await readRunDocuments(svc, runFiles);
  const result = await validateSample(svc, landed, { manifest });
  const status = result.reasons.length > 0 ? 'REJECTED' : 'READY';
  const { version, created } = await svc.catalog.claimVersion(ref, result.versionHash, result.files, status);
  if (!created) {
    // An identical re-upload: same version, nothing new to run. Restore the status validation overwrote.
    await svc.catalog.setSampleStatus(ref, version.status, { currentVersion: version.version, detail: `unchanged re-upload of v${version.version}` });
    return { outcome: 'same-version', version: version.version };
  }

  for (const older of await svc.catalog.listVersions(ref)) {
    if (older.version < version.version && !['SUPERSEDED', 'REJECTED'].includes(older.status)) {
      await svc.catalog.updateVersion(older, { status: 'SUPERSEDED' });
    }
  }
  const versionRef = { ...ref, version: version.version };
  if (status === 'REJECTED') {
    // Bad data is stopped with reasons and moved, verified, to quarantine: nothing is ever lost.
    const { reasonsKey, files } = await quarantineSample(svc, versionRef, result.files, result.reasons);
    const shown = result.reasons.slice(0, MAX_REASONS_IN_CATALOG);
    await svc.catalog.updateVersion(versionRef, { reasons: shown, reasonCount: result.reasons.length, reasonsKey, files });
    const first = result.reasons[0]!;
    await svc.catalog.setSampleStatus(ref, 'REJECTED', { currentVersion: version.version, detail: `${first.file}${first.line ? ` line ${first.line}` : ''}: ${first.message}` });
    await emitOnce(svc, 'Sample Rejected', {
      ...versionRef,
      reasons: shown.slice(0, 20).map((reason) => ({ ...reason })),
      reasonCount: result.reasons.length,
      reasonsKey,
      dedupeKey: `rejected:${team}/${runId}/${sampleId}/v${version.version}`,
    });
    return { outcome: 'rejected', version: version.version };
  }
  await svc.catalog.setSampleStatus(ref, 'READY', { currentVersion: version.version, detail: `v${version.version} ready` });
  await emitOnce(svc, 'Sample Cataloged', {
    ...versionRef,
    files: result.files.map((file) => file.key),
    versionHash: result.versionHash,
    dedupeKey: `cataloged:${team}/${runId}/${sampleId}/v${version.version}`,
  });
  return { outcome: 'cataloged', version: version.version };
}

export const handler = lambdaHandler(validateLandedSample, SampleLandedEvent);
