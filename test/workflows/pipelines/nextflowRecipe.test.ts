/**
 * The Nextflow recipe, checked as a definition and as the command it expands to for a run. Nextflow itself is
 * not executed here (it is not installed on the machines the suite runs on).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requiredPrograms } from '../../../config/pipeline.ts';
import { missingPrograms } from '../../../runtime/pipelineTools.ts';
import { expandCommand } from '../../../workflows/job/expandCommand.ts';
import { renderSampleSheet } from '../../../workflows/job/stageIn.ts';
import { volumeLayout } from '../../../workflows/job/volume.ts';
import { NEXTFLOW_IMAGE, nextflowPipeline } from '../../../workflows/pipelines/nextflowRecipe.ts';

const recipe = () =>
  nextflowPipeline({
    name: 'rnaseq',
    pipeline: 'nf-core/rnaseq',
    revision: '3.14.0',
    workDir: 's3://lab-nextflow-work/rnaseq',
    awsQueue: 'lab-nextflow-tasks',
    awsRegion: 'eu-west-1',
    taskRoleArn: 'arn:aws:iam::123456789012:role/lab-nextflow-tasks',
    awsCliPath: '/home/ec2-user/miniconda/bin/aws',
    sampleSheetColumns: { strandedness: 'auto' },
    params: { genome: 'GRCh38', multiqc_title: "run {{run}}'s QC" },
  });

describe('nextflowPipeline', () => {
  it('is one run-scope step in the nextflow image that needs nextflow on PATH', () => {
    const [step, ...others] = recipe().steps;
    expect(others).toEqual([]);
    expect(step).toMatchObject({ name: 'nextflow', scope: 'run', image: NEXTFLOW_IMAGE, attempts: 1 });
    expect(requiredPrograms(step!)).toEqual(['nextflow']);
  });

  it('runs nextflow with its own awsbatch config, the sheet columns the pipeline needs, offline, a work dir per run', () => {
    // Prepare: the expanded command, run by a real sh with a stand-in `nextflow` that records what it was given
    const dir = mkdtempSync(path.join(tmpdir(), 'landfall-nextflow-recipe-'));
    try {
      const layout = volumeLayout(path.join(dir, 'volume'));
      mkdirSync(path.dirname(layout.samplesheet), { recursive: true });
      mkdirSync(layout.out, { recursive: true });
      writeFileSync(layout.samplesheet, 'sample,fastq_1,fastq_2\nA,s3://b/A_R1.fastq.gz,s3://b/A_R2.fastq.gz\n');
      const bin = path.join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(
        path.join(bin, 'nextflow'),
        [
          '#!/bin/sh',
          'printf "%s\\n" "$@" > "$RECORD/argv"',
          'while [ $# -gt 0 ]; do',
          '  case "$1" in -c) cp "$2" "$RECORD/config" ;; --input) cp "$2" "$RECORD/input.csv" ;; esac',
          '  shift',
          'done',
          'printf "%s" "${NXF_OFFLINE:-}" > "$RECORD/offline"',
          '',
        ].join('\n'),
      );
      chmodSync(path.join(bin, 'nextflow'), 0o755);
      const command = expandCommand(
        recipe().steps[0]!,
        { team: 'genomics', runId: 'RUN1', reads: [], steps: [] },
        { root: path.join(dir, 'volume') },
      );
      // Act
      execFileSync(command[0]!, command.slice(1), { env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, RECORD: dir } });
      // Assess
      const argv = readFileSync(path.join(dir, 'argv'), 'utf8').trimEnd().split('\n');
      expect(argv).toEqual([
        'run',
        'nf-core/rnaseq',
        '-r',
        '3.14.0',
        '-offline',
        '-c',
        argv[argv.indexOf('-c') + 1],
        '--input',
        argv[argv.indexOf('--input') + 1],
        '--outdir',
        layout.out,
        '-work-dir',
        's3://lab-nextflow-work/rnaseq/genomics/RUN1/',
        '--genome',
        'GRCh38',
        '--multiqc_title',
        "run RUN1's QC",
      ]);
      // Its own config, not nf-core's awsbatch profile (an AWS CLI on a custom AMI, fetched from GitHub)
      expect(readFileSync(path.join(dir, 'config'), 'utf8')).toBe(
        [
          "process.executor = 'awsbatch'",
          "process.queue = 'lab-nextflow-tasks'",
          "aws.region = 'eu-west-1'",
          "aws.batch.jobRole = 'arn:aws:iam::123456789012:role/lab-nextflow-tasks'",
          "aws.batch.cliPath = '/home/ec2-user/miniconda/bin/aws'",
          '',
        ].join('\n'),
      );
      // nf-core/rnaseq's schema requires strandedness: every row gets the recipe's value
      expect(readFileSync(path.join(dir, 'input.csv'), 'utf8')).toBe(
        'sample,fastq_1,fastq_2,strandedness\nA,s3://b/A_R1.fastq.gz,s3://b/A_R2.fastq.gz,auto\n',
      );
      expect(readFileSync(path.join(dir, 'offline'), 'utf8')).toBe('true');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the share identifier for a fair-share task queue, goes online only when asked, and says it submits Batch jobs', () => {
    const [step] = nextflowPipeline({ ...recipeOptions(), shareIdentifier: 'lab', offline: false }).steps;
    const script = step!.command[2]!;
    expect(step!.command.slice(0, 2)).toEqual(['sh', '-c']);
    expect(script).toContain(`aws.batch.shareIdentifier = `);
    expect(script).not.toContain('-offline');
    expect(script).not.toContain('NXF_OFFLINE');
    expect(step!.submitsBatchJobs).toEqual({ taskRoleArn: recipeOptions().taskRoleArn, workDir: 's3://b/p/' });
  });

  it.each([
    { case: 'a task role that is not a role ARN', options: { taskRoleArn: 'lab-tasks' }, message: 'taskRoleArn must be an IAM role ARN' },
    { case: 'a queue name with a quote', options: { awsQueue: "q'x" }, message: `process.queue "q'x" has characters` },
    {
      case: 'a sheet column value with a comma',
      options: { sampleSheetColumns: { strandedness: 'a,b' } },
      message: 'sample-sheet column strandedness=a,b',
    },
  ])('refuses $case, naming it', ({ options, message }) => {
    expect(() => nextflowPipeline({ ...recipeOptions(), ...options })).toThrow(message);
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
  return {
    name: 'rnaseq',
    pipeline: 'nf-core/rnaseq',
    revision: '3.14.0',
    workDir: 's3://b/p/',
    awsQueue: 'q',
    awsRegion: 'eu-west-1',
    taskRoleArn: 'arn:aws:iam::123456789012:role/lab-nextflow-tasks',
  };
}
