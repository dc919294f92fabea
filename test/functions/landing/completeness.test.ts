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
      { case: 'all of A without a marker', files: ALL_A, expected: { status: 'RECEIVING', ready: [], waitingFor: 'CopyComplete.txt' } },
      {
        case: 'RTAComplete alone on a NovaSeq is not completion',
        files: [...ALL_A, ...ALL_B, 'RTAComplete.txt'],
        expected: { status: 'RECEIVING', ready: [], waitingFor: 'CopyComplete.txt' },
      },
      {
        case: 'CopyComplete with A complete (lane-split) and B partial',
        files: [...ALL_A, ALL_B[0]!, 'CopyComplete.txt'],
        expected: { status: 'RECEIVING', ready: ['A'], waitingFor: '1 missing file' },
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
  it('waits while fewer FASTQs have landed than the final summary counts, however early the summary landed', () => {
    // Prepare: MinKNOW counts pass and fail FASTQs below the summary's folder (fastq_files_in_final_dest).
    const summary = 'PAO25751_run/final_summary_PAO25751_e05460c6_de9f2c7f.txt';
    const reads = [pass('barcode01', 0), pass('barcode01', 1), pass('barcode02', 0)].map((name) => `PAO25751_run/${name}`);
    const late = `PAO25751_run/${pass('barcode02', 1)}`;
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
    expect({ status: after.status, ready: ready(after) }).toEqual({ status: 'COMPLETE', ready: ['bc2001', 'bc2002'] });
  });
});

describe('parseRunManifest', () => {
  it.each([
    {
      case: 'md5sum format with a bad line',
      source: 'manifest.md5',
      text: `${'a'.repeat(32)}  x.fq.gz\nnot a line\n`,
      message: 'manifest.md5 line 2: expected "<md5 or sha256 hex>  <file name>", found "not a line"',
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
      { name: 'S1.R1.fastq.gz', sha256: 'b'.repeat(64) },
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
