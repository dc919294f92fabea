/**
 * The run report and a late stray (a file that fits nowhere whose own event is handled after the run
 * completed): evaluateRun rewrites a report already marked written, and a report being written when the stray
 * is counted — not yet marked — is written again by its own writer. Either way the report counts what
 * `landfall status` and the dashboard count. Real local catalog and folder storage; the stray is counted on
 * the run (as evaluateRun does) while the report's first object is being stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportPrefix } from '../../../contracts/keys.ts';
import { writeRunReport } from '../../../functions/reporting/writeRunReport.ts';
import type { ObjectStorage } from '../../../seams/storage/ObjectStorage.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';
const RUN = '261205_A00123_0005_AREPORTRC';

describe('a run report written while a stray is counted on the run', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  let countStrayOnce: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    harness = await startServicesHarness({
      wrapStorage: (storage) =>
        new Proxy(storage, {
          get(target, method: keyof ObjectStorage) {
            const real = target[method];
            if (method !== 'put') return typeof real === 'function' ? real.bind(target) : real;
            return async (...args: Parameters<ObjectStorage['put']>) => {
              const count = countStrayOnce;
              countStrayOnce = undefined;
              await count?.();
              return target.put(...args);
            };
          },
        }),
    });
  });
  afterAll(async () => harness?.stop());

  it('is written again by its writer, counting the stray', async () => {
    // Prepare: the run exists with nothing unexpected; its stray is counted as the report's first object is stored
    await harness.services.catalog.runs.recordFile(TEAM, RUN, {
      name: 'SampleSheet.csv',
      bucket: harness.names.landing,
      key: `incoming/${TEAM}/${RUN}/SampleSheet.csv`,
      size: 1,
      etag: 'e',
      landedAt: new Date().toISOString(),
    });
    countStrayOnce = () =>
      harness.services.catalog.runs.update(TEAM, RUN, {
        unexpectedCount: 1,
        unexpected: [{ name: 'notes/lab-notebook.txt', reason: 'notes/lab-notebook.txt is no file of a run Landfall knows' }],
      });
    // Act
    await writeRunReport(harness.services, { team: TEAM, runId: RUN, samples: [{ sampleId: 'A', status: 'COMPLETED' }] });
    // Assess
    const report = JSON.parse(
      (await harness.folders.getBytes(harness.names.results, `${runReportPrefix(TEAM, RUN)}report.json`)).toString('utf8'),
    ) as { unexpectedFiles: { count: number; files: Array<{ name: string }> } };
    expect(countStrayOnce).toBeUndefined();
    expect(report.unexpectedFiles).toMatchObject({ count: 1, files: [{ name: 'notes/lab-notebook.txt' }] });
  });
});
