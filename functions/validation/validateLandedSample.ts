import type { Context } from 'aws-lambda';
import type { FileRead } from '../../layouts/types.ts';
import { tableNames } from '../../config/defineConfig.ts';
import { idempotentPerHandler } from '../shared/idempotency.ts';
import { checksumDocumentsIdentity, readDemultiplexStats, readRunDocuments, runDocumentFiles } from '../landing/evaluateRun.ts';
import { carriedLandedSet, type LandedFileSet, wholeLandedSet } from '../landing/landedFileSet.ts';
import type { LandedFile } from '../../contracts/validationJob.ts';
import { concludeValidationWithDocuments } from './concludeValidation.ts';
import type { RunManifest } from '../landing/runManifest.ts';
import type { RunInfo } from '../../layouts/runInfo.ts';
import { type DemultiplexedReads, demultiplexedReadsOf } from '../../validation/demultiplexedReads.ts';
import type { Services } from '../shared/services.ts';
import { validateSample } from '../../validation/validateSample.ts';
import { stillStored } from '../../validation/fileVerdict.ts';
import type { ValidationJobInput } from '../../contracts/validationJob.ts';
import { validationJobKeys, validationJobName, validationJobSpec } from './validationJob.ts';
import { replayedJobStateChange } from '../../contracts/events/batch.ts';

type SampleRef = { team: string; runId: string; sampleId: string };

/**
 * Validates a sample whose files have all landed — inside the function, or as a Batch job when the files
 * are larger than `validation.inlineMaxBytes` — and catalogs it (see concludeValidation.ts).
 * Older versions of the sample become SUPERSEDED; their outputs stay under their own v<N>.
 */
export async function validateLandedSample(svc: Services, detail: { team: string; runId: string; sampleId: string } & LandedFileSet) {
  const { team, runId, sampleId } = detail;
  const ref = { team, runId, sampleId };
  // A set too long for the event is read whole from the catalog.
  const { files, reads } = await wholeLandedSet(svc, ref, detail);
  // The sample's files and the run's documents, read by name: listing a 1,000-file run per sample made
  // validating a run quadratic. (A run evaluated before documents were recorded is listed whole.)
  const run = await svc.catalog.runs.get(team, runId);
  const runFiles = run?.documents
    ? await svc.catalog.runs.getFiles(team, runId, [...files, ...run.documents])
    : await svc.catalog.runs.listFiles(team, runId);
  const landed = files.map((name) => {
    const file = runFiles.find((candidate) => candidate.name === name);
    if (!file) throw new Error(`catalog has no landed file ${name} of ${team}/${runId}/${sampleId}`);
    return file;
  });

  // The run's manifest, when there is one, states checksums and sizes every file is compared with; its
  // RunInfo.xml the reads a mate must be longer than.
  const { manifest, runInfo } = await readRunDocuments(svc, runFiles);
  // BCL Convert's count of what it wrote for the sample, when its report landed: each FASTQ is counted against it.
  const demultiplexed = demultiplexedReadsOf(await readDemultiplexStats(svc, runFiles), sampleId);
  // Which checksum documents the sample is checked against: one landing while it validates is looked at after.
  const checkedDocuments = checksumDocumentsIdentity(runDocumentFiles(runFiles));
  const documents = { manifest, runInfo, demultiplexed, checkedDocuments };
  const bytes = landed.reduce((total, file) => total + file.size, 0);
  if (bytes > svc.config.validation.inlineMaxBytes) return submitValidationJob(svc, ref, landed, documents, reads, bytes);
  // What the sweep validates again if this process dies: kept on the sample item, or (too long) as a file set.
  await svc.catalog.samples.setStatus(ref, 'VALIDATING', {
    detail: `validating ${landed.length} files`,
    checkedDocuments,
    validating: detail.fileSet
      ? { files: detail.files, fileSet: detail.fileSet }
      : await carriedLandedSet(svc, ref, { files, ...(reads ? { reads } : {}) }),
  });
  // Verdicts made as the files landed are combined; a file without one (a crash, a lost event) is read now
  // and its verdict kept, so a conclusion that dies is not followed by reading it again.
  const verdicts = await svc.catalog.fileVerdicts.getMany(landed);
  const result = await validateSample(svc, landed, {
    manifest,
    legacyNoCalls: svc.config.validation.legacyNoCalls,
    ...(reads ? { reads } : {}),
    ...(runInfo ? { runInfo: { reads: runInfo.reads } } : {}),
    ...(demultiplexed ? { demultiplexed } : {}),
    ...(svc.filePass ? { filePass: svc.filePass } : {}),
    verdicts: new Map(verdicts.flatMap((verdict) => (verdict ? [[verdict.name, verdict] as const] : []))),
    onVerdict: async (verdict) => {
      // Kept only if the object is still the one that landed: a file replaced since (its own event on the way)
      // was read with its new bytes, and a verdict is never kept for other bytes than its identity's.
      if (await stillStored(svc.storage, verdict)) await svc.catalog.fileVerdicts.record(verdict);
    },
  });
  // The run and its documents as read above: the pipeline's requirements read the same sheet without asking again.
  return concludeValidationWithDocuments(svc, ref, result, checkedDocuments, { run, files: runFiles });
}

/**
 * Too large to validate inside a function: the same validation runs as a Batch job (deterministic name,
 * input written first); "validationJobFinished" concludes when the job's state change arrives.
 *
 * A re-drive of the same files (the event again, a retried invocation, the sweep finding the sample VALIDATING
 * 16 minutes on while its job validates for hours) keeps the job of that name Batch already has: SubmitJob has
 * no idempotency, so submitting again would start a second multi-hour job at every sweep. Only a job that
 * FAILED is replaced; one that SUCCEEDED has its state change told again (its conclusion may be what was lost).
 */
async function submitValidationJob(
  svc: Services,
  ref: SampleRef,
  landed: LandedFile[],
  {
    manifest,
    runInfo,
    demultiplexed,
    checkedDocuments,
  }: {
    manifest: RunManifest | undefined;
    runInfo: RunInfo | undefined;
    demultiplexed: DemultiplexedReads | undefined;
    checkedDocuments: string;
  },
  reads: FileRead[] | undefined,
  bytes: number,
) {
  const jobName = validationJobName(ref, landed);
  const spec = validationJobSpec(svc.config, jobName);
  const existingId = await svc.jobs.findByName(jobName, spec.jobQueue, spec.region);
  const existing = existingId ? await svc.jobs.describe(existingId, spec.region) : undefined;
  if (existing && existing.status !== 'FAILED') {
    if (existing.status === 'SUCCEEDED') await svc.events.publish([replayedJobStateChange(existing)]);
    return { outcome: 'validation-job-kept', jobName, jobId: existing.jobId };
  }
  const keys = validationJobKeys(svc.config, jobName);
  const input: ValidationJobInput = {
    ref,
    landed,
    ...(reads ? { reads } : {}),
    resultKey: keys.result,
    ...(manifest ? { manifest: { source: manifest.source, entries: manifest.entries } } : {}),
    ...(runInfo ? { runInfo: { reads: runInfo.reads } } : {}),
    ...(demultiplexed ? { demultiplexed } : {}),
    legacyNoCalls: svc.config.validation.legacyNoCalls,
    checkedDocuments,
  };
  await svc.storage.put(keys.bucket, keys.input, JSON.stringify(input), { contentType: 'application/json' });
  const { jobId } = await svc.jobs.submit(spec);
  const gib = (bytes / 1024 ** 3).toFixed(1);
  await svc.catalog.samples.setStatus(ref, 'VALIDATING', {
    detail: `validating ${landed.length} files (${gib} GiB) as Batch job ${jobName}`,
    checkedDocuments,
  });
  return { outcome: 'validation-job', jobName, jobId };
}

type LandedDetail = { team: string; runId: string; sampleId: string; dedupeKey: string } & LandedFileSet;
type ValidateOnce = ReturnType<typeof idempotentPerHandler<LandedDetail, Awaited<ReturnType<typeof validateLandedSample>>>>;
/** Per set of services: a process that runs one runtime after another (tests) must not validate with the first's. */
const validateOnceFor = new WeakMap<Services, ValidateOnce>();

/**
 * What the `validate` function runs for "Sample Landed": a redelivered event (delivery is at least once) is
 * answered from the idempotency store instead of streaming every file again. The dedupe key names the
 * landed file set. The reconciliation sweep calls {@link validateLandedSample} directly, past any record
 * a dead process left.
 */
export async function validateLandedSampleOnce(svc: Services, detail: LandedDetail, context?: Context) {
  let validateOnce = validateOnceFor.get(svc);
  if (!validateOnce) {
    validateOnce = idempotentPerHandler(
      'validate',
      process.env.LANDFALL_IDEMPOTENCY_TABLE ?? tableNames(svc.config).idempotency,
      (landed: LandedDetail) => validateLandedSample(svc, landed),
      svc.catalog.client,
    );
    validateOnceFor.set(svc, validateOnce);
  }
  const { team, runId, sampleId, files, reads, fileSet, dedupeKey } = detail;
  return validateOnce({ team, runId, sampleId, files, ...(reads ? { reads } : {}), ...(fileSet ? { fileSet } : {}), dedupeKey }, context);
}
