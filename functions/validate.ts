import type { Context } from 'aws-lambda';
import { tableNames } from '../config/defineConfig.ts';
import { eventEnvelope } from '../contracts/events/envelope.ts';
import { idempotentPerHandler } from './shared/idempotency.ts';
import { LANDFALL_SOURCE, landfallEventDetails } from '../contracts/events/landfall.ts';
import { readRunDocuments } from './landing/evaluateRun.ts';
import { emitOnce } from './shared/emit.ts';
import { lambdaHandler } from './shared/lambdaHandler.ts';
import { services } from './shared/services.ts';
import { quarantineSample } from './validation/quarantine.ts';
import type { LandedFile, VersionRecord } from './catalog/types.ts';
import type { RunManifest } from './landing/runManifest.ts';
import type { Services } from './shared/services.ts';
import { validateSample, type SampleValidation } from './validation/validateSample.ts';
import type { ValidationJobInput } from '../contracts/validationJob.ts';
import { validationJobKeys, validationJobName, validationJobSpec } from './validation/validationJob.ts';

type SampleRef = { team: string; runId: string; sampleId: string };

/** Reasons kept on the catalog item (DynamoDB items stay far below 400 KB); the full list is in reasons.json. */
const MAX_REASONS_IN_CATALOG = 50;

export const SampleLandedEvent = eventEnvelope(LANDFALL_SOURCE, 'Sample Landed', landfallEventDetails['Sample Landed']);

/**
 * Validates a sample whose files have all landed — inside the function, or as a Batch job when the files
 * are larger than `validation.inlineMaxBytes` — and catalogs it (see {@link concludeValidation}).
 * Older versions of the sample become SUPERSEDED; their outputs stay under their own v<N>.
 */
export async function validateLandedSample(event: { detail: { team: string; runId: string; sampleId: string; files: string[] } }) {
  const svc = await services();
  const { team, runId, sampleId } = event.detail;
  const ref = { team, runId, sampleId };
  // The sample's files and the run's documents, read by name: listing a 1,000-file run per sample made
  // validating a run quadratic. (A run evaluated before documents were recorded is listed whole.)
  const run = await svc.catalog.runs.get(team, runId);
  const runFiles = run?.documents
    ? await svc.catalog.runs.getFiles(team, runId, [...event.detail.files, ...run.documents])
    : await svc.catalog.runs.listFiles(team, runId);
  const landed = event.detail.files.map((name) => {
    const file = runFiles.find((candidate) => candidate.name === name);
    if (!file) throw new Error(`catalog has no landed file ${name} of ${team}/${runId}/${sampleId}`);
    return file;
  });

  // The run's manifest, when there is one, states checksums and sizes every file is compared with.
  const { manifest } = await readRunDocuments(svc, runFiles);
  const bytes = landed.reduce((total, file) => total + file.size, 0);
  if (bytes > svc.config.validation.inlineMaxBytes) return submitValidationJob(svc, ref, landed, manifest, bytes);
  await svc.catalog.samples.setStatus(ref, 'VALIDATING', { detail: `validating ${landed.length} files` });
  const result = await validateSample(svc, landed, { manifest });
  return concludeValidation(svc, ref, result);
}

/**
 * Too large to validate inside a function: the same validation runs as a Batch job (deterministic name,
 * input written first); "validationJobFinished" concludes when the job's state change arrives.
 */
async function submitValidationJob(svc: Services, ref: SampleRef, landed: LandedFile[], manifest: RunManifest | undefined, bytes: number) {
  const jobName = validationJobName(ref, landed);
  const keys = validationJobKeys(svc.config, jobName);
  const input: ValidationJobInput = {
    ref,
    landed,
    resultKey: keys.result,
    ...(manifest ? { manifest: { source: manifest.source, entries: manifest.entries } } : {}),
  };
  await svc.storage.put(keys.bucket, keys.input, JSON.stringify(input), { contentType: 'application/json' });
  const { jobId } = await svc.jobs.submit(validationJobSpec(svc.config, jobName));
  const gib = (bytes / 1024 ** 3).toFixed(1);
  await svc.catalog.samples.setStatus(ref, 'VALIDATING', {
    detail: `validating ${landed.length} files (${gib} GiB) as Batch job ${jobName}`,
  });
  return { outcome: 'validation-job', jobName, jobId };
}

/**
 * Catalogs a validated sample: assigns its version by conditional write; READY ("Sample Cataloged") or
 * REJECTED with reasons, quarantined ("Sample Rejected"). Older versions become SUPERSEDED. The same file
 * set again is the same version: nothing new, unless that version was never concluded (READY without an
 * execution, REJECTED without its reasons in quarantine), which is then finished.
 */
export async function concludeValidation(svc: Services, ref: SampleRef, result: SampleValidation) {
  const { team, runId, sampleId } = ref;
  const status = result.reasons.length > 0 ? 'REJECTED' : 'READY';
  const { version, created } = await svc.catalog.samples.claimVersion(ref, result.versionHash, result.files, status);
  // A version whose concluding process died after claiming it (re-validated by the sweep) is concluded
  // now: its status set, its quarantine finished, its fact emitted. Every step below is idempotent.
  const unfinished = !created && version.status === status && (status === 'READY' ? !version.workflowStartedAt : !version.reasonsKey);
  if (!created && !unfinished) {
    // An identical re-upload: same version, nothing new to run. Restore the status validation overwrote.
    await svc.catalog.samples.setStatus(ref, version.status, {
      currentVersion: version.version,
      detail: `unchanged re-upload of v${version.version}`,
    });
    return { outcome: 'same-version', version: version.version };
  }

  for (const older of await svc.catalog.samples.listVersions(ref)) {
    if (older.version < version.version && !['SUPERSEDED', 'REJECTED'].includes(older.status)) {
      await svc.catalog.samples.updateVersion(older, { status: 'SUPERSEDED' });
    }
  }
  const versionRef = { ...ref, version: version.version };
  if (status === 'REJECTED') {
    // Bad data is stopped with reasons and moved, verified, to quarantine: nothing is ever lost.
    const { reasonsKey, files } = await quarantineSample(svc, versionRef, result.files, result.reasons);
    const shown = result.reasons.slice(0, MAX_REASONS_IN_CATALOG);
    await svc.catalog.samples.updateVersion(versionRef, { reasons: shown, reasonCount: result.reasons.length, reasonsKey, files });
    const first = result.reasons[0]!;
    await svc.catalog.samples.setStatus(ref, 'REJECTED', {
      currentVersion: version.version,
      detail: `${first.file}${first.line ? ` line ${first.line}` : ''}: ${first.message}`,
    });
    await emitOnce(svc, 'Sample Rejected', {
      ...versionRef,
      reasons: shown.slice(0, 20).map((reason) => ({ ...reason })),
      reasonCount: result.reasons.length,
      reasonsKey,
      dedupeKey: `rejected:${team}/${runId}/${sampleId}/v${version.version}`,
    });
    return { outcome: 'rejected', version: version.version };
  }
  await svc.catalog.samples.setStatus(ref, 'READY', { currentVersion: version.version, detail: `v${version.version} ready` });
  await announceCataloged(svc, { ...versionRef, files: result.files, versionHash: result.versionHash });
  return { outcome: 'cataloged', version: version.version };
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
    files: version.files.map((file) => file.key),
    versionHash: version.versionHash,
    dedupeKey: `cataloged:${team}/${runId}/${sampleId}/v${version.version}`,
  });
}

type LandedDetail = { team: string; runId: string; sampleId: string; files: string[]; dedupeKey: string };
let validateOnce: ReturnType<typeof idempotentPerHandler<LandedDetail, Awaited<ReturnType<typeof validateLandedSample>>>> | undefined;

/**
 * The rule's entry: a redelivered "Sample Landed" (delivery is at least once) is answered from the
 * idempotency store instead of streaming every file again. The dedupe key names the landed file set.
 * The reconciliation sweep calls validateLandedSample directly, past any record a dead process left.
 */
async function validateLandedSampleOnce(event: { detail: LandedDetail }, context?: Context) {
  const svc = await services();
  validateOnce ??= idempotentPerHandler(
    'validate',
    process.env.LANDFALL_IDEMPOTENCY_TABLE ?? tableNames(svc.config).idempotency,
    (detail: LandedDetail) => validateLandedSample({ detail }),
  );
  const { team, runId, sampleId, files, dedupeKey } = event.detail;
  return validateOnce({ team, runId, sampleId, files, dedupeKey }, context);
}

export const handler = lambdaHandler(validateLandedSampleOnce, SampleLandedEvent);
