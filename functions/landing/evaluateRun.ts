import { createHash } from 'node:crypto';
import { emitOnce } from '../shared/emit.ts';
import { logger } from '../shared/powertools.ts';
import type { Services } from '../shared/services.ts';
import { illuminaCompleteness, SAMPLE_SHEET } from './completeness.ts';
import { SampleSheetError } from './errors.ts';
import { parseSampleSheet } from './sampleSheet.ts';

/**
 * Decides, from the catalog's landed files, which samples of a run are complete and announces each
 * complete file set once ("Sample Landed", keyed by the identities of its files: a changed or late file
 * makes a new set, a duplicate event makes nothing).
 */
export async function evaluateRun(svc: Services, team: string, runId: string): Promise<{ landed: string[] }> {
  const files = await svc.catalog.listRunFiles(team, runId);
  const sheetFile = files.find((file) => file.name === SAMPLE_SHEET);
  if (!sheetFile) return { landed: [] };

  let sheet;
  try {
    sheet = parseSampleSheet((await svc.storage.getBytes(sheetFile.bucket, sheetFile.key)).toString('utf8'));
  } catch (error) {
    if (!(error instanceof SampleSheetError)) throw error;
    logger.warn('unreadable sample sheet', { team, runId, error: error.message });
    await svc.catalog.updateRun(team, runId, { status: 'INCOMPLETE', missing: [error.message] });
    return { landed: [] };
  }

  const completeness = illuminaCompleteness(sheet, files);
  const missing = completeness.samples.flatMap((sample) => sample.missing);
  await svc.catalog.updateRun(team, runId, {
    status: completeness.markerPresent && missing.length === 0 ? 'COMPLETE' : 'RECEIVING',
    expectedSamples: sheet.samples.map((sample) => sample.sampleId),
    missing,
  });

  const landed: string[] = [];
  for (const sample of completeness.samples) {
    const ref = { team, runId, sampleId: sample.sampleId };
    if (!(await svc.catalog.getSample(ref))) await svc.catalog.setSampleStatus(ref, 'RECEIVING', { detail: 'receiving files' });
    // Never start on a partial upload: the instrument's copy-complete marker and every expected file.
    if (!completeness.markerPresent || sample.missing.length > 0) continue;
    const identity = createHash('sha256')
      .update(JSON.stringify(sample.files.map((file) => [file.name, file.etag, file.size, file.versionId ?? ''])))
      .digest('hex')
      .slice(0, 32);
    const emitted = await emitOnce(svc, 'Sample Landed', {
      team,
      runId,
      sampleId: sample.sampleId,
      files: sample.files.map((file) => file.name),
      dedupeKey: `landed:${team}/${runId}/${sample.sampleId}:${identity}`,
    });
    if (emitted) landed.push(sample.sampleId);
  }
  return { landed };
}
