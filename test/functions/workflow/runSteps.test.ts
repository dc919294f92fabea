import { describe, expect, it } from 'vitest';
import { coveredDigest, neededSampleSteps, runStepsReadiness, type SampleProgress } from '../../../functions/workflow/runSteps.ts';
import { buildRunStateMachine, buildStateMachine, FINISH_RUN_STEPS, stateMachinesOf } from '../../../workflows/asl/buildStateMachine.ts';
import { demoPipeline } from '../../../workflows/pipelines/demo.ts';
import { dnaAlignPipeline } from '../../../workflows/pipelines/dnaAlign.ts';

const run = { status: 'PROCESSING' as const, expectedSamples: ['A', 'B', 'C'] };
const sample = (sampleId: string, status: SampleProgress['status'], published: string[], version = 1): SampleProgress => ({
  sampleId,
  status,
  version,
  published,
});

describe('run-scope steps', () => {
  it('need from every sample the sample steps they name', () => {
    expect(neededSampleSteps(dnaAlignPipeline)).toEqual(['fastp', 'stats']);
    expect(neededSampleSteps(demoPipeline)).toEqual([]);
  });

  it.each([
    {
      case: 'every sample published what they need',
      samples: [
        sample('A', 'COMPLETED', ['fastp', 'align', 'stats']),
        sample('B', 'RUNNING', ['fastp', 'stats']),
        sample('C', 'COMPLETED', ['fastp', 'align', 'stats']),
      ],
      expected: { ready: true, covered: ['A', 'B', 'C'] },
    },
    {
      case: 'a FAILED sample is left out, a REJECTED one never counted',
      samples: [sample('A', 'COMPLETED', ['fastp', 'stats']), sample('B', 'FAILED', ['fastp']), sample('C', 'REJECTED', [])],
      expected: { ready: true, covered: ['A'] },
    },
    {
      case: 'a FAILED sample that published what they need is covered',
      samples: [
        sample('A', 'COMPLETED', ['fastp', 'stats']),
        sample('B', 'FAILED', ['fastp', 'stats']),
        sample('C', 'COMPLETED', ['fastp', 'stats']),
      ],
      expected: { ready: true, covered: ['A', 'B', 'C'] },
    },
    {
      case: 'a sample still running what they need',
      samples: [
        sample('A', 'COMPLETED', ['fastp', 'stats']),
        sample('B', 'RUNNING', ['fastp']),
        sample('C', 'COMPLETED', ['fastp', 'stats']),
      ],
      expected: { ready: false, reason: '1 sample has not published fastp, stats yet' },
    },
    {
      case: 'an unfinished sample lacks what they need, and the others were not looked at',
      samples: [
        sample('A', 'RUNNING', ['fastp']),
        { sampleId: 'B', status: 'RUNNING' as const, version: 1 },
        { sampleId: 'C', status: 'COMPLETED' as const, version: 1 },
      ],
      expected: { ready: false, reason: 'A has not published fastp, stats yet (and 1 more sample unfinished)' },
    },
    {
      case: 'an expected sample not landed yet',
      samples: [sample('A', 'COMPLETED', ['fastp', 'stats']), sample('B', 'COMPLETED', ['fastp', 'stats'])],
      expected: { ready: false, reason: '1 expected sample not landed yet' },
    },
  ])('start when $case', ({ samples, expected }) => {
    const readiness = runStepsReadiness(run, samples, ['fastp', 'stats']);
    expect(readiness.ready ? { ready: true, covered: readiness.covered.map((covered) => covered.sampleId) } : readiness).toEqual(expected);
  });

  it('wait while the run is still receiving files', () => {
    expect(runStepsReadiness({ ...run, status: 'RECEIVING' }, [], ['fastp'])).toEqual({ ready: false, reason: 'the run is RECEIVING' });
  });

  it('claim one version per covered set', () => {
    const one = [{ sampleId: 'A', version: 1 }];
    expect(coveredDigest(one)).toBe(coveredDigest([{ sampleId: 'A', version: 1 }]));
    expect(coveredDigest(one)).not.toBe(coveredDigest([{ sampleId: 'A', version: 2 }]));
  });

  it("run in their own state machine, never in a sample's", () => {
    const perSample = JSON.stringify(buildStateMachine(dnaAlignPipeline));
    const perRun = buildRunStateMachine(dnaAlignPipeline);
    expect(perSample).not.toContain('multiqc');
    expect(Object.keys(perRun.States)).toEqual(['Level 1: multiqc', FINISH_RUN_STEPS, 'Record run steps failure', 'Run steps failed']);
    expect(Object.keys(stateMachinesOf([demoPipeline, dnaAlignPipeline]))).toEqual(['demo', 'dna-align', 'dna-align_run']);
  });
});
