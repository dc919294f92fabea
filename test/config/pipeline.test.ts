import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../config/defineConfig.ts';
import { ConfigError } from '../../config/errors.ts';
import { definePipeline, type PipelineInput, PipelineError, requiredPrograms } from '../../config/pipeline.ts';
import { placeholdersIn } from '../../config/placeholders.ts';
import { builtInPipelines } from '../../workflows/pipelines/index.ts';

type StepInput = PipelineInput['steps'][number];
const step = (name: string, command: string[], extra: Partial<StepInput> = {}): StepInput => ({
  name,
  description: name,
  vcpus: 1,
  memoryMiB: 512,
  timeoutSeconds: 60,
  image: 'debian:bookworm-slim',
  command,
  ...extra,
});
const pipeline = (...steps: StepInput[]): PipelineInput => ({ name: 'lab', version: '1', description: 'a lab pipeline', steps });

describe('definePipeline', () => {
  it.each([
    {
      case: 'an unknown placeholder',
      steps: [step('count', ['wc', '-l', '{{reads.R1}}', '{{outdir}}'])],
      message: 'pipeline lab: step count: unknown placeholder {{outdir}}',
    },
    {
      case: 'an unknown read label',
      steps: [step('count', ['wc', '{{reads.R5}}'])],
      message: 'pipeline lab: step count: unknown placeholder {{reads.R5}}: reads are labelled R1, R2, R3, R4, I1, I2',
    },
    {
      case: 'a placeholder never closed',
      steps: [step('count', ['sh', '-c', 'wc {{reads.R1'])],
      message: 'pipeline lab: step count: "{{reads.R1" opens a placeholder that is never closed with }}',
    },
    {
      case: 'steps.X not in needs',
      steps: [step('trim', ['true']), step('align', ['bwa', 'mem', '{{steps.trim}}/r.fq'])],
      message: 'pipeline lab: step align: {{steps.trim}} in command[2] names trim, which is not in its needs []',
    },
    {
      case: 'a cycle through steps placeholders',
      steps: [step('a', ['cat', '{{steps.b}}'], { needs: ['b'] }), step('b', ['cat', '{{steps.a}}'], { needs: ['a'] })],
      message: 'pipeline lab: steps a, b depend on each other in a cycle: a needs b (uses {{steps.b}}), b needs a (uses {{steps.a}})',
    },
    {
      case: 'a per-sample placeholder in a run-scope step',
      steps: [step('report', ['multiqc', '{{reads.R1}}'], { scope: 'run' })],
      message: "pipeline lab: step report: {{reads.R1}} in command[1] is per sample, but the step runs once per run (scope 'run')",
    },
    {
      case: 'the sample sheet in a sample-scope step',
      steps: [step('count', ['wc', '{{samplesheet}}'])],
      message: "pipeline lab: step count: {{samplesheet}} in command[1] lists the run's samples; only a step with scope 'run' has it",
    },
    {
      case: '{{ref}} without a reference choice',
      steps: [step('align', ['bwa', 'mem', '{{ref}}/genome.fa'])],
      message: 'pipeline lab: step align: {{ref}} in command[2] needs `reference: { column, default }`',
    },
    {
      case: 'a sample step needing a run step',
      steps: [step('report', ['true'], { scope: 'run' }), step('after', ['true'], { needs: ['report'] })],
      message: 'pipeline lab: step after: needs run-scope step report',
    },
    {
      case: 'an output glob leaving {{out}}',
      steps: [step('count', ['true'], { outputs: ['../secrets'] })],
      message: 'pipeline lab: step count: output glob "../secrets" must be relative to {{out}}',
    },
    {
      case: 'stageIn naming a step the command does not stage',
      steps: [step('trim', ['true']), step('report', ['multiqc', '{{out}}'], { needs: ['trim'], stageIn: { trim: ['*.json'] } })],
      message: 'pipeline lab: step report: stageIn names trim, but its command has no {{steps.trim}} (it stages no earlier step)',
    },
    {
      case: 'a stageIn glob leaving the step folder',
      steps: [
        step('trim', ['true']),
        step('report', ['multiqc', '{{steps.trim}}'], { needs: ['trim'], stageIn: { trim: ['../../other/*.json'] } }),
      ],
      message: 'pipeline lab: step report: stageIn glob "../../other/*.json" must be relative to {{steps.trim}}',
    },
    {
      case: 'an unknown need',
      steps: [step('a', ['true'], { needs: ['z'] })],
      message: 'pipeline lab: step a needs z, which is not a step (steps: a)',
    },
    { case: 'the reserved step name', steps: [step('validate', ['true'])], message: 'step name "validate" is reserved' },
  ])('rejects $case, naming the step and the placeholder', ({ steps, message }) => {
    // Act
    const define = () => definePipeline(pipeline(...steps));
    // Assess
    expect(define).toThrow(PipelineError);
    expect(define).toThrow(message);
  });

  it('accepts the placeholders of the contract, including sh -c text', () => {
    const lab = definePipeline(
      pipeline(
        step('count', [
          'sh',
          '-c',
          'zcat {{reads.R1}} | wc -l > {{out}}/{{sample}}.{{run}}.{{team}}.txt; echo {{param.Species}} {{vcpus}} {{memoryMiB}}',
        ]),
        step('summary', ['python3', 'sum.py', '{{samplesheet}}', '{{steps.count}}', '{{out}}'], { scope: 'run', needs: ['count'] }),
      ),
    );
    expect(lab.steps.map((candidate) => candidate.scope)).toEqual(['sample', 'run']);
  });

  it('checks the built-in pipelines by the same contract', () => {
    expect(Object.keys(builtInPipelines)).toEqual(['demo', 'dna-align']);
    expect(builtInPipelines['dna-align']!.steps.map((candidate) => `${candidate.name}:${candidate.scope}`)).toEqual([
      'fastp:sample',
      'align:sample',
      'stats:sample',
      'multiqc:run',
    ]);
  });
});

describe('requiredPrograms', () => {
  it.each([
    { case: 'command[0]', command: ['fastp', '-i', 'x'], requires: undefined, expected: ['fastp'] },
    { case: 'a shell: nothing known', command: ['sh', '-c', 'bwa mem'], requires: undefined, expected: [] },
    { case: 'a shell by path', command: ['/bin/bash', '-c', 'bwa mem'], requires: undefined, expected: [] },
    { case: 'declared', command: ['bash', '-c', 'bwa mem | samtools sort'], requires: ['bwa', 'samtools'], expected: ['bwa', 'samtools'] },
  ])('$case', ({ command, requires, expected }) => {
    expect(requiredPrograms({ command, ...(requires && { requires }) })).toEqual(expected);
  });
});

describe('placeholdersIn', () => {
  it('finds every placeholder of an element in order', () => {
    expect(placeholdersIn('{{out}}/{{sample}}.bam').map((placeholder) => placeholder.text)).toEqual(['{{out}}', '{{sample}}']);
  });
  it('rejects spaces inside the braces with the spelling to use', () => {
    expect(() => placeholdersIn('{{ sample }}')).toThrow('placeholder {{ sample }} has spaces inside the braces; write {{sample}}');
  });
});

describe('config pipelines and references', () => {
  const base = {
    app: 'landfall',
    homeRegion: 'eu-west-1',
    regions: [{ name: 'eu-west-1', vcpuQuota: 8 }],
    teams: [{ id: 'genomics', pipeline: 'lab' }],
  };

  it('validates a lab pipeline written straight into the config', () => {
    // Act
    const load = () => defineConfig({ ...base, pipelines: [pipeline(step('count', ['wc', '{{reads.R9}}']))] });
    // Assess
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('pipeline lab: step count: unknown placeholder {{reads.R9}}');
  });

  it('rejects a reference default that is not among the references', () => {
    const align = step('align', ['bwa', 'mem', '{{ref}}/genome.fa'], { reference: { column: 'Reference', default: 'hg38' } });
    const load = () => defineConfig({ ...base, pipelines: [pipeline(align)], references: { phix: '/data/phix' } });
    expect(load).toThrow('pipeline lab: step align: reference default hg38 is not one of references [phix]');
  });

  it.each([
    { case: 'a relative folder', location: 'data/ref' },
    { case: 'an http URL', location: 'https://example.org/ref' },
  ])('rejects a reference at $case', ({ location }) => {
    expect(() => defineConfig({ ...base, references: { hg38: location } })).toThrow(
      'a reference is an s3://<bucket>/<prefix> or an absolute folder',
    );
  });

  it('accepts references in S3 and on this machine', () => {
    const config = defineConfig({ ...base, references: { hg38: 's3://lab-references/hg38/', phix: '/srv/ref/phix' } });
    expect(config.references).toEqual({ hg38: 's3://lab-references/hg38/', phix: '/srv/ref/phix' });
  });
});
