import { describe, expect, it } from 'vitest';
import type { LandedFile } from '../../../functions/catalog/types.ts';
import { evaluateCompleteness, type CompletenessInput } from '../../../functions/landing/completeness.ts';
import { parseLandingKey } from '../../../contracts/keys.ts';
import { isManifestName, parseRunManifest } from '../../../functions/landing/runManifest.ts';
import { parseSampleSheet } from '../../../layouts/sampleSheet.ts';

const T0 = Date.parse('2026-11-20T03:00:00Z');
const sheet = parseSampleSheet('[Reads]\nRead1Cycles,151\nRead2Cycles,151\n[BCLConvert_Data]\nLane,Sample_ID\n1,A\n2,A\n1,B\n');
const landed = (name: string, minute = 0): LandedFile => ({
  name,
  bucket: 'b',
  key: `incoming/t/r/${name}`,
  size: 1,
  etag: 'e',
  landedAt: new Date(T0 + minute * 60_000).toISOString(),
});
const ALL_A = ['A_S1_L001_R1_001.fastq.gz', 'A_S1_L001_R2_001.fastq.gz', 'A_S1_L002_R1_001.fastq.gz', 'A_S1_L002_R2_001.fastq.gz'];
const ALL_B = ['B_S2_L001_R1_001.fastq.gz', 'B_S2_L001_R2_001.fastq.gz'];
const base = (overrides: Partial<CompletenessInput>): CompletenessInput => ({
  profile: 'illumina',
  files: [],
  now: T0 + 60 * 60_000,
  rtaSettleSeconds: 600,
  deadlineMinutes: 120,
  ...overrides,
});
const ready = (result: ReturnType<typeof evaluateCompleteness>) =>
  result.samples.filter((sample) => sample.ready).map((sample) => sample.sampleId);

describe('evaluateCompleteness', () => {
  describe('illumina profile', () => {
    it.each([
      {
        case: 'no sample sheet yet',
        files: ALL_A,
        sheetGiven: false,
        expected: { status: 'RECEIVING', ready: [], waitingFor: 'SampleSheet.csv' },
      },
      {
        case: 'all of A without a marker',
        files: ALL_A,
        expected: { status: 'RECEIVING', ready: [], waitingFor: 'CopyComplete.txt or Logs/FastqComplete.txt' },
      },
      {
        case: 'RTAComplete alone on a NovaSeq is not completion',
        files: [...ALL_A, ...ALL_B, 'RTAComplete.txt'],
        expected: { status: 'RECEIVING', ready: [], waitingFor: 'CopyComplete.txt or Logs/FastqComplete.txt' },
      },
      {
        case: 'CopyComplete with A complete (lane-split) and B partial',
        files: [...ALL_A, ALL_B[0]!, 'CopyComplete.txt'],
        expected: { status: 'RECEIVING', ready: ['A'], waitingFor: '1 missing file' },
      },
      {
        case: "a BCL Convert output folder: Logs/FastqComplete.txt (the conversion's end) is the signal",
        files: [...ALL_A, ...ALL_B, 'Logs/Info.log', 'Logs/FastqComplete.txt'],
        expected: { status: 'COMPLETE', ready: ['A', 'B'], waitingFor: undefined },
      },
      {
        case: 'CopyComplete and everything',
        files: [...ALL_A, ...ALL_B, 'CopyComplete.txt'],
        expected: { status: 'COMPLETE', ready: ['A', 'B'], waitingFor: undefined },
      },
    ])('$case', ({ files, sheetGiven = true, expected }) => {
      const result = evaluateCompleteness(base({ files: files.map((name) => landed(name)), sheet: sheetGiven ? sheet : undefined }));
      expect({ status: result.status, ready: ready(result), waitingFor: result.waitingFor }).toEqual(expected);
    });

    it('a run that never gets its sheet ends INCOMPLETE at the deadline after CopyComplete.txt, saying what to upload', () => {
      // Prepare: the sheet was given to bcl2fastq from elsewhere (--sample-sheet), so the run folder has none
      const files = [...ALL_A, 'CopyComplete.txt'].map((name) => landed(name));
      // Act
      const [within, past] = [119, 121].map((minutes) => evaluateCompleteness(base({ files, now: T0 + minutes * 60_000 })));
      // Assess
      expect({ status: within!.status, waitingFor: within!.waitingFor }).toEqual({ status: 'RECEIVING', waitingFor: 'SampleSheet.csv' });
      expect(past!).toMatchObject({ status: 'INCOMPLETE', missing: ['SampleSheet.csv'] });
      expect(past!.waitingFor).toBe(
        "SampleSheet.csv at the top of the run folder (Landfall reads the run's samples from it; CopyComplete.txt landed 121 minutes ago): upload the sheet the run was demultiplexed with as SampleSheet.csv",
      );
    });

    it.each([
      { case: 'MiSeq: RTAComplete younger than the settle window', model: 'MiSeq' as const, minutesAgo: 5, expected: [] },
      { case: 'MiSeq: RTAComplete older than the settle window', model: 'MiSeq' as const, minutesAgo: 11, expected: ['A', 'B'] },
      { case: 'NovaSeqX never completes on RTAComplete', model: 'NovaSeqX' as const, minutesAgo: 59, expected: [] },
    ])('$case', ({ model, minutesAgo, expected }) => {
      const files = [...[...ALL_A, ...ALL_B].map((name) => landed(name)), landed('RTAComplete.txt', 60 - minutesAgo)];
      expect(ready(evaluateCompleteness(base({ files, sheet, instrumentModel: model })))).toEqual(expected);
    });

    it('reports FASTQs of samples the sheet does not list and files no layout knows, exempting Undetermined and run files', () => {
      const result = evaluateCompleteness(
        base({
          files: [
            ...ALL_A,
            ...ALL_B,
            'C_S3_L001_R1_001.fastq.gz',
            'Undetermined_S0_L001_R1_001.fastq.gz',
            'InterOp/QMetricsOut.bin',
            'notes.docx',
            'CopyComplete.txt',
          ].map((name) => landed(name)),
          sheet,
        }),
      );
      expect(result.unexpected.map((file) => file.name)).toEqual(['C_S3_L001_R1_001.fastq.gz', 'notes.docx']);
      expect(result.runFiles.map((file) => file.kind)).toEqual(['completion-marker', 'instrument-output', 'undetermined']);
    });

    it('never readies a sample of a sheet without a Lane column until every lane the run shows has landed (NextSeq L001-L004)', () => {
      // Prepare: the silent-loss case: lane 1 of N1 complete, lanes 2-4 still coming.
      const noLanes = parseSampleSheet('[Reads]\n75\n[Data]\nSample_ID\nN1\nN2\n');
      const lane = (sample: string, n: number, k: number) => `${sample}_S${n}_L00${k}_R1_001.fastq.gz`;
      const partial = [lane('N1', 1, 1), ...[1, 2, 3, 4].map((k) => lane('N2', 2, k)), 'CopyComplete.txt'];
      // Act
      const early = evaluateCompleteness(base({ files: partial.map((name) => landed(name)), sheet: noLanes }));
      const whole = evaluateCompleteness(
        base({ files: [...partial, ...[2, 3, 4].map((k) => lane('N1', 1, k))].map((name) => landed(name)), sheet: noLanes }),
      );
      // Assess
      expect({ ready: ready(early), missing: early.missing }).toEqual({
        ready: ['N2'],
        missing: ['N1_S1_L002_R1_001.fastq.gz', 'N1_S1_L003_R1_001.fastq.gz', 'N1_S1_L004_R1_001.fastq.gz'],
      });
      expect(whole.status).toBe('COMPLETE');
      expect(whole.samples.find((sample) => sample.sampleId === 'N1')!.files.map((file) => file.lane)).toEqual([1, 2, 3, 4]);
    });

    it('accepts the Storage Gateway upload barrier as the copy-complete signal once it covers every landed file', () => {
      const files = [...ALL_A, ...ALL_B].map((name) => landed(name, 10));
      expect(ready(evaluateCompleteness(base({ files, sheet, barrierAt: new Date(T0 + 5 * 60_000).toISOString() })))).toEqual([]);
      expect(ready(evaluateCompleteness(base({ files, sheet, barrierAt: new Date(T0 + 11 * 60_000).toISOString() })))).toEqual(['A', 'B']);
    });

    describe('a run of which only the onboard analysis was copied (no top-level CopyComplete.txt)', () => {
      const analysis = (n: number, names: string[], minute: number) =>
        names.map((name) => landed(`Analysis/${n}/Data/BCLConvert/fastq/${name}`, minute));
      const done = (n: number, minute: number, which = ['CopyComplete.txt', 'Data/Secondary_Analysis_Complete.txt']) =>
        which.map((name) => landed(`Analysis/${n}/${name}`, minute));
      const first = [...analysis(1, [...ALL_A, ...ALL_B], 0), ...done(1, 1)];
      it.each([
        {
          case: "the analysis's CopyComplete.txt and Secondary_Analysis_Complete.txt, the folder quiet for the settle time",
          files: first,
          minute: 11,
          expected: { status: 'COMPLETE', ready: ['A', 'B'], waitingFor: undefined },
        },
        {
          case: 'both, but the folder not quiet for long enough (a requeue may follow in a whole run folder)',
          files: first,
          minute: 9,
          expected: {
            status: 'RECEIVING',
            ready: [],
            waitingFor:
              '600s without a new file after Analysis/1/CopyComplete.txt (or CopyComplete.txt or Logs/FastqComplete.txt at the top of the run folder)',
          },
        },
        {
          case: "the analysis's CopyComplete.txt without Secondary_Analysis_Complete.txt (the analysis did not finish)",
          files: [...analysis(1, [...ALL_A, ...ALL_B], 0), ...done(1, 1, ['CopyComplete.txt'])],
          minute: 60,
          expected: { status: 'RECEIVING', ready: [], waitingFor: 'CopyComplete.txt or Logs/FastqComplete.txt' },
        },
        {
          case: "a requeue's Analysis/2 still landing: the newest analysis is not done",
          files: [...first, ...analysis(2, ALL_A, 5)],
          minute: 60,
          expected: { status: 'RECEIVING', ready: [], waitingFor: 'CopyComplete.txt or Logs/FastqComplete.txt' },
        },
        {
          case: "a requeue's Analysis/2 done and quiet: its samples, not Analysis/1's",
          files: [...first, ...analysis(2, [...ALL_A, ...ALL_B], 5), ...done(2, 6)],
          minute: 17,
          expected: { status: 'COMPLETE', ready: ['A', 'B'], waitingFor: undefined },
        },
      ])('$case', ({ files, minute, expected }) => {
        const result = evaluateCompleteness(base({ files, sheet, now: T0 + minute * 60_000 }));
        expect({ status: result.status, ready: ready(result), waitingFor: result.waitingFor }).toEqual(expected);
        if (result.status === 'COMPLETE') {
          const newest = Math.max(...files.map((file) => Number(/^Analysis\/(\d+)/.exec(file.name)?.[1] ?? 0)));
          expect(result.signal).toBe(
            `Analysis/${newest}/CopyComplete.txt and Analysis/${newest}/Data/Secondary_Analysis_Complete.txt + 600s without a new file`,
          );
          for (const sample of result.samples) expect(sample.files.every((file) => file.name.startsWith(`Analysis/${newest}/`))).toBe(true);
        }
      });
    });

    it('marks a run INCOMPLETE when files are still missing after the deadline', () => {
      const files = [...ALL_A, 'CopyComplete.txt'].map((name) => landed(name));
      expect(evaluateCompleteness(base({ files, sheet, now: T0 + 119 * 60_000 })).status).toBe('RECEIVING');
      const late = evaluateCompleteness(base({ files, sheet, now: T0 + 121 * 60_000 }));
      expect({ status: late.status, missing: late.missing, ready: ready(late) }).toEqual({
        status: 'INCOMPLETE',
        missing: ALL_B,
        ready: ['A'],
      });
    });
  });

  describe('reads not written as gzip FASTQ', () => {
    it.each([
      {
        case: 'DRAGEN ORA from onboard BCL Convert (FastqCompressionFormat,dragen)',
        profile: 'illumina' as const,
        files: [
          'CopyComplete.txt',
          'Analysis/1/Data/BCLConvert/ora_fastq/A_S1_L001_R1_001.fastq.ora',
          'Analysis/1/Data/BCLConvert/ora_fastq/A_S1_L001_R2_001.fastq.ora',
        ],
        says: 'FASTQ: Analysis/1/Data/BCLConvert/ora_fastq/A_S1_L001_R1_001.fastq.ora and 1 more hold reads compressed as DRAGEN ORA (.fastq.ora)',
      },
      {
        case: "a Revio's HiFi reads as BAM only",
        profile: 'pacbio' as const,
        files: ['1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.bam', '1_A01/metadata/m84001_220722_134701_s1.transferdone'],
        says: 'FASTQ: 1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.bam hold HiFi reads as BAM only',
      },
      {
        case: "MinKNOW's BAM output only",
        profile: 'ont' as const,
        files: ['bam_pass/barcode01/PAO25751_pass_barcode01_e05460c6_de9f2c7f_0.bam', 'final_summary_PAO25751_e05460c6_de9f2c7f.txt'],
        says: "FASTQ: bam_pass/barcode01/PAO25751_pass_barcode01_e05460c6_de9f2c7f_0.bam hold basecalled reads as BAM only (MinKNOW's bam_pass/)",
      },
    ])('says what to do with $case, and the deadline ends the run INCOMPLETE with that reason', ({ profile, files, says }) => {
      // Act
      const within = evaluateCompleteness(base({ profile, sheet, files: files.map((name) => landed(name)) }));
      const past = evaluateCompleteness(base({ profile, sheet, files: files.map((name) => landed(name)), now: T0 + 121 * 60_000 }));
      // Assess
      expect({ status: within.status, ready: ready(within) }).toEqual({ status: 'RECEIVING', ready: [] });
      expect(within.waitingFor).toContain(says);
      expect(within.waitingFor).toMatch(/which Landfall does not read; .*upload the \.fastq\.gz files/);
      expect({ status: past.status, waitingFor: past.waitingFor }).toEqual({ status: 'INCOMPLETE', waitingFor: within.waitingFor });
    });

    it('a Revio BAM beside its FASTQ is no problem', () => {
      const files = [
        '1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.bam',
        '1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz',
        '1_A01/metadata/m84001_220722_134701_s1.transferdone',
      ];
      expect(evaluateCompleteness(base({ profile: 'pacbio', files: files.map((name) => landed(name)) }))).toMatchObject({
        status: 'COMPLETE',
        waitingFor: undefined,
      });
    });
  });

  describe('manifest profile', () => {
    const manifest = parseRunManifest(
      'manifest.md5',
      `${'a'.repeat(32)}  S1.R1.fastq.gz\n${'b'.repeat(32)}  S1.R2.fastq.gz\n${'c'.repeat(32)} *S2.R1.fastq.gz\n${'d'.repeat(32)}  S2.R2.fastq.gz\n`,
    );
    it('waits for the manifest, then for every file it lists, even when the manifest arrives first', () => {
      const some = ['S1.R1.fastq.gz', 'S1.R2.fastq.gz', 'S2.R1.fastq.gz'].map((name) => landed(name));
      expect(evaluateCompleteness(base({ profile: 'manifest', files: some })).waitingFor).toBe('a manifest (manifest.json or *.md5)');
      const early = evaluateCompleteness(base({ profile: 'manifest', files: [landed('manifest.md5'), ...some], manifest }));
      expect({ status: early.status, ready: ready(early), missing: early.missing }).toEqual({
        status: 'RECEIVING',
        ready: ['S1'],
        missing: ['S2.R2.fastq.gz'],
      });
      const all = evaluateCompleteness(
        base({ profile: 'manifest', files: [landed('manifest.md5'), ...some, landed('S2.R2.fastq.gz')], manifest }),
      );
      expect({ status: all.status, ready: ready(all) }).toEqual({ status: 'COMPLETE', ready: ['S1', 'S2'] });
    });

    it('turns INCOMPLETE with the missing list after the deadline from the manifest', () => {
      const result = evaluateCompleteness(
        base({ profile: 'manifest', files: [landed('manifest.md5', 0), landed('S1.R1.fastq.gz')], manifest, now: T0 + 121 * 60_000 }),
      );
      expect({ status: result.status, missing: result.missing.sort() }).toEqual({
        status: 'INCOMPLETE',
        missing: ['S1.R2.fastq.gz', 'S2.R1.fastq.gz', 'S2.R2.fastq.gz'],
      });
    });
  });

  describe('marker profile', () => {
    it('completes a sample on <sample>.complete, with both mates required', () => {
      const files = ['S1.R1.fastq.gz', 'S1.R2.fastq.gz', 'S2.R1.fastq.gz', 'S1.complete', 'S2.complete'].map((name) => landed(name));
      const result = evaluateCompleteness(base({ profile: 'marker', files }));
      expect({ ready: ready(result), missing: result.missing }).toEqual({ ready: ['S1'], missing: ['S2.R2.fastq.gz'] });
    });

    it('completes every sample on transfer_complete.txt', () => {
      const files = ['S1.R1.fastq.gz', 'S1.R2.fastq.gz', 'S2.R1.fastq.gz', 'S2.R2.fastq.gz', 'transfer_complete.txt'].map((name) =>
        landed(name),
      );
      expect(evaluateCompleteness(base({ profile: 'marker', files }))).toMatchObject({
        status: 'COMPLETE',
        signal: 'transfer_complete.txt',
      });
    });

    it("a sample's marker in the sample's subfolder completes it, as its FASTQs are found in any folder", () => {
      const files = ['proj/S1_R1.fastq.gz', 'proj/S1_R2.fastq.gz', 'proj/S1.complete'].map((name) => landed(name));
      expect(ready(evaluateCompleteness(base({ profile: 'marker', files })))).toEqual(['S1']);
    });

    it('waits without any marker', () => {
      const files = ['S1.R1.fastq.gz', 'S1.R2.fastq.gz'].map((name) => landed(name));
      expect(evaluateCompleteness(base({ profile: 'marker', files }))).toMatchObject({
        status: 'RECEIVING',
        waitingFor: 'transfer_complete.txt or <sample>.complete',
      });
    });
  });
});

describe('ont profile', () => {
  const pass = (barcode: string, batch: number) => `fastq_pass/${barcode}/PAO25751_pass_${barcode}_e05460c6_de9f2c7f_${batch}.fastq.gz`;
  it('waits for final_summary_*.txt, then readies one single-end sample per barcode', () => {
    // Prepare
    const reads = [
      pass('barcode01', 0),
      pass('barcode01', 1),
      pass('barcode02', 0),
      'fastq_pass/unclassified/x_pass_unclassified_a_b_0.fastq.gz',
    ];
    // Act
    const before = evaluateCompleteness(base({ profile: 'ont', files: reads.map((name) => landed(name)) }));
    const after = evaluateCompleteness(
      base({ profile: 'ont', files: [...reads, 'final_summary_PAO25751_e05460c6_de9f2c7f.txt'].map((name) => landed(name)) }),
    );
    // Assess
    expect({ status: before.status, ready: ready(before), waitingFor: before.waitingFor }).toEqual({
      status: 'RECEIVING',
      ready: [],
      waitingFor: 'final_summary_*.txt (MinKNOW writes it once every file is written)',
    });
    expect({ status: after.status, ready: ready(after), signal: after.signal }).toEqual({
      status: 'COMPLETE',
      ready: ['barcode01', 'barcode02'],
      signal: 'final_summary_PAO25751_e05460c6_de9f2c7f.txt',
    });
    expect(after.samples[0]!.files.map((file) => `${file.label}:${file.role}:${file.part}`)).toEqual(['R1:single:1', 'R1:single:2']);
    expect(after.unexpected).toEqual([]);
  });
  it("waits for the summary's output hash file for ontHashWaitSeconds: its landing ends the wait, its absence only delays", () => {
    // Prepare: two protocol runs in a pooled folder; the summary of PAO25751 lands at minute 0
    const summary = 'final_summary_PAO25751_e05460c6_de9f2c7f.txt';
    const reads = [pass('barcode01', 0), pass('barcode02', 0)].map((name) => landed(name));
    const otherRunsHash = landed('output_hash_PAO25751_20260101_1200_0a0b0c0d.csv');
    const ownHash = landed('output_hash_PAO25751_20260101_1200_e05460c6.csv');
    const at = (seconds: number, extra: LandedFile[] = []) =>
      evaluateCompleteness(
        base({ profile: 'ont', files: [...reads, landed(summary), ...extra], ontHashWaitSeconds: 120, now: T0 + seconds * 1000 }),
      );
    // Act
    const waiting = at(30, [otherRunsHash]);
    const hashed = at(30, [ownHash]);
    const gaveUp = at(121);
    // Assess
    expect({ status: waiting.status, ready: ready(waiting), waitingFor: waiting.waitingFor }).toEqual({
      status: 'RECEIVING',
      ready: [],
      waitingFor: `the output hash file beside ${summary} (MinKNOW writes it with the summary; without it the samples go on 120s after the summary landed)`,
    });
    expect({ status: hashed.status, ready: ready(hashed) }).toEqual({ status: 'COMPLETE', ready: ['barcode01', 'barcode02'] });
    expect({ status: gaveUp.status, ready: ready(gaveUp) }).toEqual({ status: 'COMPLETE', ready: ['barcode01', 'barcode02'] });
  });
  it('waits while fewer FASTQs have landed than the final summary counts, however early the summary landed', () => {
    // Prepare: MinKNOW counts pass and fail FASTQs below the summary's folder (fastq_files_in_final_dest).
    const folder = '20260101_1200_MN12345_PAO25751_e05460c6';
    const summary = `${folder}/final_summary_PAO25751_e05460c6_de9f2c7f.txt`;
    const reads = [pass('barcode01', 0), pass('barcode01', 1), pass('barcode02', 0)].map((name) => `${folder}/${name}`);
    const late = `${folder}/${pass('barcode02', 1)}`;
    const input = (names: string[]) =>
      base({ profile: 'ont', files: [...names, summary].map((name) => landed(name)), finalSummaries: { [summary]: { fastqFiles: 4 } } });
    // Act
    const early = evaluateCompleteness(input(reads));
    const whole = evaluateCompleteness(input([...reads, late]));
    // Assess
    expect({ status: early.status, ready: ready(early), waitingFor: early.waitingFor }).toEqual({
      status: 'RECEIVING',
      ready: [],
      waitingFor: `1 more FASTQ file: ${summary} says fastq_files_in_final_dest=4`,
    });
    expect({ status: whole.status, ready: ready(whole), signal: whole.signal }).toEqual({
      status: 'COMPLETE',
      ready: ['barcode01', 'barcode02'],
      signal: summary,
    });
    expect(whole.samples[1]!.files).toHaveLength(2);
  });
  it("an experiment folder of two libraries: one flow cell's summary starts its own library's samples only, and barcode01 of each is its own sample", () => {
    // Prepare: ONT "Output Structure", data pooling off: /data/{protocol_group_id}/{sample_id}/{start_time}_{device}_{flow_cell}_{short_protocol_run_id}/
    const libA = 'libA/20250603_1201_1A_PAW11111_e05460c6';
    const libB = 'libB/20250603_1305_1B_PAW22222_7a1b2c3d';
    const reads = [
      `${libA}/fastq_pass/barcode01/PAW11111_pass_barcode01_e05460c6_de9f2c7f_0.fastq.gz`,
      `${libA}/fastq_pass/barcode01/PAW11111_pass_barcode01_e05460c6_de9f2c7f_1.fastq.gz`,
      `${libB}/fastq_pass/barcode01/PAW22222_pass_barcode01_7a1b2c3d_0f1e2d3c_0.fastq.gz`,
    ];
    const summaryA = `${libA}/final_summary_PAW11111_e05460c6_de9f2c7f.txt`;
    const summaryB = `${libB}/final_summary_PAW22222_7a1b2c3d_0f1e2d3c.txt`;
    const input = (names: string[]) =>
      base({
        profile: 'ont',
        files: names.map((name) => landed(name)),
        finalSummaries: Object.fromEntries(names.filter((name) => name.includes('final_summary')).map((name) => [name, {}])),
      });
    // Act
    const oneDone = evaluateCompleteness(input([...reads, summaryA]));
    const bothDone = evaluateCompleteness(input([...reads, summaryA, summaryB]));
    // Assess
    expect(oneDone.samples.map((sample) => [sample.sampleId, sample.files.length, sample.ready])).toEqual([
      ['libA_barcode01', 2, true],
      ['libB_barcode01', 1, false],
    ]);
    expect({ status: oneDone.status, waitingFor: oneDone.waitingFor }).toEqual({
      status: 'RECEIVING',
      waitingFor: 'final_summary_*.txt of every flow cell whose reads landed',
    });
    expect({ status: bothDone.status, ready: ready(bothDone) }).toEqual({
      status: 'COMPLETE',
      ready: ['libA_barcode01', 'libB_barcode01'],
    });
  });

  it("a pooled library folder two flow cells write into: its sample waits for both flow cells' summaries", () => {
    // Prepare: data pooling on: /data/{protocol_group_id}/{sample_id}/ holds both flow cells' files and summaries
    const reads = [
      'fastq_pass/patient_7/PAW11111_pass_patient_7_e05460c6_de9f2c7f_0.fastq.gz',
      'fastq_pass/patient_7/PAW22222_pass_patient_7_7a1b2c3d_0f1e2d3c_0.fastq.gz',
      'fastq_fail/patient_7/PAW22222_fail_patient_7_7a1b2c3d_0f1e2d3c_0.fastq.gz',
    ];
    const first = 'final_summary_PAW11111_e05460c6_de9f2c7f.txt';
    const second = 'final_summary_PAW22222_7a1b2c3d_0f1e2d3c.txt';
    const input = (names: string[]) =>
      base({
        profile: 'ont',
        files: names.map((name) => landed(name)),
        // Each summary counts its own flow cell's FASTQs: 1 and 2 (pass and fail).
        finalSummaries: { [first]: { fastqFiles: 1 }, ...(names.includes(second) ? { [second]: { fastqFiles: 2 } } : {}) },
      });
    // Act
    const oneDone = evaluateCompleteness(input([...reads, first]));
    const bothDone = evaluateCompleteness(input([...reads, first, second]));
    // Assess
    expect({ status: oneDone.status, ready: ready(oneDone) }).toEqual({ status: 'RECEIVING', ready: [] });
    expect({ status: bothDone.status, ready: ready(bothDone), files: bothDone.samples[0]!.files.length }).toEqual({
      status: 'COMPLETE',
      ready: ['patient_7'],
      files: 2,
    });
  });

  it('a summary whose counted FASTQs never land ends INCOMPLETE at the deadline, not RECEIVING for ever', () => {
    // Prepare
    const summary = 'final_summary_PAO25751_e05460c6_de9f2c7f.txt';
    const files = [landed(pass('barcode01', 0)), landed(summary)];
    const at = (minutes: number) =>
      evaluateCompleteness(base({ profile: 'ont', files, finalSummaries: { [summary]: { fastqFiles: 2 } }, now: T0 + minutes * 60_000 }));
    // Act
    const [within, past] = [at(119), at(121)];
    // Assess
    expect({ status: within.status, ready: ready(within) }).toEqual({ status: 'RECEIVING', ready: [] });
    expect({ status: past.status, ready: ready(past), waitingFor: past.waitingFor }).toEqual({
      status: 'INCOMPLETE',
      ready: [],
      waitingFor: `1 more FASTQ file: ${summary} says fastq_files_in_final_dest=2`,
    });
  });
});

describe('pacbio profile', () => {
  it.each([
    { case: 'transfer_complete.txt', marker: 'transfer_complete.txt' },
    { case: "a movie's .transferdone", marker: '1_A01/m84001_260101_134701_s1.transferdone' },
  ])('readies one HiFi sample per barcode on $case', ({ marker }) => {
    // Prepare
    const files = ['bc2001', 'bc2002'].map((bc) => `1_A01/hifi_reads/m84001_260101_134701_s1.hifi_reads.${bc}.fastq.gz`);
    // Act
    const before = evaluateCompleteness(base({ profile: 'pacbio', files: files.map((name) => landed(name)) }));
    const after = evaluateCompleteness(base({ profile: 'pacbio', files: [...files, marker].map((name) => landed(name)) }));
    // Assess
    expect(before.waitingFor).toBe('transfer_complete.txt or <movie>.transferdone');
    expect({ status: after.status, ready: ready(after) }).toEqual({
      status: 'COMPLETE',
      ready: ['m84001_260101_134701_s1.bc2001', 'm84001_260101_134701_s1.bc2002'],
    });
  });

  it("one SMRT Cell's .transferdone starts that cell's samples only; the same barcode in another cell is another sample", () => {
    // Prepare: a Revio run of two wells, both with bc2001 (the run design gives each well and barcode its own biosample)
    const a01 = '1_A01/hifi_reads/m84001_220722_134701_s1.hifi_reads.bc2001.fastq.gz';
    const b01 = '1_B01/hifi_reads/m84001_220722_134701_s2.hifi_reads.bc2001.fastq.gz';
    const doneA = '1_A01/metadata/m84001_220722_134701_s1.transferdone';
    const doneB = '1_B01/metadata/m84001_220722_134701_s2.transferdone';
    // Act
    const oneDone = evaluateCompleteness(base({ profile: 'pacbio', files: [a01, b01, doneA].map((name) => landed(name)) }));
    const bothDone = evaluateCompleteness(base({ profile: 'pacbio', files: [a01, b01, doneA, doneB].map((name) => landed(name)) }));
    // Assess
    expect(oneDone.samples.map((sample) => [sample.sampleId, sample.ready])).toEqual([
      ['m84001_220722_134701_s1.bc2001', true],
      ['m84001_220722_134701_s2.bc2001', false],
    ]);
    expect(oneDone).toMatchObject({ status: 'RECEIVING', waitingFor: '<movie>.transferdone of every SMRT Cell whose reads landed' });
    expect(bothDone.status).toBe('COMPLETE');
  });
});

describe('parseRunManifest', () => {
  it.each([
    {
      case: 'md5sum format with a bad line',
      source: 'manifest.md5',
      text: `${'a'.repeat(32)}  x.fq.gz\nnot a line\n`,
      message: 'manifest.md5 line 2: expected "<md5 or sha256 hex>  <file name>" or "MD5 (<file name>) = <hex>", found "not a line"',
    },
    {
      case: 'JSON without files',
      source: 'manifest.json',
      text: '{"x":1}',
      message: 'manifest.json: expected an array of files, or { "files": [...] }',
    },
    {
      case: 'JSON with a bad md5',
      source: 'manifest.json',
      text: '{"files":[{"name":"a","md5":"xyz"}]}',
      message: 'manifest.json: files[0]: expected "md5" as 32 hex digits, found "xyz"',
    },
    { case: 'invalid JSON', source: 'manifest.json', text: '{', message: 'manifest.json: expected a JSON manifest, found invalid JSON' },
    {
      case: 'a traversal path',
      source: 'manifest.md5',
      text: `${'a'.repeat(32)}  ../../etc/passwd\n`,
      message: 'manifest.md5 line 1: unsafe path "../../etc/passwd"',
    },
    { case: 'no files', source: 'manifest.md5', text: '# nothing yet\n', message: 'manifest.md5: lists no files' },
  ])('rejects $case', ({ source, text, message }) => {
    expect(() => parseRunManifest(source, text)).toThrow(message);
  });

  it('reads sha256sum format and names like SHA256SUMS, as landfall validate does', () => {
    expect(parseRunManifest('SHA256SUMS', `${'B'.repeat(64)}  S1.R1.fastq.gz\n`).entries).toEqual([
      { name: 'S1.R1.fastq.gz', sha256: 'b'.repeat(64), line: 1 },
    ]);
    expect(['SHA256SUMS', 'MD5SUMS', 'run.sha256', 'manifest.json', 'md5sums.txt'].filter(isManifestName)).toHaveLength(5);
  });

  it('reads JSON entries with checksums and sizes', () => {
    expect(
      parseRunManifest('manifest.json', JSON.stringify({ files: [{ path: 'S1.R1.fastq.gz', md5: 'A'.repeat(32), size: 10 }] })).entries,
    ).toEqual([{ name: 'S1.R1.fastq.gz', md5: 'a'.repeat(32), sha256: undefined, size: 10 }]);
  });
});

describe('parseLandingKey', () => {
  it.each([
    {
      case: 'a run file',
      key: 'incoming/genomics/RUN1/A_S1_L001_R1_001.fastq.gz',
      expected: { team: 'genomics', runId: 'RUN1', name: 'A_S1_L001_R1_001.fastq.gz' },
    },
    {
      case: 'a nested file',
      key: 'incoming/genomics/RUN1/Reports/x y.html',
      expected: { team: 'genomics', runId: 'RUN1', name: 'Reports/x y.html' },
    },
    {
      case: 'an NFD name (macOS SMB) becomes NFC',
      key: 'incoming/genomics/RUN1/Cafe\u0301.csv',
      expected: { team: 'genomics', runId: 'RUN1', name: 'Caf\u00e9.csv' },
    },
    { case: 'a file at the team folder', key: 'incoming/genomics/loose.txt', expected: undefined },
    { case: 'outside incoming/', key: 'teams/genomics/RUN1/x', expected: undefined },
  ])('$case', ({ key, expected }) => {
    expect(parseLandingKey(key)).toEqual(expected);
  });
});
