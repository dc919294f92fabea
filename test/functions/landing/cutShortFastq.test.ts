/**
 * A FASTQ cut short where one gzip member ends is whole gzip and whole records — only fewer of them. A single-end
 * BCL Convert output folder (Reports/ copies of the sheet and RunInfo.xml, Reports/Demultiplex_Stats.csv,
 * Logs/FastqComplete.txt) landed, validated and quarantined on the real local catalog and folder storage: the
 * sample whose R1 lost its last member is refused with the report's count; its neighbour is cataloged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRun } from '../../../functions/landing/evaluateRun.ts';
import { validateLandedSample } from '../../../functions/validation/validateLandedSample.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';
import { gz, reads } from '../../validation/fastqFixtures.ts';

const TEAM = 'genomics';
const RUN = '261207_VH00123_0011_AAAWCUTSHT';

describe('a FASTQ cut short at a gzip member boundary', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness?.stop());

  const land = (file: string, body: string | Buffer) => harness.landFile(TEAM, RUN, file, body);

  it("is refused with the count BCL Convert's Demultiplex_Stats.csv gives it; a whole neighbour is cataloged", async () => {
    // Prepare: BCL Convert wrote 40 reads of each sample, each file as two gzip members (30 + 10 reads); S1's copy
    // stopped after its first member
    await land('Reports/SampleSheet.csv', '[Header]\nFileFormatVersion,2\n[BCLConvert_Data]\nSample_ID,Index\nS1,ACGTACGT\nS2,TTGATTGA\n');
    await land(
      'Reports/RunInfo.xml',
      `<RunInfo><Run Id="${RUN}"><Reads><Read Number="1" NumCycles="20" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/></Reads><FlowcellLayout LaneCount="1"/></Run></RunInfo>`,
    );
    await land(
      'Reports/Demultiplex_Stats.csv',
      'Lane,SampleID,Index,# Reads,# Perfect Index Reads\n1,S1,ACGTACGT,40,40\n1,S2,TTGATTGA,40,40\n1,Undetermined,,3,0\n',
    );
    const members = (from: number) => [gz(reads(30, { from })), gz(reads(10, { from: from + 30 }))];
    await land('S1_S1_L001_R1_001.fastq.gz', members(0)[0]!);
    await land('S2_S2_L001_R1_001.fastq.gz', Buffer.concat(members(100)));
    await land('Logs/FastqComplete.txt', '');

    // Act
    await evaluateRun(harness.services, TEAM, RUN, Date.now());
    const landed = harness.published
      .filter((event) => event['detail-type'] === 'Sample Landed' && (event.detail as { runId: string }).runId === RUN)
      .map((event) => event.detail as Parameters<typeof validateLandedSample>[1]);
    for (const detail of landed) await validateLandedSample(harness.services, detail);

    // Assess
    expect(landed.map((detail) => detail.sampleId).sort()).toEqual(['S1', 'S2']);
    const status = async (sampleId: string) => (await harness.services.catalog.samples.get({ team: TEAM, runId: RUN, sampleId }))?.status;
    expect(await status('S1')).toBe('REJECTED');
    expect(await status('S2')).toBe('READY');
    const v1 = await harness.services.catalog.samples.getVersion({ team: TEAM, runId: RUN, sampleId: 'S1', version: 1 });
    expect(v1?.reasons?.map((reason) => `${reason.code} ${reason.file} ${reason.expected} / ${reason.found}`)).toEqual([
      'DEMUX_READ_COUNT S1_S1_L001_R1_001.fastq.gz 40 reads (Reports/Demultiplex_Stats.csv: S1 in lane 1) / 30 reads',
    ]);
  });
});
