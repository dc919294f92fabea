/**
 * The Nextflow recipe, checked as a definition and as the command it expands to for a run. Nextflow itself is
 * not executed here (it is not installed on the machines the suite runs on).
 */
import { describe, expect, it } from 'vitest';
import { requiredPrograms } from '../../../config/pipeline.ts';
import { missingPrograms } from '../../../runtime/pipelineTools.ts';
import { expandCommand } from '../../../workflows/job/expandCommand.ts';
import { renderSampleSheet } from '../../../workflows/job/stageIn.ts';
import { NEXTFLOW_IMAGE, nextflowPipeline } from '../../../workflows/pipelines/nextflowRecipe.ts';

const recipe = () =>
  nextflowPipeline({
    name: 'rnaseq',
    pipeline: 'nf-core/rnaseq',
    revision: '3.14.0',
    workDir: 's3://lab-nextflow-work/rnaseq',
    awsQueue: 'lab-nextflow-tasks',
    awsRegion: 'eu-west-1',
    params: { genome: 'GRCh38', multiqc_title: 'run {{run}}' },
  });

describe('nextflowPipeline', () => {
  it('is one run-scope step in the nextflow image that needs nextflow on PATH', () => {
    const [step, ...others] = recipe().steps;
    expect(others).toEqual([]);
    expect(step).toMatchObject({ name: 'nextflow', scope: 'run', image: NEXTFLOW_IMAGE, attempts: 1 });
    expect(requiredPrograms(step!)).toEqual(['nextflow']);
  });

  it('expands to nextflow run over the run sample sheet, publishing into {{out}}, with a work dir per run', () => {
    const command = expandCommand(recipe().steps[0]!, { team: 'genomics', runId: 'RUN1', reads: [], steps: [] });
    expect(command).toEqual([
      'nextflow',
      'run',
      'nf-core/rnaseq',
      '-r',
      '3.14.0',
      '--input',
      '/landfall/in/samplesheet.csv',
      '--outdir',
      '/landfall/out',
      '-profile',
      'awsbatch',
      '--awsqueue',
      'lab-nextflow-tasks',
      '--awsregion',
      'eu-west-1',
      '-work-dir',
      's3://lab-nextflow-work/rnaseq/genomics/RUN1/',
      '--genome',
      'GRCh38',
      '--multiqc_title',
      'run RUN1',
    ]);
  });

  it('gives nextflow the run sample sheet with each lane a row and the files by their S3 URIs', () => {
    const read = (sample: string, label: 'R1' | 'R2', lane: number) => ({
      bucket: 'landfall-prod-landing-123',
      key: `incoming/genomics/RUN1/${sample}_S1_L00${lane}_${label}_001.fastq.gz`,
      size: 1,
      md5: '0'.repeat(32),
      label,
      role: label === 'R1' ? ('mate1' as const) : ('mate2' as const),
      lane,
      name: `${sample}_S1_L00${lane}_${label}_001.fastq.gz`,
    });
    const sheet = renderSampleSheet(
      [
        { sampleId: 'B', version: 1, reads: [read('B', 'R1', 1), read('B', 'R2', 1)] },
        { sampleId: 'A', version: 2, reads: [read('A', 'R2', 2), read('A', 'R1', 2), read('A', 'R1', 1), read('A', 'R2', 1)] },
      ],
      {},
    );
    const url = (sample: string, label: string, lane: number) =>
      `s3://landfall-prod-landing-123/incoming/genomics/RUN1/${sample}_S1_L00${lane}_${label}_001.fastq.gz`;
    expect(sheet).toBe(
      [
        'sample,fastq_1,fastq_2',
        `A,${url('A', 'R1', 1)},${url('A', 'R2', 1)}`,
        `A,${url('A', 'R1', 2)},${url('A', 'R2', 2)}`,
        `B,${url('B', 'R1', 1)},${url('B', 'R2', 1)}`,
        '',
      ].join('\n'),
    );
  });

  it('refuses a work directory outside S3, which the awsbatch executor cannot use', () => {
    expect(() => nextflowPipeline({ ...recipeOptions(), workDir: '/scratch/work' })).toThrow('workDir must be an s3://<bucket>/<prefix>/');
  });

  it('is refused by landfall up on a machine without nextflow, which Debian does not package', () => {
    const missing = missingPrograms(
      { pipelines: [recipe()], teams: [{ id: 'genomics', pipeline: 'rnaseq' }] as never, references: {} },
      [],
      () => false,
    );
    expect(missing).toEqual([{ pipeline: 'rnaseq', step: 'nextflow', program: 'nextflow' }]);
  });
});

function recipeOptions() {
  return { name: 'rnaseq', pipeline: 'nf-core/rnaseq', revision: '3.14.0', workDir: 's3://b/p/', awsQueue: 'q', awsRegion: 'eu-west-1' };
}
