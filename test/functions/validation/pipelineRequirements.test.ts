import { describe, expect, it } from 'vitest';
import { definePipeline } from '../../../config/pipeline.ts';
import {
  checkPipelineRequirements,
  pipelineRequirementsOf,
  sampleSheetValues,
} from '../../../functions/validation/pipelineRequirements.ts';
import { dnaAlignPipeline } from '../../../workflows/pipelines/dnaAlign.ts';
import dnaAlignConfig from '../../fixtures/landfall.dna-align.config.ts';
import { startServicesHarness } from '../../support/servicesHarness.ts';

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
    {
      case: "a v2 sheet whose per-sample parameters sit in application sections ([DragenGermline_Data], a lab's own), not settings",
      text: '[BCLConvert_Data]\nSample_ID,Index\nS1,ACGT\n[DragenGermline_Settings]\nSample_ID,Ignored\nS1,no\n[DragenGermline_Data]\nSample_ID,Reference\nS1,hg38\n[Landfall_Data]\nSample_ID,Panel\nS1,exome-v2\n',
      sampleId: 'S1',
      expected: { Sample_ID: 'S1', Index: 'ACGT', Reference: 'hg38', Panel: 'exome-v2' },
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

describe('pipelineRequirementsOf (real catalog and storage)', () => {
  it.each([
    { case: 'SampleSheet_v2.csv too, not only SampleSheet.csv', sheetName: 'SampleSheet_v2.csv' },
    { case: "a requeued analysis's own sheet", sheetName: 'Analysis/2/Data/SampleSheet.csv' },
  ])('reads the sample sheet the run’s completeness chose: $case', async ({ sheetName }) => {
    // Prepare: a dna-align run whose sheet is that one: S1 names reference mm10 (not configured), S2 genome
    const harness = await startServicesHarness({ config: dnaAlignConfig });
    try {
      const { catalog } = harness.services;
      const key = `incoming/genomics/RUN-V2/${sheetName}`;
      const text = '[Header]\nFileFormatVersion,2\n[BCLConvert_Data]\nSample_ID,Index,Reference\nS1,ACGT,mm10\nS2,TTGA,genome\n';
      const stored = await harness.folders.put(harness.names.landing, key, text);
      await catalog.runs.recordFile('genomics', 'RUN-V2', {
        name: sheetName,
        bucket: harness.names.landing,
        key,
        size: stored.size,
        etag: stored.etag,
        landedAt: new Date().toISOString(),
      });
      await catalog.runs.update('genomics', 'RUN-V2', { documents: [sheetName] });
      const paired = [{ read: 'R1' as const }, { read: 'R2' as const }];

      // Act
      const s1 = await pipelineRequirementsOf(harness.services, { team: 'genomics', runId: 'RUN-V2', sampleId: 'S1' }, paired);
      const s2 = await pipelineRequirementsOf(harness.services, { team: 'genomics', runId: 'RUN-V2', sampleId: 'S2' }, paired);

      // Assess: S1 is rejected for its sheet's reference, named in the reason with the sheet; S2 records its own
      expect(s1.reasons).toMatchObject([{ code: 'PIPELINE_REFERENCE', file: sheetName, found: 'mm10' }]);
      expect(s2).toEqual({ params: { Reference: 'genome' }, reasons: [] });
    } finally {
      await harness.stop();
    }
  });
});
