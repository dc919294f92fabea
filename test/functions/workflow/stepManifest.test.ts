/**
 * What a step job's manifest asks stage-in to fetch: the sample's reads only when the command names
 * `{{reads.<label>}}`, earlier steps' outputs only for the `{{steps.X}}` it names. dna-align's align and stats
 * read fastp's and align's outputs, never the landed FASTQs again.
 */
import { describe, expect, it } from 'vitest';
import { defineConfig } from '../../../config/defineConfig.ts';
import type { Catalog } from '../../../functions/catalog/Catalog.ts';
import type { StepRecord } from '../../../functions/catalog/types.ts';
import { buildStepManifest, stagesReads } from '../../../functions/workflow/stepJob.ts';
import type { SamplePayload } from '../../../functions/workflow/payloads.ts';
import { dnaAlignPipeline } from '../../../workflows/pipelines/dnaAlign.ts';

const config = defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
  teams: [{ id: 'genomics', pipeline: 'dna-align' }],
  references: { genome: '/refs/genome' },
});

const sample: SamplePayload = {
  team: 'genomics',
  runId: 'RUN1',
  sampleId: 'S1',
  version: 1,
  pipeline: 'dna-align',
  generation: 0,
  inputs: (['R1', 'R2'] as const).map((read) => ({
    name: `S1_S1_L001_${read}_001.fastq.gz`,
    bucket: 'landfall-landing',
    key: `incoming/genomics/RUN1/S1_S1_L001_${read}_001.fastq.gz`,
    size: 1000,
    md5: '0'.repeat(32),
    read,
    lane: 1,
  })),
};

/** The catalog's published step records, as the real repository returns them (a collaborator of the function under test). */
const publishedSteps = {
  steps: {
    get: async (_ref: unknown, step: string): Promise<Partial<StepRecord>> => ({
      step,
      publishedAt: '2026-12-03T12:00:00.000Z',
      outputs: [
        {
          key: `teams/genomics/runs/RUN1/samples/S1/v1/${step}/S1.${step}.out`,
          size: 10,
          md5: '1'.repeat(32),
        },
      ] as StepRecord['outputs'],
    }),
  },
} as unknown as Catalog;

const manifestOf = (name: string) =>
  buildStepManifest(
    { catalog: publishedSteps, config },
    {
      pipeline: dnaAlignPipeline,
      step: dnaAlignPipeline.steps.find((step) => step.name === name)!,
      sample,
      workBucket: 'landfall-work-eu-west-1',
      workPrefix: `work/x/${name}/`,
    },
  );

describe('a step job manifest', () => {
  it('lists the landed reads for a step whose command names {{reads.R1}}/{{reads.R2}} (fastp)', async () => {
    const manifest = await manifestOf('fastp');
    expect(manifest.reads.map((read) => read.label)).toEqual(['R1', 'R2']);
    expect(manifest.steps).toEqual([]);
  });

  it("lists no reads for steps that read only earlier steps' outputs (align, stats), just those outputs", async () => {
    const align = await manifestOf('align');
    expect(align.reads).toEqual([]);
    expect(align.steps.map((step) => `${step.step}: ${step.files.map((file) => file.relative).join(',')}`)).toEqual([
      'fastp: S1.fastp.out',
    ]);
    expect(align.reference).toEqual({ name: 'genome', location: '/refs/genome' });
    const stats = await manifestOf('stats');
    expect(stats.reads).toEqual([]);
    expect(stats.steps.map((step) => step.step)).toEqual(['align']);
  });

  it("stages of an earlier step only the outputs its stageIn globs match (MultiQC: fastp's JSON, not the trimmed reads)", async () => {
    // Prepare: fastp published its reads and reports; stats its two tables
    const published: Record<string, string[]> = {
      fastp: ['S1_R1.trimmed.fastq.gz', 'S1_R2.trimmed.fastq.gz', 'S1.fastp.json', 'S1.fastp.html'],
      stats: ['S1.flagstat', 'S1.stats'],
    };
    const catalog = {
      steps: {
        get: async ({ sampleId }: { sampleId: string }, step: string): Promise<Partial<StepRecord>> => ({
          step,
          publishedAt: '2026-12-03T12:00:00.000Z',
          outputs: published[step]!.map((name) => ({
            key: `teams/genomics/runs/RUN1/samples/${sampleId}/v1/${step}/${name}`,
            size: 10,
            md5: '1'.repeat(32),
          })) as StepRecord['outputs'],
        }),
      },
      samples: { getVersion: async () => ({ files: [] }) },
    } as unknown as Catalog;
    const multiqc = dnaAlignPipeline.steps.find((step) => step.name === 'multiqc')!;
    const build = (step: typeof multiqc) =>
      buildStepManifest(
        { catalog, config },
        {
          pipeline: dnaAlignPipeline,
          step,
          sample: { ...sample, runSamples: [{ sampleId: 'S1', version: 1 }] },
          workBucket: 'w',
          workPrefix: 'work/x/',
        },
      );
    // Act
    const manifest = await build(multiqc);
    // Assess
    expect(manifest.steps.map((step) => `${step.step}: ${step.files.map((file) => file.relative).join(',')}`)).toEqual([
      'fastp: S1.fastp.json',
      'stats: S1.flagstat,S1.stats',
    ]);
    await expect(build({ ...multiqc, stageIn: { fastp: ['*.fastqc.zip'] } })).rejects.toThrow(
      '{{steps.fastp}}: no output step fastp published for S1 v1 matches stageIn *.fastqc.zip (it published S1_R1.trimmed.fastq.gz, S1_R2.trimmed.fastq.gz, S1.fastp.json, S1.fastp.html); fix the globs',
    );
  });

  it('stages reads exactly when the command has a {{reads.<label>}} placeholder', () => {
    expect(stagesReads({ command: ['landfall-step', 'qc', '--reads', '{{reads.R1}}'] })).toBe(true);
    expect(stagesReads({ command: ['sh', '-c', 'zcat {{reads.I1}} | wc -l'] })).toBe(true);
    expect(stagesReads({ command: ['samtools', 'flagstat', '{{steps.align}}/x.bam'] })).toBe(false);
  });
});
