/**
 * `landfall status` "runs in flight" (issue 19): a run past landing no longer shows what it once waited for
 * (`COMPLETE  SampleSheet.csv  0`); it shows its samples by status instead. Real catalog (dynalite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherStatus } from '../../cli/commands/statusReport.ts';
import { defineConfig } from '../../config/defineConfig.ts';
import { startTestCatalog } from '../support/catalogServer.ts';
import { configInput } from './stateFixture.ts';

describe('gatherStatus: runs in flight', () => {
  let test: Awaited<ReturnType<typeof startTestCatalog>>;
  beforeAll(async () => {
    test = await startTestCatalog();
  });
  afterAll(async () => test?.stop());

  it('shows what a landing run waits for, and only samples by status once it is past landing', async () => {
    // Prepare: RUN_L still landing; RUN_P processing, with the waitingFor/missing it had while landing still on its item
    const file = (runId: string, name: string) =>
      ({ name, bucket: 'landing', key: `incoming/lab-a/${runId}/${name}`, size: 1, etag: name }) as never;
    await test.catalog.runs.recordFile('lab-a', 'RUN_L', file('RUN_L', 'S1_R1.fastq.gz'));
    await test.catalog.runs.update('lab-a', 'RUN_L', { status: 'INCOMPLETE', waitingFor: '2 missing files', missingCount: 2 });
    await test.catalog.runs.recordFile('lab-a', 'RUN_P', file('RUN_P', 'S1_R1.fastq.gz'));
    await test.catalog.runs.update('lab-a', 'RUN_P', { status: 'PROCESSING', waitingFor: 'SampleSheet.csv', missingCount: 7 });
    await test.catalog.samples.setStatus({ team: 'lab-a', runId: 'RUN_P', sampleId: 'S1' }, 'COMPLETED');
    await test.catalog.samples.setStatus({ team: 'lab-a', runId: 'RUN_P', sampleId: 'S2' }, 'RUNNING');

    // Act
    const { runsInFlight } = await gatherStatus(test.catalog, defineConfig(structuredClone(configInput)), ['lab-a']);

    // Assess
    const byRun = Object.fromEntries(runsInFlight.map((run) => [run.runId, run]));
    expect(byRun.RUN_L).toMatchObject({ status: 'INCOMPLETE', waitingFor: '2 missing files', missing: 2 });
    expect(byRun.RUN_P).toMatchObject({ status: 'PROCESSING', missing: 0, samples: { COMPLETED: 1, RUNNING: 1 } });
    expect(byRun.RUN_P).not.toHaveProperty('waitingFor');
  });
});
