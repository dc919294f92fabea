import { describe, expect, it } from 'vitest';
import { SampleSheetError } from '../../../functions/landing/errors.ts';
import { fastqName, parseSampleSheet } from '../../../functions/landing/sampleSheet.ts';

const V2 =
  '\uFEFF[Header]\r\nFileFormatVersion,2,,\r\n\r\n[Reads]\r\nRead1Cycles,151\r\nRead2Cycles,151\r\n[BCLConvert_Settings]\r\nAdapterRead1,CTGTCTCTTATACACATCT\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index,Index2,,\r\n1,S-B,AAAA,CCCC,,\r\n1,S-A,GGGG,TTTT\r\n2,S-B,AAAA,CCCC\r\n\r\n[Cloud_Data]\r\nSample_ID,ProjectName,LibraryName\r\nS-B,proj1,L1\r\n';
const V1 =
  '[Header]\nIEMFileVersion,4\n[Reads]\n151\n151\n[Data]\nSample_ID,Sample_Name,Sample_Project,index\nX1,X1,projX,ACGT\nX2,X2,projX,TGCA\n';

describe('parseSampleSheet', () => {
  it('reads a v2 sheet with BOM, CRLF, trailing commas and blank lines; S<n> follows first appearance', () => {
    // Act
    const sheet = parseSampleSheet(V2);
    // Assess
    expect(sheet).toEqual({
      version: 2,
      reads: ['R1', 'R2'],
      samples: [
        { sampleId: 'S-B', sampleNumber: 1, lanes: [1, 2], project: 'proj1' },
        { sampleId: 'S-A', sampleNumber: 2, lanes: [1], project: undefined },
      ],
    });
    expect(fastqName(sheet.samples[0]!, 2, 'R2')).toBe('S-B_S1_L002_R2_001.fastq.gz');
  });

  it('reads a v1 sheet ([Data], paired from two [Reads] lines)', () => {
    expect(parseSampleSheet(V1)).toEqual({
      version: 1,
      reads: ['R1', 'R2'],
      samples: [
        { sampleId: 'X1', sampleNumber: 1, lanes: [1], project: 'projX' },
        { sampleId: 'X2', sampleNumber: 2, lanes: [1], project: 'projX' },
      ],
    });
  });

  it.each([
    { case: 'no data section', text: '[Header]\nx,1\n', message: 'SampleSheet.csv: no [BCLConvert_Data] (v2) or [Data] (v1) section' },
    {
      case: 'no Sample_ID column',
      text: '[Data]\nName,index\nA,ACGT\n',
      message: 'SampleSheet.csv line 2: [Data] header has no Sample_ID column (found: Name, index)',
    },
    {
      case: 'duplicate lane and sample',
      text: '[BCLConvert_Data]\nLane,Sample_ID\n1,A\n1,A\n',
      message: 'SampleSheet.csv line 4: duplicate (Lane 1, Sample_ID A)',
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
    { case: 'no samples', text: '[Data]\nSample_ID\n\n', message: 'SampleSheet.csv: [Data] lists no samples' },
  ])('rejects a sheet with $case, naming the line', ({ text, message }) => {
    expect(() => parseSampleSheet(text)).toThrow(SampleSheetError);
    expect(() => parseSampleSheet(text)).toThrow(message);
  });
});
