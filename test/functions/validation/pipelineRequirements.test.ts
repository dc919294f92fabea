import { describe, expect, it } from 'vitest';
import { definePipeline } from '../../../config/pipeline.ts';
import { checkPipelineRequirements, sampleSheetValues } from '../../../functions/validation/pipelineRequirements.ts';
import { dnaAlignPipeline } from '../../../workflows/pipelines/dnaAlign.ts';

describe('sampleSheetValues', () => {
  it.each([
    {
      case: 'a v2 sheet: [BCLConvert_Data] with an extra column, and [Cloud_Data]',
      text: '\uFEFF[Header]\r\nFileFormatVersion,2\r\n[BCLConvert_Data]\r\nLane,Sample_ID,Index,Reference\r\n1,S1,ACGT,hg38\r\n2,S1,ACGT,\r\n1,S2,TTGA,mm10\r\n\r\n[Cloud_Data]\r\nSample_ID,ProjectName\r\nS1,lab\r\n',
      sampleId: 'S1',
      expected: { Lane: '1', Sample_ID: 'S1', Index: 'ACGT', Reference: 'hg38', ProjectName: 'lab' },
    },
    {
      case: 'a v1 (IEM) sheet with trailing commas',
      text: '[Header],,\nIEMFileVersion,4,\n[Reads],,\n151,,\n[Data],,,\nSample_ID,Sample_Name,Species,\nA1,alpha,"Mus musculus",\n',
      sampleId: 'A1',
      expected: { Sample_ID: 'A1', Sample_Name: 'alpha', Species: 'Mus musculus' },
    },
    {
      case: 'a CASAVA 1.8 sheet (one table, SampleID)',
      text: 'FCID,Lane,SampleID,SampleRef,Index,Description\nH0ABC,1,C1,hg19,ACGT,first\n',
      sampleId: 'C1',
      expected: { FCID: 'H0ABC', Lane: '1', SampleID: 'C1', SampleRef: 'hg19', Index: 'ACGT', Description: 'first' },
    },
    { case: 'a sample the sheet does not list', text: '[Data]\nSample_ID\nS1\n', sampleId: 'S9', expected: {} },
  ])('reads $case', ({ text, sampleId, expected }) => {
    expect(sampleSheetValues(text, sampleId)).toEqual(expected);
  });
});

describe('checkPipelineRequirements', () => {
  const references = { genome: '/srv/ref/genome', mm10: 's3://refs/mm10/' };
  const lab = definePipeline({
    name: 'lab',
    version: '1',
    description: 'lab',
    paramDefaults: { Adapter: 'AGATCGGAAGAGC' },
    steps: [
      {
        name: 'count',
        description: 'count',
        vcpus: 1,
        memoryMiB: 1,
        timeoutSeconds: 1,
        image: 'x',
        command: ['sh', '-c', 'tool {{reads.R1}} --species {{param.Species}} --adapter {{param.Adapter}} > {{out}}/x'],
      },
    ],
  });

  it('accepts a paired sample naming a known reference, and records the values its steps use', () => {
    const checked = checkPipelineRequirements(
      dnaAlignPipeline,
      { sampleId: 'S1', labels: ['R1', 'R2'], sheet: { Sample_ID: 'S1', Reference: 'mm10', Index: 'ACGT' } },
      references,
    );
    expect(checked).toEqual({ params: { Reference: 'mm10' }, reasons: [] });
  });

  it('uses the step default when the sample names no reference', () => {
    expect(checkPipelineRequirements(dnaAlignPipeline, { sampleId: 'S1', labels: ['R1', 'R2'], sheet: {} }, references).reasons).toEqual(
      [],
    );
  });

  const sampleOf = (sampleId: string, labels: string[], sheet: Record<string, string>) => ({ sampleId, labels, sheet });
  it.each([
    {
      case: 'an unknown reference',
      pipeline: dnaAlignPipeline,
      sample: sampleOf('S1', ['R1', 'R2'], { Reference: 'hg99' }),
      code: 'PIPELINE_REFERENCE',
      message: "sample S1 names reference hg99 in column Reference, which is not one of the config's references [genome, mm10]",
    },
    {
      case: 'a single-end sample for a paired pipeline',
      pipeline: dnaAlignPipeline,
      sample: sampleOf('S1', ['R1'], {}),
      code: 'PIPELINE_READ_MISSING',
      message: 'pipeline dna-align step fastp reads {{reads.R2}}, but sample S1 has no R2 file (it has R1)',
    },
    {
      case: 'a parameter without value or default',
      pipeline: lab,
      sample: sampleOf('S1', ['R1'], {}),
      code: 'PIPELINE_PARAM',
      message:
        'pipeline lab step count uses {{param.Species}}, but sample S1 leaves column Species empty and the pipeline gives no default: fill it in the sample sheet',
    },
    {
      case: 'a parameter a shell would interpret',
      pipeline: lab,
      sample: sampleOf('S1', ['R1'], { Species: 'mouse; rm -rf /' }),
      code: 'PIPELINE_PARAM',
      message:
        'pipeline lab step count puts {{param.Species}} into shell text, and sample S1\'s value "mouse; rm -rf /" has characters a shell would interpret',
    },
  ])('rejects $case with the reason', ({ pipeline, sample, code, message }) => {
    const { reasons } = checkPipelineRequirements(pipeline, sample, references);
    expect(reasons.map((reason) => reason.message)).toEqual([message]);
    expect(reasons[0]!.code).toBe(code);
    expect(reasons[0]!.file).toBe('SampleSheet.csv');
  });
});
