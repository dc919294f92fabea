import { describe, expect, it } from 'vitest';
import { definePipeline, type StepDefinition } from '../../../config/pipeline.ts';
import { CommandExpansionError, expandCommand } from '../../../workflows/job/expandCommand.ts';
import type { JobManifest } from '../../../contracts/jobPayload.ts';
import { dnaAlignPipeline } from '../../../workflows/pipelines/dnaAlign.ts';

const read = (label: 'R1' | 'R2' | 'I1', lane: number, name = `S1_S1_L00${lane}_${label}_001.fastq.gz`) => ({
  bucket: 'landing',
  key: `incoming/genomics/RUN/${name}`,
  size: 10,
  md5: '0'.repeat(32),
  label,
  lane,
  name,
});
const manifest: Pick<JobManifest, 'team' | 'runId' | 'sampleId' | 'reads' | 'steps'> = {
  team: 'genomics',
  runId: '261201_LH00417_0001_B22FJKLT3',
  sampleId: 'S1',
  reads: [read('R1', 1), read('R2', 1), read('R1', 2), read('R2', 2), read('I1', 1)],
  steps: [],
};
const stepOf = (command: string[]): StepDefinition =>
  definePipeline({
    name: 'p',
    version: '1',
    description: 'p',
    steps: [
      { name: 'before', description: 'b', vcpus: 1, memoryMiB: 1, timeoutSeconds: 1, image: 'x', command: ['true'] },
      {
        name: 's',
        description: 's',
        needs: ['before'],
        vcpus: 4,
        memoryMiB: 8192,
        timeoutSeconds: 60,
        image: 'x',
        command,
        reference: { column: 'Reference', default: 'genome' },
      },
    ],
  }).steps[1]!;

describe('expandCommand', () => {
  it('expands the dna-align fastp step to paths in the shared volume, one file per read label', () => {
    const fastp = dnaAlignPipeline.steps[0]!;
    expect(expandCommand(fastp, manifest)).toEqual([
      'fastp',
      '--in1',
      '/landfall/in/reads/S1_R1.fastq.gz',
      '--in2',
      '/landfall/in/reads/S1_R2.fastq.gz',
      '--out1',
      '/landfall/out/S1_R1.trimmed.fastq.gz',
      '--out2',
      '/landfall/out/S1_R2.trimmed.fastq.gz',
      '--json',
      '/landfall/out/S1.fastp.json',
      '--html',
      '/landfall/out/S1.fastp.html',
      '--report_title',
      'S1',
      '--thread',
      '2',
    ]);
  });

  it.each([
    {
      case: 'values',
      command: ['{{sample}}-{{run}}-{{team}}-{{vcpus}}-{{memoryMiB}}'],
      expected: ['S1-261201_LH00417_0001_B22FJKLT3-genomics-4-8192'],
    },
    {
      case: 'steps, ref, out, index read',
      command: ['{{steps.before}}', '{{ref}}/g.fa', '{{out}}', '{{reads.I1}}'],
      expected: ['/landfall/in/steps/before', '/landfall/in/ref/g.fa', '/landfall/out', '/landfall/in/reads/S1_I1.fastq.gz'],
    },
    { case: 'a parameter', command: ['--species', '{{param.Species}}'], expected: ['--species', 'Mus musculus'] },
    { case: 'an argv element keeps any value', command: ['echo', '{{param.Species}}'], expected: ['echo', 'Mus musculus'] },
  ])('expands $case', ({ command, expected }) => {
    expect(expandCommand(stepOf(command), manifest, { params: { Species: 'Mus musculus' } })).toEqual(expected);
  });

  it.each([
    {
      case: 'a read the sample lacks',
      command: ['cat', '{{reads.R2}}'],
      reads: [read('R1', 1)],
      params: {} as Record<string, string>,
      message: 'step s of sample S1: {{reads.R2}} names read R2, but the sample has only R1',
    },
    {
      case: 'an empty parameter without default',
      command: ['echo', '{{param.Species}}'],
      reads: manifest.reads,
      params: { Species: '' },
      message: 'step s of sample S1: {{param.Species}} has no value: the sample sheet leaves column Species empty',
    },
    {
      case: 'a value a shell would interpret, in sh -c text',
      command: ['sh', '-c', 'echo {{param.Species}}'],
      reads: manifest.reads,
      params: { Species: 'x; rm -rf /' },
      message: 'step s of sample S1: {{param.Species}} is "x; rm -rf /", which has characters a shell would interpret',
    },
    {
      case: 'lanes mixing gzipped and plain files',
      command: ['cat', '{{reads.R1}}'],
      reads: [read('R1', 1), read('R1', 2, 'S1_S1_L002_R1_001.fastq')],
      params: {},
      message: 'sample S1: the R1 files mix gzipped and plain FASTQ (S1_S1_L002_R1_001.fastq)',
    },
  ])('refuses $case', ({ command, reads, params, message }) => {
    const expand = () => expandCommand(stepOf(command), { ...manifest, reads }, { params });
    expect(expand).toThrow(CommandExpansionError);
    expect(expand).toThrow(message);
  });
});
