import type { Catalog } from '../../functions/catalog/Catalog.ts';
import type { RunRecord } from '../../functions/catalog/types.ts';

/**
 * A run in the catalog as tests of run-level work need it: its sample sheet recorded as landed (which creates
 * the run item) and then the run's `changes` (status, expected samples).
 */
export async function catalogRun(
  catalog: Catalog,
  team: string,
  runId: string,
  changes: Partial<Omit<RunRecord, 'team' | 'runId' | 'createdAt'>>,
  sheet: { bucket?: string; etag?: string } = {},
): Promise<void> {
  await catalog.runs.recordFile(team, runId, {
    name: 'SampleSheet.csv',
    bucket: sheet.bucket ?? 'landfall-landing',
    key: `incoming/${team}/${runId}/SampleSheet.csv`,
    size: 1,
    etag: sheet.etag ?? 'e',
    landedAt: new Date().toISOString(),
  });
  await catalog.runs.update(team, runId, changes);
}
