/**
 * bcl2fastq run with `--use-bases-mask Y50,I8,Y9,Y50` (a UMI in the second index read): the demultiplexer
 * writes the UMI as R2 and mate 2 as R3, while RunInfo.xml still shows two data reads. Landing, validation and
 * quarantine on the real local catalog and folder storage: a sample whose R1 and R2 landed before any R3 of the
 * run must not be processed as a pair of a read and its UMI; once R3 lands it is one good new version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRun } from '../../../functions/landing/evaluateRun.ts';
import { validateLandedSample } from '../../../functions/validation/validateLandedSample.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

const TEAM = 'genomics';
const RUN = '261207_NB551452_0042_AHUMIMASKX';
const runInfo = `<RunInfo><Run Id="${RUN}"><Reads><Read Number="1" NumCycles="50" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/><Read Number="3" NumCycles="9" IsIndexedRead="Y"/><Read Number="4" NumCycles="50" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="1"/></Run></RunInfo>`;
const name = (label: string) => `U1_S1_L001_${label}_001.fastq.gz`;

describe('a UMI written as R2 by a bases mask', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness?.stop());

  const land = (file: string, body: string | Buffer) => harness.landFile(TEAM, RUN, file, body);
  const landedDetails = () =>
    harness.published
      .filter((event) => event['detail-type'] === 'Sample Landed' && (event.detail as { runId: string }).runId === RUN)
      .map((event) => event.detail as Parameters<typeof validateLandedSample>[1]);

  it('is refused while R3 has not landed, naming the read and what to do, and makes a good version with R3', async () => {
    // Prepare: the run's documents and marker, then R1 and R2 (the 9-base UMI) of the sample; R3 is still copying
    await land('RunInfo.xml', runInfo);
    await land('SampleSheet.csv', '[Data]\nSample_ID,index\nU1,ACGTACGT\n');
    await land('CopyComplete.txt', '');
    await land(name('R1'), gz(reads(40, { mate: 1, length: 50 })));
    await land(name('R2'), gz(reads(40, { mate: 2, length: 9 })));

    // Act
    await evaluateRun(harness.services, TEAM, RUN, Date.now());
    const [first] = landedDetails();
    await validateLandedSample(harness.services, first!);

    // Assess: rejected for the UMI read, not processed as mate 2
    const rejected = await harness.services.catalog.samples.get({ team: TEAM, runId: RUN, sampleId: 'U1' });
    expect(rejected?.status).toBe('REJECTED');
    const v1 = await harness.services.catalog.samples.getVersion({ team: TEAM, runId: RUN, sampleId: 'U1', version: 1 });
    expect(v1?.reasons?.map((reason) => `${reason.code} ${reason.file}`)).toEqual([`MATE_READ_LENGTH ${name('R2')}`]);
    expect(v1?.reasons?.[0]?.message).toContain('RunInfo.xml gives mate 2 50 cycles');
    expect(v1?.reasons?.[0]?.message).toContain('If R3 is still being copied, the sample is validated again with it when it lands');

    // Act: R3 lands; once the sample is quiet it is evaluated and validated again
    await land(name('R3'), gz(reads(40, { mate: 2, length: 50 })));
    await evaluateRun(harness.services, TEAM, RUN, Date.now() + 10 * 60_000);
    const second = landedDetails()[1];
    await validateLandedSample(harness.services, second!);

    // Assess: version 2 holds all three reads, R2 as the UMI and R3 as mate 2, and is good
    const ready = await harness.services.catalog.samples.get({ team: TEAM, runId: RUN, sampleId: 'U1' });
    expect(ready?.currentVersion).toBe(2);
    expect(ready?.status).toBe('READY');
    const v2 = await harness.services.catalog.samples.getVersion({ team: TEAM, runId: RUN, sampleId: 'U1', version: 2 });
    expect(v2?.reasons ?? []).toEqual([]);
    expect(v2?.files.map((file) => `${file.read}:${file.role}`).sort()).toEqual(['R1:mate1', 'R2:umi', 'R3:mate2']);
  });
});
