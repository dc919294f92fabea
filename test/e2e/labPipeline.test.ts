/**
 * A lab's own pipeline, defined only in a config the test writes (no code change): two sample-scope command
 * steps and one run-scope step, using `{{reads.R1}}`, `{{param.Species}}`, `{{ref}}`, `{{steps.X}}` and
 * `{{samplesheet}}`, on a live runtime. The sample sheet names per-sample values: one sample's tool fails (its
 * last stderr lines reach the catalog), one names a reference the config does not have (rejected at
 * validation with that reason), and the run step covers the two that published what it needs.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRun, type GeneratedRun } from '../../demo/generateRun.ts';
import type { RunIndex } from '../../functions/publishing/runIndex.ts';
import {
  dropRun,
  projectRoot,
  readBusLog,
  type RuntimeProcess,
  startRuntimeProcess,
  stopRuntimeProcess,
  waitFor,
  waitForTerminalSamples,
} from '../support/runtimeProcess.ts';

const TEAM = 'genomics';
const RUN_ID = '261203_LH00417_0202_B22LABPIP';

/** The lab's config: only data, as a lab writes it. */
const labConfig = (referenceDir: string) => `
import { defineConfig } from '${path.join(projectRoot, 'config/defineConfig.ts')}';
export default defineConfig({
  app: 'landfall',
  homeRegion: 'eu-west-1',
  regions: [{ name: 'eu-west-1', vcpuQuota: 8 }],
  teams: [{ id: '${TEAM}', pipeline: 'lab-counts' }],
  references: { phix: '${referenceDir}' },
  pipelines: [
    {
      name: 'lab-counts',
      version: '1',
      description: 'lines per sample, labelled with its species, tallied per run',
      steps: [
        {
          name: 'count',
          description: 'lines of R1 and the sample species and reference',
          vcpus: 1, memoryMiB: 256, timeoutSeconds: 120, attempts: 1,
          image: 'public.ecr.aws/docker/library/debian:bookworm-slim',
          requires: ['gzip', 'wc'],
          reference: { column: 'Reference', default: 'phix' },
          command: ['sh', '-c', 'gzip -dc {{reads.R1}} | wc -l > {{out}}/{{sample}}.lines && printf %s {{param.Species}} > {{out}}/{{sample}}.species && cp {{ref}}/name.txt {{out}}/{{sample}}.reference'],
        },
        {
          name: 'label',
          description: 'the count with its species',
          needs: ['count'],
          vcpus: 1, memoryMiB: 256, timeoutSeconds: 120, attempts: 1,
          image: 'public.ecr.aws/docker/library/debian:bookworm-slim',
          requires: ['cat'],
          command: ['sh', '-c', 'test {{param.Species}} != broken || { echo "label: no label for species broken ({{sample}})" >&2; exit 3; }; cat {{steps.count}}/{{sample}}.species {{steps.count}}/{{sample}}.lines > {{out}}/{{sample}}.label'],
        },
        {
          name: 'tally',
          description: 'every label of the run',
          scope: 'run',
          needs: ['label'],
          vcpus: 1, memoryMiB: 256, timeoutSeconds: 120, attempts: 1,
          image: 'public.ecr.aws/docker/library/debian:bookworm-slim',
          requires: ['cat', 'cp'],
          command: ['sh', '-c', 'cp {{samplesheet}} {{out}}/samplesheet.csv && cat {{steps.label}}/*/*.label > {{out}}/tally.txt'],
        },
      ],
    },
  ],
  completeness: { sweepSeconds: 1, relandQuietSeconds: 2 },
  embedded: { vcpusPerRegion: 2, memoryMiBPerRegion: 4096, settleMs: 300, pollMs: 100, rescanMs: 1000 },
});
`;

/** A v2 sheet with two lab columns, Species and Reference, beside the demultiplexing ones. */
function labSheet(run: GeneratedRun, values: Record<string, { species: string; reference: string }>): string {
  const rows = run.samples.map(
    (sample) =>
      `1,${sample.sampleId},${sample.index},${sample.index2},${values[sample.sampleId]!.species},${values[sample.sampleId]!.reference}`,
  );
  return [
    '[Header]',
    'FileFormatVersion,2',
    `RunName,${run.runId}`,
    '',
    '[Reads]',
    'Read1Cycles,151',
    'Read2Cycles,151',
    '',
    '[BCLConvert_Data]',
    'Lane,Sample_ID,Index,Index2,Species,Reference',
    ...rows,
    '',
  ].join('\r\n');
}

describe('a lab pipeline defined only in the config', () => {
  let dir: string;
  let stateDir: string;
  let runtime: RuntimeProcess;
  let run: GeneratedRun;
  let index: RunIndex;
  const results = () => path.join(stateDir, 'buckets', 'landfall-results', 'teams', TEAM, 'runs', RUN_ID);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-lab-pipeline-'));
    stateDir = path.join(dir, 'state');
    const reference = path.join(dir, 'reference');
    await mkdir(reference, { recursive: true });
    await writeFile(path.join(reference, 'name.txt'), 'phiX174\n');
    const configPath = path.join(dir, 'landfall.config.ts');
    await writeFile(configPath, labConfig(reference));
    run = await generateRun({
      dir: path.join(dir, 'instrument', RUN_ID),
      runId: RUN_ID,
      seed: 'lab',
      samples: 4,
      readsPerSample: 150,
      team: TEAM,
    });
    await writeFile(
      path.join(run.dir, 'SampleSheet.csv'),
      labSheet(run, {
        Sample01: { species: 'mouse', reference: 'phix' },
        Sample02: { species: 'human', reference: '' },
        Sample03: { species: 'broken', reference: '' },
        Sample04: { species: 'yeast', reference: 'hg99' },
      }),
    );
    runtime = await startRuntimeProcess(stateDir, configPath);
    await dropRun(runtime.info.shareDir, TEAM, run);
    await waitForTerminalSamples(runtime.catalog, TEAM, RUN_ID, 4, 240_000);
    // "Run Completed" is the signal a consumer gets: the run is DONE and index.json names the finished run steps
    // (the catalog says DONE a moment before that last index is written).
    await waitFor(
      '"Run Completed" of the run',
      () => readBusLog(stateDir).some((event) => event['detail-type'] === 'Run Completed' && event.detail.runId === RUN_ID),
      180_000,
    );
    expect((await runtime.catalog.runs.get(TEAM, RUN_ID))?.status).toBe('DONE');
    index = JSON.parse(await readFile(path.join(results(), 'index.json'), 'utf8')) as RunIndex;
  }, 600_000);

  afterAll(async () => {
    await stopRuntimeProcess(runtime, stateDir);
  });

  it('runs its command steps with data flowing between them: reads, the sample sheet parameter, the reference', async () => {
    const statuses = Object.fromEntries(
      (await runtime.catalog.samples.listInRun(TEAM, RUN_ID)).map((sample) => [sample.sampleId, sample.status]),
    );
    expect(statuses).toEqual({ Sample01: 'COMPLETED', Sample02: 'COMPLETED', Sample03: 'FAILED', Sample04: 'REJECTED' });
    for (const [sampleId, species] of [
      ['Sample01', 'mouse'],
      ['Sample02', 'human'],
    ] as const) {
      const r1 = run.samples.find((sample) => sample.sampleId === sampleId)!.fastqs.find((fastq) => fastq.read === 'R1')!;
      const lines = gunzipSync(readFileSync(r1.path))
        .toString('latin1')
        .split('\n')
        .filter((line) => line !== '').length;
      const step = (name: string, file: string) => readFile(path.join(results(), 'samples', sampleId, 'v1', name, file), 'utf8');
      expect(Number((await step('count', `${sampleId}.lines`)).trim())).toBe(lines);
      expect(await step('count', `${sampleId}.reference`)).toBe('phiX174\n');
      expect(await step('label', `${sampleId}.label`)).toBe(`${species}${lines}\n`);
    }
  });

  it('rejects at validation the sample naming a reference the config lacks, with that reason', async () => {
    const version = await runtime.catalog.samples.getVersion({ team: TEAM, runId: RUN_ID, sampleId: 'Sample04', version: 1 });
    expect(version?.reasons?.map((reason) => reason.message)).toContain(
      "sample Sample04 names reference hg99 in column Reference, which is not one of the config's references [phix]",
    );
    expect(version?.executionName).toBeUndefined();
  });

  it("fails the sample whose tool failed, with the tool's own stderr line on the step and the sample", async () => {
    const label = await runtime.catalog.steps.get({ team: TEAM, runId: RUN_ID, sampleId: 'Sample03', version: 1 }, 'label');
    const sample = await runtime.catalog.samples.get({ team: TEAM, runId: RUN_ID, sampleId: 'Sample03' });
    expect(label).toMatchObject({ status: 'FAILED', error: 'the label command exited with code 3' });
    expect(label?.logTail).toEqual(['label: no label for species broken (Sample03)']);
    expect(sample?.detail).toContain('label: no label for species broken (Sample03)');
  });

  it('runs the run-scope step once over the samples that published what it needs, with their sample sheet', async () => {
    expect(index.runSteps).toMatchObject({ version: 1, status: 'COMPLETED' });
    expect(index.runSteps!.samples.map((sample) => sample.sampleId)).toEqual(['Sample01', 'Sample02']);
    const tally = await readFile(path.join(results(), 'run-steps', 'v1', 'tally', 'tally.txt'), 'utf8');
    expect(tally.split('\n').filter(Boolean)).toHaveLength(2);
    const sheet = (await readFile(path.join(results(), 'run-steps', 'v1', 'tally', 'samplesheet.csv'), 'utf8')).trim().split('\n');
    expect(sheet[0]).toBe('sample,fastq_1,fastq_2');
    expect(sheet.slice(1).map((row) => row.split(',')[0])).toEqual(['Sample01', 'Sample02']);
    for (const row of sheet.slice(1)) for (const file of row.split(',').slice(1)) expect(readFileSync(file).length).toBeGreaterThan(0);
  });
});
