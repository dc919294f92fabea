import { describe, expect, it } from 'vitest';
import { parseRunInfo } from '../../layouts/runInfo.ts';
import { orderedFiles, type RunLayoutInput, resolveRunLayout } from '../../layouts/runLayout.ts';
import { parseSampleSheet } from '../../layouts/sampleSheet.ts';
import type { RunLayout } from '../../layouts/types.ts';

// Each case lays a run folder out as the named document defines it, never as Landfall's generator writes it:
// - bcl2fastq2 v2.20 guide, "FASTQ Files Directory": <out>/<Project>/<Sample_ID>/<Sample_Name>_S1_L001_R1_001.fastq.gz;
//   the Sample_ID folder exists when Sample_Name is set and differs; Undetermined_S0_* at the top; Reports/, Stats/.
// - bcl2fastq2 v2.20 "--no-lane-splitting": one file per sample and read, no _L00k.
// - BCL Convert guide, "Output Files": <Sample_ID>_S#_L00#_R#_001.fastq.gz in --output-directory, Undetermined_S0_,
//   Reports/, Logs/; DRAGEN/BCL Convert "Output Files": --bcl-sampleproject-subdirectories puts them in <Sample_Project>/.
// - CASAVA 1.8: Project_<p>/Sample_<id>/<id>_<index>_L00k_R1_<set>.fastq.gz, Undetermined_indexes/.
// - ONT output specifications, "Output Structure" and "FASTQ"; PacBio file formats, "Revio & Vega file structure".

/** One line per expected file: `<sample> L<lane> <label>:<role> <name>` (`MISSING` when not landed). */
function summary(layout: RunLayout): string[] {
  return layout.samples.flatMap((sample) =>
    orderedFiles(sample).map(
      (file) => `${sample.sampleId} L${file.lane} ${file.label}:${file.role} ${file.landed ? file.name : `MISSING ${file.name}`}`,
    ),
  );
}

const RUN_FILES_ILLUMINA = [
  'RunInfo.xml',
  'RunParameters.xml',
  'CopyComplete.txt',
  'RTAComplete.txt',
  'InterOp/QMetricsOut.bin',
  'SampleSheet.csv',
];

describe('resolveRunLayout: Illumina demultiplexer layouts', () => {
  it('bcl2fastq v2.20 "FASTQ Files Directory": <Project>/<Sample_ID>/<Sample_Name>_S<n>_… and <Project>/<Sample_Name = Sample_ID>_S<n>_…', () => {
    // Prepare
    const sheet = parseSampleSheet(
      '[Header]\nIEMFileVersion,4\n[Reads]\n76\n76\n[Data]\nSample_ID,Sample_Name,index,Sample_Project\nS-01,Liver_A,TAAGGCGA,ProjA\nS-02,S-02,CGTACTAG,ProjA\nS-03,,AGGCAGAA,ProjB\n',
    );
    const files = [
      ...RUN_FILES_ILLUMINA,
      'ProjA/S-01/Liver_A_S1_L001_R1_001.fastq.gz',
      'ProjA/S-01/Liver_A_S1_L001_R2_001.fastq.gz',
      'ProjA/S-02_S2_L001_R1_001.fastq.gz',
      'ProjA/S-02_S2_L001_R2_001.fastq.gz',
      'ProjB/S-03_S3_L001_R1_001.fastq.gz',
      'ProjB/S-03_S3_L001_R2_001.fastq.gz',
      'Undetermined_S0_L001_R1_001.fastq.gz',
      'Undetermined_S0_L001_R2_001.fastq.gz',
      'Reports/html/index.html',
      'Stats/Stats.json',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(summary(layout)).toEqual([
      'S-01 L1 R1:mate1 ProjA/S-01/Liver_A_S1_L001_R1_001.fastq.gz',
      'S-01 L1 R2:mate2 ProjA/S-01/Liver_A_S1_L001_R2_001.fastq.gz',
      'S-02 L1 R1:mate1 ProjA/S-02_S2_L001_R1_001.fastq.gz',
      'S-02 L1 R2:mate2 ProjA/S-02_S2_L001_R2_001.fastq.gz',
      'S-03 L1 R1:mate1 ProjB/S-03_S3_L001_R1_001.fastq.gz',
      'S-03 L1 R2:mate2 ProjB/S-03_S3_L001_R2_001.fastq.gz',
    ]);
    expect(layout.samples.map((sample) => sample.project)).toEqual(['ProjA', 'ProjA', 'ProjB']);
    expect(layout.unexpected).toEqual([]);
    expect(layout.runFiles.map((file) => `${file.kind} ${file.name}`)).toEqual([
      'completion-marker CopyComplete.txt',
      'instrument-output InterOp/QMetricsOut.bin',
      'completion-marker RTAComplete.txt',
      'report Reports/html/index.html',
      'run-info RunInfo.xml',
      'run-parameters RunParameters.xml',
      'sample-sheet SampleSheet.csv',
      'report Stats/Stats.json',
      'undetermined Undetermined_S0_L001_R1_001.fastq.gz',
      'undetermined Undetermined_S0_L001_R2_001.fastq.gz',
    ]);
  });

  it('bcl2fastq v2.20, NextSeq 500 sheet without a Lane column: every sample in all 4 lanes; lanes 2-4 are never left out', () => {
    // Prepare: one sample has only lanes 1-3 so far.
    const sheet = parseSampleSheet('[Reads]\n75\n[Data]\nSample_ID,Sample_Name,index\nA,A,ACGT\nB,B,TGCA\n');
    const lanes = (sample: string, n: number, upTo: number) =>
      Array.from({ length: upTo }, (_, index) => `${sample}_S${n}_L00${index + 1}_R1_001.fastq.gz`);
    const files = [...lanes('A', 1, 4), ...lanes('B', 2, 3)];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(layout.lanes).toEqual([1, 2, 3, 4]);
    expect(summary(layout)).toEqual([
      'A L1 R1:single A_S1_L001_R1_001.fastq.gz',
      'A L2 R1:single A_S1_L002_R1_001.fastq.gz',
      'A L3 R1:single A_S1_L003_R1_001.fastq.gz',
      'A L4 R1:single A_S1_L004_R1_001.fastq.gz',
      'B L1 R1:single B_S2_L001_R1_001.fastq.gz',
      'B L2 R1:single B_S2_L002_R1_001.fastq.gz',
      'B L3 R1:single B_S2_L003_R1_001.fastq.gz',
      'B L4 R1:single MISSING B_S2_L004_R1_001.fastq.gz',
    ]);
  });

  it('no Lane column with RunInfo.xml LaneCount 4: lanes come from the flow cell before any FASTQ lands', () => {
    // Prepare
    const sheet = parseSampleSheet('[Data]\nSample_ID\nA\n');
    const runInfo = parseRunInfo(
      '<RunInfo><Run><Reads><Read Number="1" NumCycles="151" IsIndexedRead="N"/><Read Number="2" NumCycles="151" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="4"/></Run></RunInfo>',
    );
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files: ['A_S1_L001_R1_001.fastq.gz'], sheet, runInfo });
    // Assess
    expect(layout.samples[0]!.files.filter((file) => !file.landed)).toHaveLength(7);
    expect(layout.readStructure.source).toBe('RunInfo.xml');
  });

  it('bcl2fastq v2.20 --no-lane-splitting: <name>_S<n>_R1_001.fastq.gz, one file per read for all lanes', () => {
    // Prepare
    const sheet = parseSampleSheet('[Data]\nSample_ID,Sample_Name\nA,Alpha\nB,\n');
    const files = [
      'Alpha_S1_R1_001.fastq.gz',
      'Alpha_S1_R2_001.fastq.gz',
      'B_S2_R1_001.fastq.gz',
      'B_S2_R2_001.fastq.gz',
      'Undetermined_S0_R1_001.fastq.gz',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(layout.lanes).toEqual([0]);
    expect(summary(layout)).toEqual([
      'A L0 R1:mate1 Alpha_S1_R1_001.fastq.gz',
      'A L0 R2:mate2 Alpha_S1_R2_001.fastq.gz',
      'B L0 R1:mate1 B_S2_R1_001.fastq.gz',
      'B L0 R2:mate2 B_S2_R2_001.fastq.gz',
    ]);
    expect(layout.runFiles).toEqual([{ name: 'Undetermined_S0_R1_001.fastq.gz', kind: 'undetermined' }]);
  });

  it('BCL Convert "Output Files", v2 sheet in the [Data] form with Undetermined: paired from [Reads], a missing R2 is missing', () => {
    // Prepare
    const sheet = parseSampleSheet(
      '[Header]\nFileFormatVersion,2\n[Reads]\nRead1Cycles,151\nRead2Cycles,151\n[Data]\nSample_ID,Index\nP1,ACGT\nP2,TGCA\n',
    );
    const files = [
      'P1_S1_L001_R1_001.fastq.gz',
      'P1_S1_L001_R2_001.fastq.gz',
      'P2_S2_L001_R1_001.fastq.gz',
      'Undetermined_S0_L001_R1_001.fastq.gz',
      'Undetermined_S0_L001_R2_001.fastq.gz',
      'Reports/Demultiplex_Stats.csv',
      'Reports/fastq_list.csv',
      'Logs/Info.log',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(layout.readStructure.source).toBe('sample sheet [Reads]');
    expect(summary(layout)).toEqual([
      'P1 L1 R1:mate1 P1_S1_L001_R1_001.fastq.gz',
      'P1 L1 R2:mate2 P1_S1_L001_R2_001.fastq.gz',
      'P2 L1 R1:mate1 P2_S2_L001_R1_001.fastq.gz',
      'P2 L1 R2:mate2 MISSING P2_S2_L001_R2_001.fastq.gz',
    ]);
    expect(layout.unexpected).toEqual([]);
  });

  it('BCL Convert --bcl-sampleproject-subdirectories ("Output Files"): <Sample_Project>/<Sample_ID>_S<n>_…', () => {
    // Prepare
    const sheet = parseSampleSheet(
      '[Header]\nFileFormatVersion,2\n[BCLConvert_Settings]\n[BCLConvert_Data]\nLane,Sample_ID,Index,Sample_Project\n1,T1,ACGT,Onco\n2,T1,ACGT,Onco\n1,N1,TGCA,Germ\n',
    );
    const files = [
      'Onco/T1_S1_L001_R1_001.fastq.gz',
      'Onco/T1_S1_L002_R1_001.fastq.gz',
      'Germ/N1_S2_L001_R1_001.fastq.gz',
      'Germ/N1_S2_L002_R1_001.fastq.gz',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess: N1 is only in lane 1 per the sheet; its lane-2 file is counted, not processed.
    expect(summary(layout)).toEqual([
      'T1 L1 R1:single Onco/T1_S1_L001_R1_001.fastq.gz',
      'T1 L2 R1:single Onco/T1_S1_L002_R1_001.fastq.gz',
      'N1 L1 R1:single Germ/N1_S2_L001_R1_001.fastq.gz',
    ]);
    expect(layout.unexpected).toEqual([
      {
        name: 'Germ/N1_S2_L002_R1_001.fastq.gz',
        reason: 'Germ/N1_S2_L002_R1_001.fastq.gz: lane 2 is not a lane of sample N1 (the sheet lists lane(s) 1); it is kept, not processed',
      },
    ]);
  });

  it('10x: one Sample_ID on four index rows, RunInfo R1 50 / I1 8 / R2 16 / R3 50 with index FASTQs: R2 is the barcode read, never a mate', () => {
    // Prepare
    const sheet = parseSampleSheet(
      '[Data]\nLane,Sample_ID,Sample_Name,index\n1,ATAC1,ATAC1,TTTCATGA\n1,ATAC1,ATAC1,ACGTCCCT\n1,ATAC1,ATAC1,CGCATGTG\n1,ATAC1,ATAC1,GAAGGAAC\n',
    );
    const runInfo = parseRunInfo(
      '<Reads><Read Number="1" NumCycles="50" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/><Read Number="3" NumCycles="16" IsIndexedRead="N"/><Read Number="4" NumCycles="50" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="1"/>',
    );
    const files = ['R1', 'R2', 'R3', 'I1'].map((label) => `ATAC1_S1_L001_${label}_001.fastq.gz`);
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet, runInfo });
    // Assess
    expect(summary(layout)).toEqual([
      'ATAC1 L1 R1:mate1 ATAC1_S1_L001_R1_001.fastq.gz',
      'ATAC1 L1 R2:umi ATAC1_S1_L001_R2_001.fastq.gz',
      'ATAC1 L1 R3:mate2 ATAC1_S1_L001_R3_001.fastq.gz',
      'ATAC1 L1 I1:index1 ATAC1_S1_L001_I1_001.fastq.gz',
    ]);
    expect(layout.samples[0]!.readStructure.reads.map((read) => read.cycles)).toEqual([50, 16, 50, 8]);
  });

  it('UMI read without RunInfo or [Reads]: R1, R2 (8 bp UMI), R3 and I1 files make R2 the UMI (fastp issue #23: R1/R3 pair, R2 UMI)', () => {
    // Prepare
    const sheet = parseSampleSheet('[Data]\nSample_ID,index\nU1,ACGTACGT\nU2,TTGGCCAA\n');
    const files = ['U1', 'U2'].flatMap((sample, index) =>
      ['R1', 'R2', 'R3', 'I1'].map((label) => `${sample}_S${index + 1}_L001_${label}_001.fastq.gz`),
    );
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(layout.samples.map((sample) => sample.files.map((file) => `${file.label}:${file.role}`).join(' '))).toEqual([
      'R1:mate1 R2:umi R3:mate2 I1:index1',
      'R1:mate1 R2:umi R3:mate2 I1:index1',
    ]);
  });

  it.each([
    {
      case: 'the run wrote index FASTQs (bcl2fastq --create-fastq-for-index-reads, not in the sheet, is run-wide): B waits for its I1',
      settings: '',
      missing: ['B L1 I1:index1 MISSING B_S2_L001_I1_001.fastq.gz'],
    },
    {
      case: 'the sheet asks for index FASTQs (BCL Convert CreateFastqForIndexReads,1): every sample waits for its I1',
      settings: '[BCLConvert_Settings]\nCreateFastqForIndexReads,1\n',
      missing: ['B L1 I1:index1 MISSING B_S2_L001_I1_001.fastq.gz'],
    },
  ])('$case', ({ settings, missing }) => {
    // Prepare
    const sheet = parseSampleSheet(`${settings}[Data]\nSample_ID\nA\nB\n`);
    const files = ['A_S1_L001_R1_001.fastq.gz', 'A_S1_L001_I1_001.fastq.gz', 'B_S2_L001_R1_001.fastq.gz'];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(summary(layout).filter((line) => line.includes('MISSING'))).toEqual(missing);
    expect(summary(layout)).toContain('A L1 I1:index1 A_S1_L001_I1_001.fastq.gz');
    expect(layout.unexpected).toEqual([]);
  });

  it('MiSeq single-read run (RunInfo one data read): R1 only, no R2 asked for', () => {
    // Prepare
    const sheet = parseSampleSheet('[Header]\nIEMFileVersion,4\n[Reads]\n151\n[Data]\nSample_ID,Sample_Name\nM1,M1\nM2,M2\n');
    const runInfo = parseRunInfo(
      '<Reads><Read Number="1" NumCycles="151" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/></Reads><FlowcellLayout LaneCount="1"/>',
    );
    const files = ['Data/Intensities/BaseCalls/M1_S1_L001_R1_001.fastq.gz', 'Data/Intensities/BaseCalls/M2_S2_L001_R1_001.fastq.gz'];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet, runInfo });
    // Assess
    expect(summary(layout)).toEqual([
      'M1 L1 R1:single Data/Intensities/BaseCalls/M1_S1_L001_R1_001.fastq.gz',
      'M2 L1 R1:single Data/Intensities/BaseCalls/M2_S2_L001_R1_001.fastq.gz',
    ]);
  });

  it('CASAVA 1.8: Project_<p>/Sample_<id>/<id>_<index>_L00k_R1_<set>.fastq.gz, chunks 001 and 002 in order, a missing chunk is missing', () => {
    // Prepare
    const sheet = parseSampleSheet(
      'FCID,Lane,SampleID,SampleRef,Index,Description,Control,Recipe,Operator,SampleProject\nC4G9YACXX,1,NA10931,hg19,ATCACG,,N,R1,NN,Proj1\nC4G9YACXX,1,NA10932,hg19,CGATGT,,N,R1,NN,Proj1\n',
    );
    const files = [
      'Project_Proj1/Sample_NA10931/NA10931_ATCACG_L001_R1_001.fastq.gz',
      'Project_Proj1/Sample_NA10931/NA10931_ATCACG_L001_R1_002.fastq.gz',
      'Project_Proj1/Sample_NA10932/NA10932_CGATGT_L001_R1_001.fastq.gz',
      'Project_Proj1/Sample_NA10932/NA10932_CGATGT_L001_R1_003.fastq.gz',
      'Undetermined_indexes/Sample_lane1/lane1_Undetermined_L001_R1_001.fastq.gz',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(summary(layout)).toEqual([
      'NA10931 L1 R1:single Project_Proj1/Sample_NA10931/NA10931_ATCACG_L001_R1_001.fastq.gz',
      'NA10931 L1 R1:single Project_Proj1/Sample_NA10931/NA10931_ATCACG_L001_R1_002.fastq.gz',
      'NA10932 L1 R1:single Project_Proj1/Sample_NA10932/NA10932_CGATGT_L001_R1_001.fastq.gz',
      'NA10932 L1 R1:single MISSING NA10932_CGATGT_L001_R1_002.fastq.gz',
      'NA10932 L1 R1:single Project_Proj1/Sample_NA10932/NA10932_CGATGT_L001_R1_003.fastq.gz',
    ]);
    expect(layout.runFiles.map((file) => file.kind)).toEqual(['undetermined']);
  });

  it('counts every landed file that fits nowhere as unexpected, with a reason', () => {
    // Prepare
    const sheet = parseSampleSheet('[Data]\nSample_ID\nA\n');
    const runInfo = parseRunInfo(
      '<Reads><Read Number="1" NumCycles="151" IsIndexedRead="N"/><Read Number="2" NumCycles="8" IsIndexedRead="Y"/></Reads>',
    );
    const files = ['A_S1_L001_R1_001.fastq.gz', 'Z_S9_L001_R1_001.fastq.gz', 'notes.txt', 'A_S1_L001_I2_001.fastq.gz'];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet, runInfo });
    // Assess
    expect(summary(layout)).toEqual(['A L1 R1:single A_S1_L001_R1_001.fastq.gz']);
    expect(layout.unexpected).toEqual([
      {
        name: 'A_S1_L001_I2_001.fastq.gz',
        reason: 'A_S1_L001_I2_001.fastq.gz: I2 is not a read of this run (reads from RunInfo.xml: R1, I1); it is kept, not processed',
      },
      {
        name: 'Z_S9_L001_R1_001.fastq.gz',
        reason:
          'Z_S9_L001_R1_001.fastq.gz belongs to no sample of the sample sheet (no Sample_ID or Sample_Name "Z"); it is kept, not processed',
      },
      {
        name: 'notes.txt',
        reason: 'notes.txt is neither a FASTQ of a sample nor a run file Landfall knows (illumina profile); it is kept, not processed',
      },
    ]);
  });

  it('reports the same file of a sample in two folders as a problem, and keeps one', () => {
    // Prepare
    const sheet = parseSampleSheet('[Data]\nSample_ID\nA\n');
    const files = ['A_S1_L001_R1_001.fastq.gz', 'copy/A_S1_L001_R1_001.fastq.gz'];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet });
    // Assess
    expect(summary(layout)).toEqual(['A L1 R1:single A_S1_L001_R1_001.fastq.gz']);
    expect(layout.problems.map((problem) => problem.file)).toEqual(['copy/A_S1_L001_R1_001.fastq.gz']);
    expect(layout.unexpected.map((file) => file.name)).toEqual(['copy/A_S1_L001_R1_001.fastq.gz']);
  });

  it('a requeued onboard analysis (NovaSeq X Analysis/<n>/) replaces the earlier one whole, Analysis/10 after Analysis/9', () => {
    // Prepare: Illumina: "analysis # is the number of the analysis/requeue, such as '1' for the initial analysis";
    // the requeue has written lane 1 so far, the first analysis both lanes.
    const sheet = parseSampleSheet('[BCLConvert_Data]\nSample_ID\nA\n');
    const runInfo = { reads: [{ number: 1, cycles: 151, isIndexedRead: false }], laneCount: 2 };
    const fastq = (n: number, lane: number) => `Analysis/${n}/Data/BCLConvert/fastq/A_S1_L00${lane}_R1_001.fastq.gz`;
    const files = [fastq(1, 1), fastq(1, 2), fastq(9, 1), fastq(9, 2), fastq(10, 1)];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet, runInfo });
    // Assess: lane 2 is awaited from Analysis/10, never taken from Analysis/9
    expect(summary(layout)).toEqual([`A L1 R1:single ${fastq(10, 1)}`, 'A L2 R1:single MISSING A_S1_L002_R1_001.fastq.gz']);
    expect(layout.unexpected.map((file) => file.reason)).toEqual(
      [fastq(1, 1), fastq(1, 2), fastq(9, 1), fastq(9, 2)].map(
        (name) => `${name} is from an earlier analysis than Analysis/10/ (a requeued analysis replaces it whole); it is not processed`,
      ),
    );
  });

  it('a requeue replaces the earlier analysis for the whole run: a sample it has not written yet waits, never taken from Analysis/1', () => {
    // Prepare: the requeue's own sheet renamed B (a typo) to C; so far it has written A and C, not D
    const sheet = parseSampleSheet('[BCLConvert_Data]\nSample_ID\nA\nC\nD\n');
    const runInfo = { reads: [{ number: 1, cycles: 151, isIndexedRead: false }], laneCount: 1 };
    const fastq = (n: number, sample: string, s: number) => `Analysis/${n}/Data/BCLConvert/fastq/${sample}_S${s}_L001_R1_001.fastq.gz`;
    const files = [fastq(1, 'A', 1), fastq(1, 'B', 2), fastq(1, 'D', 3), fastq(2, 'A', 1), fastq(2, 'C', 2)];
    // Act
    const layout = resolveRunLayout({ profile: 'illumina', files, sheet, runInfo });
    // Assess: D waits for the requeue's file; B's reads (the uncorrected sheet's) are kept aside with the reason
    expect(summary(layout)).toEqual([
      `A L1 R1:single ${fastq(2, 'A', 1)}`,
      `C L1 R1:single ${fastq(2, 'C', 2)}`,
      'D L1 R1:single MISSING D_S3_L001_R1_001.fastq.gz',
    ]);
    expect(layout.unexpected.map((file) => file.name).sort()).toEqual([fastq(1, 'A', 1), fastq(1, 'B', 2), fastq(1, 'D', 3)]);
    expect(layout.unexpected.every((file) => file.reason.includes('is from an earlier analysis than Analysis/2/'))).toBe(true);
  });

  it('SRA / ENA pairs (<run>_1.fastq.gz, <run>_2.fastq.gz) are one paired sample; a lone <name>_1 stays single-end', () => {
    // Prepare: fasterq-dump and ENA name a run's mates so (nf-core/fetchngs too)
    const files = ['SRR1234567_1.fastq.gz', 'SRR1234567_2.fastq.gz', 'sub/ERR9_1.fq.gz', 'sub/ERR9_2.fq.gz', 'rep_1.fastq.gz'];
    // Act
    const layout = resolveRunLayout({ profile: 'marker', files: [...files, 'transfer_complete.txt'] });
    // Assess
    expect(summary(layout)).toEqual([
      'SRR1234567 L0 R1:mate1 SRR1234567_1.fastq.gz',
      'SRR1234567 L0 R2:mate2 SRR1234567_2.fastq.gz',
      // In a paired run a single-end name waits for its mate, as any lone file does ("mates required").
      'rep_1 L0 R1:mate1 rep_1.fastq.gz',
      'rep_1 L0 R2:mate2 MISSING rep_2.fastq.gz',
      'ERR9 L0 R1:mate1 sub/ERR9_1.fq.gz',
      'ERR9 L0 R2:mate2 sub/ERR9_2.fq.gz',
    ]);
    expect(summary(resolveRunLayout({ profile: 'marker', files: ['rep_1.fastq.gz', 'transfer_complete.txt'] }))).toEqual([
      'rep_1 L0 R1:single rep_1.fastq.gz',
    ]);
  });

  it('without a sheet (marker profile), generic names make the samples and a lone mate waits for its pair', () => {
    // Prepare
    const files = ['a.R1.fastq.gz', 'a.R2.fastq.gz', 'b_R1.fq.gz', 'transfer_complete.txt'];
    // Act
    const layout = resolveRunLayout({ profile: 'marker', files });
    // Assess
    expect(summary(layout)).toEqual([
      'a L0 R1:mate1 a.R1.fastq.gz',
      'a L0 R2:mate2 a.R2.fastq.gz',
      'b L0 R1:mate1 b_R1.fq.gz',
      'b L0 R2:mate2 MISSING b_R2.fq.gz',
    ]);
    expect(layout.runFiles).toEqual([{ name: 'transfer_complete.txt', kind: 'completion-marker' }]);
  });

  it('with a manifest (manifest profile), files it promises make samples before they land', () => {
    // Prepare
    const input: RunLayoutInput = {
      profile: 'manifest',
      files: ['manifest.md5', 'S1_S1_L001_R1_001.fastq.gz'],
      promised: ['S1_S1_L001_R1_001.fastq.gz', 'S1_S1_L001_R2_001.fastq.gz'],
    };
    // Act
    const layout = resolveRunLayout(input);
    // Assess
    expect(summary(layout)).toEqual(['S1 L1 R1:mate1 S1_S1_L001_R1_001.fastq.gz', 'S1 L1 R2:mate2 MISSING S1_S1_L001_R2_001.fastq.gz']);
  });
});

describe('resolveRunLayout: long reads', () => {
  it('ONT MinKNOW "Output Structure": one single-end sample per fastq_pass barcode, batches in order; unclassified, fastq_fail and reports known', () => {
    // Prepare
    const id = 'PAO25751_pass';
    const files = [
      'final_summary_PAO25751_e05460c6_de9f2c7f.txt',
      'sequencing_summary_PAO25751_e05460c6_de9f2c7f.txt',
      'report_PAO25751_20250603_1201_e05460c6.html',
      'sample_sheet_PAO25751_20250603_1201_e05460c6.csv',
      'barcode_alignment_PAO25751_e05460c6_de9f2c7f.tsv',
      'pod5/PAO25751_fd97ea7b_0f1d7e9e_57.pod5',
      `fastq_pass/barcode01/${id}_barcode01_e05460c6_de9f2c7f_10.fastq.gz`,
      `fastq_pass/barcode01/${id}_barcode01_e05460c6_de9f2c7f_2.fastq.gz`,
      `fastq_pass/barcode02/${id}_barcode02_e05460c6_de9f2c7f_0.fastq.gz`,
      `fastq_pass/unclassified/${id}_unclassified_e05460c6_de9f2c7f_0.fastq.gz`,
      'fastq_fail/barcode01/PAO25751_fail_barcode01_e05460c6_de9f2c7f_0.fastq.gz',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'ont', files });
    // Assess
    expect(summary(layout)).toEqual([
      `barcode01 L1 R1:single fastq_pass/barcode01/${id}_barcode01_e05460c6_de9f2c7f_2.fastq.gz`,
      `barcode01 L1 R1:single fastq_pass/barcode01/${id}_barcode01_e05460c6_de9f2c7f_10.fastq.gz`,
      `barcode02 L1 R1:single fastq_pass/barcode02/${id}_barcode02_e05460c6_de9f2c7f_0.fastq.gz`,
    ]);
    expect(layout.samples[0]!.files.map((file) => file.part)).toEqual([1, 2]);
    expect(layout.unexpected).toEqual([]);
    expect(layout.runFiles.map((file) => file.kind).sort()).toEqual([
      'completion-marker',
      'failed-reads',
      'instrument-output',
      'report',
      'report',
      'report',
      'report',
      'unclassified',
    ]);
  });

  it('ONT without barcoding: one sample named after the flow cell', () => {
    // Act
    const layout = resolveRunLayout({
      profile: 'ont',
      files: ['fastq_pass/PAA12345_pass_dca6f6d1_d11637af_0.fastq.gz', 'fastq_pass/PAA12345_pass_dca6f6d1_d11637af_1.fastq.gz'],
    });
    // Assess
    expect(layout.samples.map((sample) => [sample.sampleId, sample.files.length])).toEqual([['PAA12345', 2]]);
  });

  it('PacBio Revio "Revio & Vega file structure": one HiFi FASTQ per barcode; unassigned, fail_reads, BAM and metadata known', () => {
    // Prepare
    const movie = 'm84001_220722_134701_s1';
    const files = [
      `1_A01/hifi_reads/${movie}.hifi_reads.bc2001.fastq.gz`,
      `1_A01/hifi_reads/${movie}.hifi_reads.bc2002.fastq.gz`,
      `1_A01/hifi_reads/${movie}.hifi_reads.unassigned.fastq.gz`,
      `1_A01/hifi_reads/${movie}.hifi_reads.bc2001.bam`,
      `1_A01/hifi_reads/${movie}.hifi_reads.bc2001.bam.pbi`,
      `1_A01/fail_reads/${movie}.fail_reads.bc2001.bam`,
      `1_A01/metadata/${movie}.metadata.xml`,
      `1_A01/statistics/${movie}.summary.json`,
      'transfer_complete.txt',
    ];
    // Act
    const layout = resolveRunLayout({ profile: 'pacbio', files });
    // Assess
    expect(summary(layout)).toEqual([
      `${movie}.bc2001 L1 R1:single 1_A01/hifi_reads/${movie}.hifi_reads.bc2001.fastq.gz`,
      `${movie}.bc2002 L1 R1:single 1_A01/hifi_reads/${movie}.hifi_reads.bc2002.fastq.gz`,
    ]);
    expect(layout.unexpected).toEqual([]);
    expect(layout.runFiles.filter((file) => file.kind === 'unclassified').map((file) => file.name)).toEqual([
      `1_A01/hifi_reads/${movie}.hifi_reads.unassigned.fastq.gz`,
    ]);
  });

  it('PacBio SMRT Link demultiplexing and per-sample exports: barcode pairs and sample names', () => {
    // Act
    const layout = resolveRunLayout({
      profile: 'pacbio',
      files: ['m64156_230929_124402.bc2002--bc2002.hifi_reads.fastq.gz', 'RP_10017.hifi_reads.fastq.gz', 'fail_reads/x.fastq.gz'],
    });
    // Assess
    expect(summary(layout)).toEqual([
      'RP_10017 L1 R1:single RP_10017.hifi_reads.fastq.gz',
      'm64156_230929_124402.bc2002--bc2002 L1 R1:single m64156_230929_124402.bc2002--bc2002.hifi_reads.fastq.gz',
    ]);
    expect(layout.runFiles).toEqual([{ name: 'fail_reads/x.fastq.gz', kind: 'failed-reads' }]);
  });
});
