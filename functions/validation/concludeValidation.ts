import { checksumDocumentsIdentity, evaluateRun, isChecksumDocumentName, runDocumentFiles } from '../landing/evaluateRun.ts';
import { emitOnce } from '../shared/emit.ts';
import { LISTED_IN_EVENT } from '../shared/eventLists.ts';
import type { VersionRecord } from '../catalog/types.ts';
import type { Services } from '../shared/services.ts';
import { pipelineRequirementsOf, type RunAsRead } from './pipelineRequirements.ts';
import { quarantineSample } from './quarantine.ts';
import type { SampleValidation } from '../../validation/validateSample.ts';

type SampleRef = { team: string; runId: string; sampleId: string };

/** Reasons kept on the catalog item (DynamoDB items stay far below 400 KB); the full list is in reasons.json. */
const MAX_REASONS_IN_CATALOG = 50;

/**
 * Catalogs a validated sample: assigns its version by conditional write; READY ("Sample Cataloged") or
 * REJECTED with reasons, quarantined ("Sample Rejected"). Older versions become SUPERSEDED. The same file
 * set again is the same version: nothing new, unless that version was never concluded (READY without an
 * execution, REJECTED without its reasons in quarantine), which is then finished.
 */
export async function concludeValidation(svc: Services, ref: SampleRef, validated: SampleValidation, known?: RunAsRead) {
  const { team, runId, sampleId } = ref;
  // A sample the team's pipeline cannot run (a read it names, a parameter, a reference) is rejected now,
  // with the reason, never failed later in a job.
  const requirements = await pipelineRequirementsOf(svc, ref, validated.files, known);
  const result = { ...validated, reasons: [...validated.reasons, ...requirements.reasons] };
  const status = result.reasons.length > 0 ? 'REJECTED' : 'READY';
  const { version, created, versions } = await svc.catalog.samples.claimVersion(ref, result.versionHash, result.files, status);
  // A version whose concluding process died after claiming it (re-validated by the sweep) is concluded
  // now: its status set, its quarantine finished, its fact emitted. Every step below is idempotent.
  const rejectedKey = `rejected:${team}/${runId}/${sampleId}/v${version.version}`;
  const unfinished =
    !created &&
    version.status === status &&
    (status === 'READY' ? !version.workflowStartedAt : !version.reasonsKey || !(await svc.catalog.facts.wentOut(rejectedKey))); // quarantined, its fact not yet out
  if (!created && !unfinished) {
    // An identical re-upload: same version, nothing new to run. Restore the status validation overwrote.
    await svc.catalog.samples.setStatus(ref, version.status, {
      currentVersion: version.version,
      detail: `unchanged re-upload of v${version.version}`,
    });
    return { outcome: 'same-version', version: version.version };
  }

  for (const older of versions) {
    if (older.version < version.version && !['SUPERSEDED', 'REJECTED'].includes(older.status)) {
      await svc.catalog.samples.updateVersion(older, { status: 'SUPERSEDED' });
    }
  }
  const versionRef = { ...ref, version: version.version };
  if (status === 'REJECTED') {
    // Bad data is stopped with reasons and moved, verified, to quarantine: nothing is ever lost.
    // Already quarantined by an attempt that died (or failed to publish) before its fact: its landed files are gone.
    const shown = result.reasons.slice(0, MAX_REASONS_IN_CATALOG);
    let reasonsKey = version.reasonsKey;
    if (!reasonsKey) {
      const quarantined = await quarantineSample(svc, versionRef, result.files, result.reasons);
      reasonsKey = quarantined.reasonsKey;
      await svc.catalog.samples.updateVersion(versionRef, {
        reasons: shown,
        reasonCount: result.reasons.length,
        reasonsKey,
        files: quarantined.files,
      });
    }
    const first = result.reasons[0]!;
    // The sample says REJECTED once its fact is claimed: a process dying before leaves it VALIDATING, which
    // the sweep validates again and concludes here (the fact checked above), never REJECTED with its fact lost.
    await emitOnce(
      svc,
      'Sample Rejected',
      {
        ...versionRef,
        reasons: shown.slice(0, 20).map((reason) => ({ ...reason })),
        reasonCount: result.reasons.length,
        reasonsKey,
        dedupeKey: rejectedKey,
      },
      {
        recordClaimed: () =>
          svc.catalog.samples.setStatus(ref, 'REJECTED', {
            currentVersion: version.version,
            detail: `${first.file}${first.line ? ` line ${first.line}` : ''}: ${first.message}`,
          }),
      },
    );
    return { outcome: 'rejected', version: version.version };
  }
  if (Object.keys(requirements.params).length > 0) await svc.catalog.samples.updateVersion(versionRef, { params: requirements.params });
  await svc.catalog.samples.setStatus(ref, 'READY', { currentVersion: version.version, detail: `v${version.version} ready` });
  await announceCataloged(svc, { ...versionRef, files: result.files, versionHash: result.versionHash });
  return { outcome: 'cataloged', version: version.version };
}

/**
 * {@link concludeValidation} of a sample validated against the run's checksum documents of identity `checked`
 * ({@link checksumDocumentsIdentity}), with a second look. A document that landed while the sample was
 * VALIDATING was passed over by the run's evaluation (a later document is checked against cataloged versions
 * only), and a run with nothing left to land is not evaluated again: the document would never be compared. So
 * the sample records what it is checked against when it becomes VALIDATING (the caller's `setStatus`), and
 * when the run's documents changed meanwhile the run is evaluated now, which checks this version against them.
 * The evaluation records the run's documents before it reads its samples; this sets the sample's status before
 * it reads the documents: one of the two always sees the other.
 */
export async function concludeValidationWithDocuments(
  svc: Services,
  ref: SampleRef,
  validated: SampleValidation,
  checked: string,
  known?: RunAsRead,
) {
  const concluded = await concludeValidation(svc, ref, validated, known);
  if (concluded.outcome !== 'rejected' && (await currentChecksumDocuments(svc, ref)) !== checked)
    await evaluateRun(svc, ref.team, ref.runId);
  return concluded;
}

/** The run's checksum documents as the catalog has them now (the run's record names its documents). */
async function currentChecksumDocuments(svc: Services, { team, runId }: SampleRef): Promise<string> {
  const run = await svc.catalog.runs.get(team, runId);
  const named = run?.documents?.filter(isChecksumDocumentName);
  const files = !named
    ? await svc.catalog.runs.listFiles(team, runId) // a run recorded before runs named their documents
    : named.length > 0
      ? await svc.catalog.runs.getFiles(team, runId, named)
      : [];
  return checksumDocumentsIdentity(runDocumentFiles(files));
}

/**
 * "Sample Cataloged" for a READY version, once: from validation, and from the sweep for a READY version
 * without an execution (its process may have died before announcing it; a repeat emits nothing).
 */
export function announceCataloged(
  svc: Pick<Services, 'catalog' | 'events'>,
  version: Pick<VersionRecord, 'team' | 'runId' | 'sampleId' | 'version' | 'files' | 'versionHash'>,
) {
  const { team, runId, sampleId } = version;
  return emitOnce(svc, 'Sample Cataloged', {
    team,
    runId,
    sampleId,
    version: version.version,
    // An event stays far below 256 KB (a team's SNS topic): thousands of batches are counted, the first 100 named.
    files: version.files.slice(0, LISTED_IN_EVENT).map((file) => file.key),
    ...(version.files.length > LISTED_IN_EVENT ? { fileCount: version.files.length } : {}),
    versionHash: version.versionHash,
    dedupeKey: `cataloged:${team}/${runId}/${sampleId}/v${version.version}`,
  });
}
