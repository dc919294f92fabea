import { describe, expect, it } from 'vitest';
import { SampleSheetError } from '../../layouts/errors.ts';
import { checkSampleSheet, parseSampleSheet, splitCsvLine } from '../../layouts/sampleSheet.ts';

// Sheets written as the guides define them. Sources:
// - IEM v1: bcl2fastq2 v2.20 guide, "Sample Sheet" ([Header], [Reads] one line per read, [Settings], [Data] with
//   Sample_ID, Sample_Name, Sample_Project, index, index2).
// - v2: BCL Convert guide, "Sample Sheet" ([BCLConvert_Settings] required in v2, [BCLConvert_Data]), and Illumina's
//   "BCL Convert Interactive Sample Sheet" ([Header] FileFormatVersion,2; [Reads] Read1Cycles, Read2Cycles,
//   Index1Cycles, Index2Cycles).
// - CASAVA 1.8: FCID,Lane,SampleID,SampleRef,Index,Description,Control,Recipe,Operator,SampleProject (bcl2fastq 1.8).

const IEM_V1 = [
  '[Header]',
  'IEMFileVersion,4',
  'Investigator Name,A Person',
  'Experiment Name,EXP1',
  'Workflow,GenerateFASTQ',
  'Application,FASTQ Only',
  'Chemistry,Amplicon',
  '',
  '[Reads]',
  '151',
  '151',
  '',
  '[Settings]',
  'Adapter,CTGTCTCTTATACACATCT',
  '',
  '[Data]',
  'Sample_ID,Sample_Name,Sample_Plate,Sample_Well,I7_Index_ID,index,I5_Index_ID,index2,Sample_Project,Description',
  'S-01,Liver_A,Plate1,A01,N701,TAAGGCGA,S517,GCGTAAGA,ProjA,',
  'S-02,Liver_B,Plate1,B01,N702,CGTACTAG,S517,GCGTAAGA,ProjA,',
  '',
].join('\n');

const V2_BCLCONVERT = [
  '[Header]',
  'FileFormatVersion,2',
  'RunName,DummyRun',
  'InstrumentPlatform,NovaSeqXSeries',
  'IndexOrientation,Forward',
  '',
  '[Reads]',
  'Read1Cycles,151',
  'Read2Cycles,151',
  'Index1Cycles,10',
  'Index2Cycles,10',
  '',
  '[BCLConvert_Settings]',
  'SoftwareVersion,4.2.7',
  'OverrideCycles,Y151;I10;I10;Y151',
  'FastqCompressionFormat,gzip',
  '',
  '[BCLConvert_Data]',
  'Lane,Sample_ID,Index,Index2,Sample_Project',
  '1,Tumor-1,ACGTACGTAC,TTGACCGTAA,Onco',
  '2,Tumor-1,ACGTACGTAC,TTGACCGTAA,Onco',
  '1,Normal-1,GGTTAACCGG,CCAATTGGAA,Onco',
  '',
  '[Cloud_Data]',
  'Sample_ID,ProjectName,LibraryName',
  'Tumor-1,CloudOnco,LIB1',
  '',
].join('\r\n');

describe('parseSampleSheet', () => {
  it.each([
    {
      case: 'IEM v1 [Data] with Sample_Name and Sample_Project, two [Reads] lines (bcl2fastq2 v2.20 guide, "Sample Sheet")',
      text: IEM_V1,
      expected: {
        format: 'v1',
        hasLaneColumn: false,
        reads: { read1Cycles: 151, read2Cycles: 151 },
        settings: {},
        samples: [
          { sampleId: 'S-01', sampleName: 'Liver_A', project: 'ProjA', sampleNumber: 1, indexes: ['TAAGGCGA-GCGTAAGA'], line: 18 },
          { sampleId: 'S-02', sampleName: 'Liver_B', project: 'ProjA', sampleNumber: 2, indexes: ['CGTACTAG-GCGTAAGA'], line: 19 },
        ],
      },
    },
    {
      case: 'v2 [BCLConvert_Data] with Lane, [Reads] keys, OverrideCycles, CRLF (BCL Convert guide, "Sample Sheet")',
      text: V2_BCLCONVERT,
      expected: {
        format: 'v2',
        hasLaneColumn: true,
        reads: { read1Cycles: 151, read2Cycles: 151, index1Cycles: 10, index2Cycles: 10 },
        settings: { overrideCycles: 'Y151;I10;I10;Y151' },
        samples: [
          { sampleId: 'Tumor-1', project: 'Onco', sampleNumber: 1, lanes: [1, 2], indexes: ['ACGTACGTAC-TTGACCGTAA'], line: 20 },
          { sampleId: 'Normal-1', project: 'Onco', sampleNumber: 2, lanes: [1], indexes: ['GGTTAACCGG-CCAATTGGAA'], line: 22 },
        ],
      },
    },
  ])('reads $case', ({ text, expected }) => {
    // Act
    const sheet = parseSampleSheet(text);
    // Assess
    expect(sheet).toEqual(expected);
  });

  it('reads a v2 sheet in the [Data] form with Read1Cycles/Read2Cycles: paired, not single-end (issue 16)', () => {
    // Prepare
    const text =
      '[Header]\nFileFormatVersion,2\n[Reads]\nRead1Cycles,101\nRead2Cycles,101\n[Data]\nSample_ID,index\nA1,ACGTACGT\nA2,TGCATGCA\n';
    // Act
    const sheet = parseSampleSheet(text);
    // Assess
    expect(sheet.format).toBe('v2');
    expect(sheet.reads).toEqual({ read1Cycles: 101, read2Cycles: 101 });
    expect(sheet.samples.map((sample) => sample.sampleId)).toEqual(['A1', 'A2']);
  });

  it('takes the project from [Cloud_Data] ProjectName when the data section has no Sample_Project (BCL Convert guide, "Sample Sheet")', () => {
    // Prepare
    const text =
      '[Header]\nFileFormatVersion,2\n[BCLConvert_Settings]\n[BCLConvert_Data]\nSample_ID,Index\nX,ACGT\n[Cloud_Data]\nSample_ID,ProjectName\nX,P9\n';
    // Act / Assess
    expect(parseSampleSheet(text).samples[0]!.project).toBe('P9');
  });

  it('folds a Sample_ID repeated over four index rows into one sample with four indexes (10x single-index sets)', () => {
    // Prepare: cellranger mkfastq / bcl2fastq sheets expand SI-GA-A3 into its four oligos, one row each.
    const text = [
      '[Data]',
      'Lane,Sample_ID,Sample_Name,index,Sample_Project',
      '1,PBMC,PBMC,TTTCATGA,tenx',
      '1,PBMC,PBMC,ACGTCCCT,tenx',
      '1,PBMC,PBMC,CGCATGTG,tenx',
      '1,PBMC,PBMC,GAAGGAAC,tenx',
      '1,Brain,Brain,AGTCACTA,tenx',
    ].join('\n');
    // Act
    const sheet = parseSampleSheet(text);
    // Assess
    expect(sheet.samples).toEqual([
      {
        sampleId: 'PBMC',
        sampleName: 'PBMC',
        project: 'tenx',
        sampleNumber: 1,
        lanes: [1],
        indexes: ['TTTCATGA', 'ACGTCCCT', 'CGCATGTG', 'GAAGGAAC'],
        line: 3,
      },
      { sampleId: 'Brain', sampleName: 'Brain', project: 'tenx', sampleNumber: 2, lanes: [1], indexes: ['AGTCACTA'], line: 7 },
    ]);
  });

  it('reads a CASAVA 1.8 sheet (FCID,Lane,SampleID,…,SampleProject): one sample over two lanes keeps one number', () => {
    // Prepare
    const text = [
      'FCID,Lane,SampleID,SampleRef,Index,Description,Control,Recipe,Operator,SampleProject',
      'C4G9YACXX,1,NA10931,hg19,ATCACG,,N,R1,NN,Proj1',
      'C4G9YACXX,2,NA10931,hg19,ATCACG,,N,R1,NN,Proj1',
      'C4G9YACXX,1,NA10932,hg19,CGATGT,,N,R1,NN,Proj1',
    ].join('\n');
    // Act
    const sheet = parseSampleSheet(text);
    // Assess
    expect(sheet).toEqual({
      format: 'casava',
      hasLaneColumn: true,
      settings: {},
      samples: [
        { sampleId: 'NA10931', project: 'Proj1', sampleNumber: 1, lanes: [1, 2], indexes: ['ATCACG'], line: 2 },
        { sampleId: 'NA10932', project: 'Proj1', sampleNumber: 2, lanes: [1], indexes: ['CGATGT'], line: 4 },
      ],
    });
  });

  it.each([
    { case: 'a UTF-8 BOM and CRLF', text: '\uFEFF[Data]\r\nSample_ID\r\nA\r\n' },
    { case: 'trailing commas on every line (spreadsheet export)', text: '[Data],,,\nSample_ID,index,,\nA,ACGT,,\n,,,\n' },
    { case: 'blank lines between sections and rows', text: '\n\n[Header]\n\nIEMFileVersion,4\n\n[Data]\n\nSample_ID\n\nA\n\n' },
    { case: 'lower-case section and column names', text: '[data]\nsample_id,INDEX\nA,ACGT\n' },
    { case: 'a quoted Description with a comma', text: '[Data]\nSample_ID,Description\nA,"tumour, left"\n' },
  ])('tolerates $case', ({ text }) => {
    // Act
    const sheet = parseSampleSheet(text);
    // Assess
    expect(sheet.samples.map((sample) => sample.sampleId)).toEqual(['A']);
  });

  it('reads the settings that change which FASTQs exist: OverrideCycles, CreateFastqForIndexReads, NoLaneSplitting (BCL Convert guide, "Sample Sheet")', () => {
    // Prepare
    const text =
      '[BCLConvert_Settings]\nOverrideCycles,Y151;I8U8;I8;Y151\nCreateFastqForIndexReads,1\nNoLaneSplitting,true\n[BCLConvert_Data]\nSample_ID\nA\n';
    // Act / Assess
    expect(parseSampleSheet(text).settings).toEqual({
      overrideCycles: 'Y151;I8U8;I8;Y151',
      createFastqForIndexReads: true,
      noLaneSplitting: true,
    });
  });

  it('joins an OverrideCycles value written with commas back into one (10x knowledge base, "masking parameter")', () => {
    // Act / Assess
    expect(parseSampleSheet('[Settings]\nOverrideCycles,Y28N122,I10,I10,Y90N60\n[Data]\nSample_ID\nA\n').settings.overrideCycles).toBe(
      'Y28N122;I10;I10;Y90N60',
    );
  });

  it('has no reads when there is no [Reads] section, and that is no problem', () => {
    // Act
    const check = checkSampleSheet('[BCLConvert_Data]\nSample_ID\nA\n');
    // Assess
    expect(check.problems).toEqual([]);
    expect(check.sheet?.reads).toBeUndefined();
  });

  it.each([
    { case: 'no data section', text: '[Header]\nx,1\n', message: 'SampleSheet.csv: no [BCLConvert_Data] or [Data] section' },
    {
      case: 'no Sample_ID column',
      text: '[Data]\nName,index\nA,ACGT\n',
      message: 'SampleSheet.csv line 2: [Data] header has no Sample_ID column (found: Name, index)',
    },
    {
      case: 'the same row twice',
      text: '[BCLConvert_Data]\nLane,Sample_ID,Index\n1,A,ACGT\n1,A,ACGT\n',
      message: 'SampleSheet.csv line 4: duplicate (Lane 1, Sample_ID A), same index ACGT, first on line 3',
    },
    {
      case: 'one Sample_ID with two Sample_Names',
      text: '[Data]\nSample_ID,Sample_Name,index\nA,x,ACGT\nA,y,TTTT\n',
      message: 'SampleSheet.csv line 4: Sample_ID A has Sample_Name "y" here but "x" on line 3',
    },
    {
      case: 'lane out of range',
      text: '[BCLConvert_Data]\nLane,Sample_ID\n9,A\n',
      message: 'SampleSheet.csv line 3: Lane "9" is not a lane number 1-8',
    },
    {
      case: 'unsafe sample id',
      text: '[Data]\nSample_ID\n../x\n',
      message: 'SampleSheet.csv line 3: Sample_ID "../x" may only contain letters',
    },
    {
      case: 'an OverrideCycles that is not one',
      text: '[BCLConvert_Settings]\nOverrideCycles,151+8\n[BCLConvert_Data]\nSample_ID\nA\n',
      message: 'SampleSheet.csv line 2: OverrideCycles "151+8" is not a list of reads',
    },
    { case: 'no samples', text: '[Data]\nSample_ID\n\n', message: 'SampleSheet.csv: [Data] lists no samples' },
  ])('rejects a sheet with $case, naming the line', ({ text, message }) => {
    // Act / Assess
    expect(() => parseSampleSheet(text)).toThrow(SampleSheetError);
    expect(() => parseSampleSheet(text)).toThrow(message);
  });

  it.each([
    {
      case: 'UTF-16LE with a byte-order mark',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[Data]\r\nSample_ID\r\nA\r\n', 'utf16le')]),
      found: 'UTF-16LE',
    },
    { case: 'UTF-16LE without a byte-order mark', bytes: Buffer.from('[Data]\r\nSample_ID\r\nA\r\n', 'utf16le'), found: 'UTF-16LE' },
    {
      case: 'UTF-16BE with a byte-order mark',
      bytes: Buffer.from([0xfe, 0xff, ...Buffer.from('[Data]\nSample_ID\nA\n', 'utf16le').swap16()]),
      found: 'UTF-16BE',
    },
  ])('names the encoding of a $case sheet and says what to do (issue 22 item 11)', ({ bytes, found }) => {
    // Act
    const check = checkSampleSheet(bytes);
    // Assess
    expect(check.sheet).toBeUndefined();
    expect(check.problems).toHaveLength(1);
    expect(check.problems[0]!.found).toBe(found);
    expect(check.problems[0]!.message).toContain(`encoded as ${found}`);
    expect(check.problems[0]!.message).toContain('save it as "CSV UTF-8"');
  });

  it('names UTF-16 even when a caller decoded the bytes as UTF-8 first', () => {
    // Prepare
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[Data]\r\nSample_ID\r\nA\r\n', 'utf16le')]);
    // Act
    const check = checkSampleSheet(bytes.toString('utf8'));
    // Assess
    expect(check.problems[0]!.message).toContain('encoded as UTF-16');
  });
});

describe('splitCsvLine', () => {
  it.each([
    { case: 'plain cells', line: 'a,b,c', cells: ['a', 'b', 'c'] },
    { case: 'trailing empty cells dropped', line: 'a,b,,,', cells: ['a', 'b'] },
    { case: 'quoted comma', line: 'a,"b, c",d', cells: ['a', 'b, c', 'd'] },
    { case: 'doubled quote inside quotes', line: '"say ""hi""",x', cells: ['say "hi"', 'x'] },
    { case: 'an empty line', line: '', cells: [] },
  ])('splits $case', ({ line, cells }) => {
    expect(splitCsvLine(line)).toEqual(cells);
  });
});
