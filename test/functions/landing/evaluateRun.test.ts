/**
 * evaluateRun over real folder storage and the real local catalog: what the run record and the bus say
 * about a sheet Landfall cannot read (a UTF-16 one names its encoding) and about files that fit no sample
 * (counted on the run, announced once the run is signalled), and what it does at the completion signal with a
 * landed file whose own event has not been handled yet.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRun } from '../../../functions/landing/evaluateRun.ts';
import { landObject } from '../../../functions/landing/landObject.ts';
import { writeRunReport } from '../../../functions/reporting/writeRunReport.ts';
import { runReportPrefix } from '../../../contracts/keys.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

const TEAM = 'genomics';

describe('evaluateRun', () => {
  let harness: Awaited<ReturnType<typeof startServicesHarness>>;
  beforeAll(async () => {
    harness = await startServicesHarness();
  });
  afterAll(async () => harness?.stop());

  const land = (runId: string, name: string, body: string | Buffer) => harness.landFile(TEAM, runId, name, body);
  /**
   * A signalled run whose RunInfo has an index read the sheet does not ask FASTQs for (no sample waits for an I1):
   * sample A's R1 and R2 landed and cataloged, its I1 in the landing bucket only. Returns the I1's key.
   */
  async function signalledRunWithIndexInBucket(runId: string): Promise<string> {
    await land(
      runId,
      'RunInfo.xml',
      `<RunInfo><Run Id="${runId}"><Reads><Read Number="1" NumCycles="50" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/><Read Number="3" NumCycles="50" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="1"/></Run></RunInfo>`,
    );
    await land(runId, 'SampleSheet.csv', '[Data]\nLane,Sample_ID,index\n1,A,ACGTACGT\n');
    await land(runId, 'A_S1_L001_R1_001.fastq.gz', 'not looked at');
    await land(runId, 'A_S1_L001_R2_001.fastq.gz', 'not looked at');
    const indexKey = `incoming/${TEAM}/${runId}/A_S1_L001_I1_001.fastq.gz`;
    await harness.services.storage.put(harness.names.landing, indexKey, 'not looked at');
    await land(runId, 'CopyComplete.txt', '');
    return indexKey;
  }
  const eventsOf = (runId: string, type: string) =>
    harness.published.filter((event) => event['detail-type'] === type && (event.detail as { runId: string }).runId === runId);

  it('says which encoding a UTF-16 sample sheet has and what to do, on the run and in "Run Incomplete" (issue 22 item 11)', async () => {
    // Prepare
    const runId = '261203_A00123_0001_AUTF16XX';
    await land(
      runId,
      'SampleSheet.csv',
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[Data]\r\nSample_ID\r\nA\r\n', 'utf16le')]),
    );
    await land(runId, 'A_S1_L001_R1_001.fastq.gz', 'not looked at');
    // Act
    const result = await evaluateRun(harness.services, TEAM, runId, Date.now());
    // Assess
    expect(result.status).toBe('INCOMPLETE');
    const run = await harness.services.catalog.runs.get(TEAM, runId);
    expect(run?.waitingFor).toContain('SampleSheet.csv: the sheet is encoded as UTF-16LE (byte-order mark FF FE)');
    expect(run?.waitingFor).toContain('save it as "CSV UTF-8"');
    expect(eventsOf(runId, 'Run Incomplete').map((event) => (event.detail as { waitingFor: string }).waitingFor)).toEqual([
      expect.stringContaining('UTF-16LE'),
    ]);
  });

  it('counts files that fit no sample on the run, and announces them only once the run is signalled', async () => {
    // Prepare
    const runId = '261203_A00123_0002_ASTRAYXX';
    await land(runId, 'SampleSheet.csv', '[Reads]\n20\n[Data]\nSample_ID\nA\n');
    await land(runId, 'A_S1_L001_R1_001.fastq.gz', 'not looked at');
    await land(runId, 'notes.txt', 'to do');
    await land(runId, 'Z_S9_L001_R1_001.fastq.gz', 'not looked at');
    // Act
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    const before = eventsOf(runId, 'Unexpected File').length;
    await land(runId, 'CopyComplete.txt', '');
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    // Assess
    const run = await harness.services.catalog.runs.get(TEAM, runId);
    expect(run?.unexpectedCount).toBe(2);
    expect(run?.unexpected?.map((file) => file.name)).toEqual(['Z_S9_L001_R1_001.fastq.gz', 'notes.txt']);
    expect(before).toBe(0);
    expect(
      eventsOf(runId, 'Unexpected File')
        .map((event) => event.detail as { file: string; kind: string })
        .map(({ file, kind }) => `${file} ${kind}`),
    ).toEqual(['Z_S9_L001_R1_001.fastq.gz unknown-sample', 'notes.txt unknown-file']);
    expect(eventsOf(runId, 'Sample Landed').map((event) => (event.detail as { reads: unknown }).reads)).toEqual([
      [{ name: 'A_S1_L001_R1_001.fastq.gz', label: 'R1', role: 'single', lane: 1, part: 1 }],
    ]);
  });
  it('a file that fits nowhere, evaluated after the run was reported, is counted in the report too', async () => {
    // Prepare: a run reported at Run Completed, then a stray's own event handled (events of files are handled in any order)
    const runId = '261203_A00123_0004_ALATESTR';
    await land(runId, 'SampleSheet.csv', '[Reads]\n20\n[Data]\nSample_ID\nA\n');
    await land(runId, 'A_S1_L001_R1_001.fastq.gz', 'not looked at');
    await land(runId, 'CopyComplete.txt', '');
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    await writeRunReport(harness.services, { team: TEAM, runId, samples: [{ sampleId: 'A', status: 'COMPLETED' }] });
    const reportOf = async () =>
      JSON.parse(
        (await harness.folders.getBytes(harness.names.results, `${runReportPrefix(TEAM, runId)}report.json`)).toString('utf8'),
      ) as {
        unexpectedFiles: { count: number; files: Array<{ name: string }> };
      };
    const before = (await reportOf()).unexpectedFiles.count;
    await land(runId, 'notes/lab-notebook.txt', 'to do');
    // Act
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    // Assess
    expect(before).toBe(0);
    expect((await reportOf()).unexpectedFiles).toMatchObject({ count: 1, files: [{ name: 'notes/lab-notebook.txt' }] });
  });

  it('at the completion signal, records a landed index FASTQ whose event is still on its way, so its sample is announced once, with it', async () => {
    // Prepare: RunInfo has an index read and the sheet does not ask for index FASTQs, so no sample waits for an
    // I1; A's I1 is in the landing bucket (copied before the marker) but its event has not been handled.
    const runId = '261204_A00123_0003_AORDERXX';
    const indexKey = await signalledRunWithIndexInBucket(runId);
    // Act
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    const late = await landObject(harness.services, { bucket: harness.names.landing, key: indexKey });
    // Assess
    const announced = eventsOf(runId, 'Sample Landed').map((event) => (event.detail as { files: string[] }).files);
    expect(announced).toEqual([['A_S1_L001_R1_001.fastq.gz', 'A_S1_L001_R2_001.fastq.gz', 'A_S1_L001_I1_001.fastq.gz']]);
    expect((await harness.services.catalog.runs.listFiles(TEAM, runId)).map((file) => file.name)).toContain('A_S1_L001_I1_001.fastq.gz');
    expect(late).toEqual({ outcome: 'duplicate' });
  });

  it('at the completion signal, evaluates again when an index FASTQ its listing lacked was recorded by its own event meanwhile', async () => {
    // Prepare: as above, but A's I1 event is handled right after the evaluation has listed the run's files
    const runId = '261206_A00123_0004_ARACEXXX';
    const indexKey = await signalledRunWithIndexInBucket(runId);
    const runs = harness.services.catalog.runs;
    const listFiles = runs.listFiles.bind(runs);
    const recordIndexFile = (info: { size: number; etag: string; versionId?: string }) =>
      runs.recordFile(TEAM, runId, {
        name: 'A_S1_L001_I1_001.fastq.gz',
        bucket: harness.names.landing,
        key: indexKey,
        size: info.size,
        etag: info.etag,
        ...(info.versionId ? { versionId: info.versionId } : {}),
        landedAt: new Date().toISOString(),
      });
    let raced = false;
    runs.listFiles = async (team, run) => {
      const files = await listFiles(team, run);
      if (run === runId && !raced) {
        raced = true;
        // What its own event's handler records (recordObject), as the object is in the bucket
        const info = (await harness.services.storage.head(harness.names.landing, indexKey))!;
        await recordIndexFile(info);
      }
      return files;
    };
    // Act
    try {
      await evaluateRun(harness.services, TEAM, runId, Date.now());
    } finally {
      runs.listFiles = listFiles;
    }
    // Assess: announced once, with the I1
    expect(raced).toBe(true);
    const announced = eventsOf(runId, 'Sample Landed').map((event) => (event.detail as { files: string[] }).files);
    expect(announced).toEqual([['A_S1_L001_R1_001.fastq.gz', 'A_S1_L001_R2_001.fastq.gz', 'A_S1_L001_I1_001.fastq.gz']]);
  });

  it("reads a requeued NovaSeq X analysis's own sheet: its corrected samples are announced, the first sheet's typo is not", async () => {
    // Prepare: the run's first sheet (top level and Analysis/1/) named a sample B; the requeue, Analysis/2, was
    // made with a sheet that calls it C. Both analyses' FASTQs and the requeue's sheet have landed.
    const runId = '261207_LH00417_0005_AREQUEUE';
    const fastq = (n: number, sample: string, s: number) => `Analysis/${n}/Data/BCLConvert/fastq/${sample}_S${s}_L001_R1_001.fastq.gz`;
    const firstSheet = '[Header]\nFileFormatVersion,2\n[BCLConvert_Data]\nSample_ID,Index\nA,ACGTACGT\nB,TTGATTGA\n';
    await land(
      runId,
      'RunInfo.xml',
      `<RunInfo><Run Id="${runId}"><Reads><Read Number="1" NumCycles="50" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/></Reads><FlowcellLayout LaneCount="1"/></Run></RunInfo>`,
    );
    await land(runId, 'SampleSheet.csv', firstSheet);
    await land(runId, 'Analysis/1/Data/SampleSheet.csv', firstSheet);
    await land(runId, fastq(1, 'A', 1), 'not looked at');
    await land(runId, fastq(1, 'B', 2), 'not looked at');
    await land(runId, 'Analysis/2/Data/SampleSheet.csv', firstSheet.replace('B,TTGATTGA', 'C,TTGATTGA'));
    await land(runId, fastq(2, 'A', 1), 'not looked at');
    await land(runId, fastq(2, 'C', 2), 'not looked at');
    await land(runId, 'CopyComplete.txt', '');
    // Act
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    // Assess: A and C from the requeue; B never becomes a sample, and the earlier analysis's reads are kept aside
    const announced = eventsOf(runId, 'Sample Landed').map((event) => event.detail as { sampleId: string; files: string[] });
    // Samples are announced side by side: in no particular order.
    expect(announced.map(({ sampleId, files }) => `${sampleId}: ${files.join(' ')}`).sort()).toEqual([
      `A: ${fastq(2, 'A', 1)}`,
      `C: ${fastq(2, 'C', 2)}`,
    ]);
    const run = await harness.services.catalog.runs.get(TEAM, runId);
    expect(run?.documents).toContain('Analysis/2/Data/SampleSheet.csv');
    expect(run?.unexpected?.map((file) => file.name).sort()).toEqual([fastq(1, 'A', 1), fastq(1, 'B', 2)]);
    expect((await harness.services.catalog.samples.listInRun(TEAM, runId)).map((sample) => sample.sampleId).sort()).toEqual(['A', 'C']);
  });
  it('starts a run of which only the onboard analysis was copied once the analysis says it is done and the folder is quiet', async () => {
    // Prepare: a lab's copy of Analysis/1/ alone: no top-level sheet, RunInfo.xml or CopyComplete.txt
    const runId = '261207_LH00417_0006_AANALYSIS';
    const fastq = (sample: string, s: number) => `Analysis/1/Data/BCLConvert/fastq/${sample}_S${s}_L001_R1_001.fastq.gz`;
    await land(
      runId,
      'Analysis/1/Data/SampleSheet.csv',
      '[Header]\nFileFormatVersion,2\n[BCLConvert_Data]\nSample_ID,Index\nA,ACGTACGT\nB,TTGATTGA\n',
    );
    await land(runId, fastq('A', 1), 'not looked at');
    await land(runId, fastq('B', 2), 'not looked at');
    await land(runId, 'Analysis/1/CopyComplete.txt', '');
    await land(runId, 'Analysis/1/Data/Secondary_Analysis_Complete.txt', '');
    const settle = harness.services.config.completeness.rtaSettleSeconds * 1000;
    // Act: evaluated at once (the file events), then by the sweep after the settle time
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    const waiting = await harness.services.catalog.runs.get(TEAM, runId);
    const announcedEarly = eventsOf(runId, 'Sample Landed').length;
    await evaluateRun(harness.services, TEAM, runId, Date.now() + settle + 1000);
    // Assess: it waited, saying for what, then announced both samples from the analysis
    expect(announcedEarly).toBe(0);
    expect(waiting?.waitingFor).toMatch(/^\d+s without a new file after Analysis\/1\/CopyComplete\.txt/);
    const announced = eventsOf(runId, 'Sample Landed').map((event) => event.detail as { sampleId: string; files: string[] });
    // Samples are announced side by side: in no particular order.
    expect(announced.map(({ sampleId, files }) => `${sampleId}: ${files.join(' ')}`).sort()).toEqual([
      `A: ${fastq('A', 1)}`,
      `B: ${fastq('B', 2)}`,
    ]);
    expect((await harness.services.catalog.runs.get(TEAM, runId))?.signal).toBe(
      `Analysis/1/CopyComplete.txt and Analysis/1/Data/Secondary_Analysis_Complete.txt + ${settle / 1000}s without a new file`,
    );
  });

  it('at the completion signal of a run without RunInfo.xml recorded, records a lane still on its way, so its sample is announced with every lane', async () => {
    // Prepare: a BCL Convert output folder: Logs/FastqComplete.txt recorded, while Reports/RunInfo.xml (LaneCount 2)
    // and O1's lane 2 are in the landing bucket with their events not yet handled
    const runId = '261207_A01234_0012_BHRACELANE';
    const reads = (lane: number, read: string) => `@A01234:12:HRACELANE:${lane}:1101:1000:2000 ${read}:N:0:ACGT\nACGT\n+\nIIII\n`;
    await land(runId, 'Reports/SampleSheet.csv', '[Header]\nFileFormatVersion,2\n[BCLConvert_Data]\nSample_ID,Index\nO1,ACGT\n');
    await land(runId, 'O1_S1_L001_R1_001.fastq.gz', reads(1, '1'));
    await land(runId, 'O1_S1_L001_R2_001.fastq.gz', reads(1, '2'));
    for (const [name, body] of [
      [
        'Reports/RunInfo.xml',
        `<RunInfo><Run Id="${runId}"><Reads><Read Number="1" NumCycles="4" IsIndexedRead="N"/><Read Number="2" NumCycles="4" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="2"/></Run></RunInfo>`,
      ],
      ['O1_S1_L002_R1_001.fastq.gz', reads(2, '1')],
      ['O1_S1_L002_R2_001.fastq.gz', reads(2, '2')],
    ])
      await harness.services.storage.put(harness.names.landing, `incoming/${TEAM}/${runId}/${name}`, body!);
    await land(runId, 'Logs/FastqComplete.txt', '');
    // Act
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    // Assess: announced once, with both lanes
    expect(eventsOf(runId, 'Sample Landed').map((event) => (event.detail as { files: string[] }).files)).toEqual([
      ['O1_S1_L001_R1_001.fastq.gz', 'O1_S1_L001_R2_001.fastq.gz', 'O1_S1_L002_R1_001.fastq.gz', 'O1_S1_L002_R2_001.fastq.gz'],
    ]);
  });
  it("stops waiting for a sample the requeue's sheet no longer names: CANCELLED, saying why, while its namesakes go on", async () => {
    // Prepare: the first analysis has written A so far, B not; then the requeue lands with its sheet naming A and C
    const runId = '261207_LH00417_0013_ADROPPEDX';
    const fastq = (n: number, sample: string, s: number) => `Analysis/${n}/Data/BCLConvert/fastq/${sample}_S${s}_L001_R1_001.fastq.gz`;
    const sheet = (second: string) => `[Header]\nFileFormatVersion,2\n[BCLConvert_Data]\nSample_ID,Index\nA,ACGTACGT\n${second},TTGATTGA\n`;
    await land(runId, 'SampleSheet.csv', sheet('B'));
    await land(runId, fastq(1, 'A', 1), 'not looked at');
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    const before = await harness.services.catalog.samples.get({ team: TEAM, runId, sampleId: 'B' });
    await land(runId, 'Analysis/2/Data/SampleSheet.csv', sheet('C'));
    await land(runId, fastq(2, 'A', 1), 'not looked at');
    // Act
    await evaluateRun(harness.services, TEAM, runId, Date.now());
    // Assess
    expect(before?.status).toBe('RECEIVING');
    const after = await harness.services.catalog.samples.get({ team: TEAM, runId, sampleId: 'B' });
    expect(after?.status).toBe('CANCELLED');
    expect(after?.detail).toBe(
      "not in the run's sample sheet any more (Analysis/2/Data/SampleSheet.csv): nothing of it was processed, and its files are kept as unexpected",
    );
    const statuses = (await harness.services.catalog.samples.listInRun(TEAM, runId)).map((sample) => `${sample.sampleId} ${sample.status}`);
    expect(statuses.sort()).toEqual(['A RECEIVING', 'B CANCELLED', 'C RECEIVING']);
  });
});
