/**
 * `landfall smoke` cannot run here (it lands a run through a deployed stack). What can be tested: the hops it
 * reads from catalog observations, the loop that reports them and stops at the first failed or stuck hop, and
 * the outputs file it needs. The loop's collaborators (landing, observing, the clock) are scripted.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSmokeTargets, runSmoke, type SmokeObservation, smokeHops, smokeVerdict } from '../../../cli/commands/smoke.ts';

const base: SmokeObservation = { files: { expected: 5, landed: 0 }, steps: [], pipelineSteps: ['qc', 'trim'], runIndexed: false };
const landed: SmokeObservation = { ...base, files: { expected: 5, landed: 5 } };
const validated: SmokeObservation = { ...landed, sample: { status: 'READY' }, version: { status: 'READY' } };
const running: SmokeObservation = {
  ...validated,
  sample: { status: 'RUNNING' },
  version: { status: 'RUNNING', executionName: 'genomics-r-S1-v1-g0' },
  steps: [
    { step: 'qc', status: 'SUCCEEDED', region: 'eu-west-1', publishedAt: '2026-12-03T16:00:00Z' },
    { step: 'trim', status: 'RUNNING', region: 'us-east-1' },
  ],
};
const completed: SmokeObservation = {
  ...running,
  sample: { status: 'COMPLETED' },
  version: { status: 'COMPLETED', executionName: 'genomics-r-S1-v1-g0' },
  steps: running.steps.map((step) => ({ ...step, status: 'SUCCEEDED' as const, publishedAt: '2026-12-03T16:01:00Z' })),
  runIndexed: true,
};

const states = (o: SmokeObservation) => smokeHops(o).map((hop) => `${hop.hop}: ${hop.state}`);

describe('smokeHops', () => {
  it('walks the hops in the order the stack takes them', () => {
    expect(states(running)).toEqual([
      'files landed: done',
      'sample validated: done',
      'workflow started: done',
      'step qc published: done',
      'step trim published: waiting',
      'sample completed: waiting',
      'run indexed: waiting',
    ]);
    expect(smokeVerdict(smokeHops(completed))).toBe('passed');
    expect(smokeVerdict(smokeHops(running))).toBe('in progress');
  });

  it('counts files landed, and keeps every later hop waiting until they all are', () => {
    const partial = { ...completed, files: { expected: 5, landed: 3 } };
    expect(smokeHops(partial)[0]).toEqual({ hop: 'files landed', state: 'waiting', detail: '3 of 5 cataloged' });
    expect(
      smokeHops(partial)
        .slice(1)
        .every((hop) => hop.state === 'waiting'),
    ).toBe(true);
  });

  it('fails at validation with the first reason of a rejected sample', () => {
    const rejected: SmokeObservation = {
      ...landed,
      sample: { status: 'REJECTED' },
      version: { status: 'REJECTED', reasons: [{ code: 'FASTQ_TRUNCATED', message: 'S1_R2: gzip stream ends early' } as never] },
    };
    expect(smokeHops(rejected)[1]).toEqual({ hop: 'sample validated', state: 'failed', detail: 'rejected: S1_R2: gzip stream ends early' });
    expect(smokeVerdict(smokeHops(rejected))).toBe('failed');
  });

  it('fails at the step that failed, naming its region', () => {
    const failed: SmokeObservation = {
      ...running,
      steps: [{ ...running.steps[0]! }, { step: 'trim', status: 'FAILED', region: 'us-east-1' }],
    };
    expect(smokeHops(failed).find((hop) => hop.state === 'failed')).toEqual({
      hop: 'step trim published',
      state: 'failed',
      detail: 'failed in us-east-1',
    });
  });
});

describe('runSmoke', () => {
  function scripted(observations: SmokeObservation[]) {
    let clock = 0;
    let landedRun = false;
    const lines: string[] = [];
    return {
      lines,
      deps: {
        async land() {
          landedRun = true;
        },
        async observe() {
          if (!landedRun) throw new Error('observed before landing');
          return observations.length > 1 ? observations.shift()! : observations[0]!;
        },
        async sleep(ms: number) {
          clock += ms;
        },
        now: () => clock,
        log: (line: string) => lines.push(line),
      },
    };
  }

  it('lands, then reports each hop as it is done until the run is indexed', async () => {
    const { deps, lines } = scripted([base, landed, validated, running, completed]);
    const result = await runSmoke(deps, { timeoutSeconds: 600, pollSeconds: 10 });
    expect(result.verdict).toBe('passed');
    expect(result.stoppedAt).toBeUndefined();
    const done = lines.filter((line) => line.includes(' done ')).map((line) => line.replace(/^\s*\d+ s\s+done\s+/, ''));
    expect(done.map((line) => line.split(':')[0])).toEqual([
      'files landed',
      'sample validated',
      'workflow started',
      'step qc published',
      'step trim published',
      'sample completed',
      'run indexed',
    ]);
  });

  it('times out naming the hop it is stuck at', async () => {
    const { deps } = scripted([running]);
    const result = await runSmoke(deps, { timeoutSeconds: 60, pollSeconds: 10 });
    expect(result).toMatchObject({ verdict: 'timed out', stoppedAt: { hop: 'step trim published', detail: 'running in us-east-1' } });
  });
});

describe('readSmokeTargets', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'landfall-smoke-test-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads the deployed names from the outputs sst deploy writes', async () => {
    const file = path.join(dir, 'outputs.json');
    await writeFile(file, JSON.stringify({ landingBucket: 'l', resultsBucket: 'r', catalogTable: 'c', other: 1 }));
    expect(await readSmokeTargets(file)).toMatchObject({ landingBucket: 'l', resultsBucket: 'r', catalogTable: 'c' });
  });

  it('says what is missing, and where the file comes from', async () => {
    const file = path.join(dir, 'partial.json');
    await writeFile(file, JSON.stringify({ landingBucket: 'l' }));
    await expect(readSmokeTargets(file)).rejects.toThrow(`${file} lacks resultsBucket, catalogTable`);
    await expect(readSmokeTargets(path.join(dir, 'none.json'))).rejects.toThrow(/run it after `npm run deploy -- --stage <s>`/);
  });
});
