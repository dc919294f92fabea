import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LandfallConfig } from '../../../config/schema.ts';
import {
  classBase,
  describePriority,
  isUrgentClass,
  isUrgentSample,
  lptRanks,
  PRIORITY_BAND,
  stepPriority,
  VALIDATION_PRIORITY,
} from '../../../functions/workflow/priority.ts';
import { definePipeline, type Pipeline } from '../../../workflows/pipeline.ts';
import { demoPipeline } from '../../../workflows/pipelines/demo.ts';

const step = (name: string, expectedSeconds: number, needs: string[] = [], early = false) => ({
  name,
  description: name,
  needs,
  vcpus: 1,
  memoryMiB: 512,
  timeoutSeconds: 3600,
  expectedSeconds,
  early,
  image: 'landfall',
  command: ['landfall-step', name],
});
/** The issue's workload: qc 60 s, then trim 120 s beside profile 90 s. */
const issue = definePipeline({
  name: 'issue',
  version: '1',
  description: 'issue workload',
  steps: [step('qc', 60), step('trim', 120, ['qc']), step('profile', 90, ['qc'])],
});

/** Random valid pipelines: each step needs some earlier ones (a DAG), with random lengths and early flags. */
const pipelines = fc
  .array(fc.record({ seconds: fc.integer({ min: 1, max: 30_000 }), early: fc.boolean(), needs: fc.array(fc.nat(), { maxLength: 3 }) }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((specs) =>
    definePipeline({
      name: 'random',
      version: '1',
      description: 'random DAG',
      steps: specs.map((spec, i) =>
        step(`s${i}`, spec.seconds, i === 0 ? [] : [...new Set(spec.needs.map((n) => `s${n % i}`))], spec.early),
      ),
    }),
  );

const priorities = (pipeline: Pipeline, urgent: boolean) =>
  pipeline.steps.map((candidate) => ({ step: candidate, priority: stepPriority(pipeline, candidate.name, { urgent }) }));

describe('lptRanks', () => {
  it('ranks trim (longest) first, qc just below the trim it gates, profile last', () => {
    // Act
    const ranks = lptRanks(issue);
    // Assess
    expect(Object.fromEntries(ranks)).toEqual({ trim: 12, qc: 11, profile: 9 });
  });

  it('lifts a chain of short steps to just below the long step at its end, nearest first', () => {
    // Prepare: a 10 s step gates a 20 s step that gates a 600 s one; a 300 s step stands alone
    const pipeline = definePipeline({
      name: 'chain',
      version: '1',
      description: 'chain',
      steps: [step('a', 10), step('b', 20, ['a']), step('long', 600, ['b']), step('alone', 300)],
    });
    // Act
    const ranks = lptRanks(pipeline);
    // Assess
    expect(Object.fromEntries(ranks)).toEqual({ a: 58, b: 59, long: 60, alone: 30 });
  });

  it('never ranks a step below its own length, nor more than one unit below a step that needs it', () => {
    fc.assert(
      fc.property(pipelines, (pipeline) => {
        const ranks = lptRanks(pipeline);
        for (const candidate of pipeline.steps) {
          const rank = ranks.get(candidate.name)!;
          expect(rank).toBeGreaterThanOrEqual(Math.min(PRIORITY_BAND - 1, Math.ceil(candidate.expectedSeconds! / 10)));
          expect(rank).toBeLessThan(PRIORITY_BAND);
          for (const need of candidate.needs) expect(ranks.get(need)!).toBeGreaterThanOrEqual(rank - 1);
        }
      }),
    );
  });
});

describe('stepPriority', () => {
  it('puts every urgent job before every backlog job, early steps before later ones within each, all below validation', () => {
    fc.assert(
      fc.property(pipelines, pipelines, (one, other) => {
        const urgent = priorities(one, true);
        const backlog = priorities(other, false);
        for (const job of [...urgent, ...backlog]) {
          expect(Number.isInteger(job.priority)).toBe(true);
          expect(job.priority).toBeGreaterThanOrEqual(0);
          expect(job.priority).toBeLessThan(VALIDATION_PRIORITY);
          expect(VALIDATION_PRIORITY).toBeLessThanOrEqual(9999); // Batch schedulingPriority range
        }
        expect(Math.min(...urgent.map((job) => job.priority))).toBeGreaterThan(Math.max(...backlog.map((job) => job.priority)));
        for (const list of [urgent, backlog]) {
          const early = list.filter((job) => job.step.early).map((job) => job.priority);
          const later = list.filter((job) => !job.step.early).map((job) => job.priority);
          if (early.length > 0 && later.length > 0) expect(Math.min(...early)).toBeGreaterThan(Math.max(...later));
        }
      }),
    );
  });

  it('gives the demo pipeline early qc on the urgent queue and trim/profile on the normal one, urgent samples all on the urgent queue', () => {
    // Act
    const backlog = Object.fromEntries(
      demoPipeline.steps.map((candidate) => [candidate.name, stepPriority(demoPipeline, candidate.name, { urgent: false })]),
    );
    const urgent = demoPipeline.steps.map((candidate) => stepPriority(demoPipeline, candidate.name, { urgent: true }));
    // Assess
    expect(isUrgentClass(backlog.qc!)).toBe(true);
    expect(isUrgentClass(backlog.trim!)).toBe(false);
    expect(isUrgentClass(backlog.profile!)).toBe(false);
    expect(urgent.every(isUrgentClass)).toBe(true);
    expect(backlog.qc).toBe(classBase({ urgent: false, early: true }) + lptRanks(demoPipeline).get('qc')!);
  });

  it('is described in words for the placement reasoning', () => {
    // Act / Assess
    expect(describePriority(stepPriority(issue, 'trim', { urgent: true }))).toBe(
      'priority 4012: urgent sample, later step, rank 12 (longest job first)',
    );
    expect(describePriority(stepPriority(demoPipeline, 'qc', { urgent: false }))).toBe(
      `priority ${PRIORITY_BAND + lptRanks(demoPipeline).get('qc')!}: backlog, early step, rank ${lptRanks(demoPipeline).get('qc')!} (longest job first)`,
    );
    expect(describePriority(VALIDATION_PRIORITY)).toBe(`priority ${VALIDATION_PRIORITY}: outside the step classes`);
  });

  it('names the pipeline and its steps when asked for a step it does not have', () => {
    // Act / Assess
    expect(() => stepPriority(issue, 'align', { urgent: false })).toThrow('pipeline issue has no step align (steps: qc, trim, profile)');
  });
});

describe('isUrgentSample', () => {
  const sample = { team: 'genomics', runId: '240901_A01_0042', sampleId: 'S7' };

  it.each([
    { case: 'a rule for the whole team', rules: [{ team: 'genomics' }], urgent: true },
    { case: 'a matching run prefix', rules: [{ team: 'genomics', runPrefix: '240901_' }], urgent: true },
    {
      case: 'a matching run prefix and sample ID',
      rules: [{ team: 'genomics', runPrefix: '240901_', sampleIds: ['S1', 'S7'] }],
      urgent: true,
    },
    { case: 'another team', rules: [{ team: 'microbio' }], urgent: false },
    { case: 'another run prefix', rules: [{ team: 'genomics', runPrefix: '240902_' }], urgent: false },
    { case: 'other sample IDs', rules: [{ team: 'genomics', sampleIds: ['S1'] }], urgent: false },
    { case: 'no rules', rules: [], urgent: false },
  ])('is $urgent for $case', ({ rules, urgent }) => {
    // Act / Assess
    expect(isUrgentSample(rules, sample)).toBe(urgent);
  });

  it('is true for a sample marked urgent when its execution started, whatever the rules', () => {
    // Act / Assess
    expect(isUrgentSample([{ team: 'microbio' }], { ...sample, urgent: true })).toBe(true);
  });

  it('is refused in the config when a rule names a team that is not configured', () => {
    // Prepare
    const input = {
      app: 'landfall',
      homeRegion: 'eu-west-1',
      regions: [{ name: 'eu-west-1', vcpuQuota: 4 }],
      teams: [{ id: 'genomics', pipeline: 'demo' }],
      placement: { urgent: [{ team: 'genomcis' }] },
    };
    // Act
    const parsed = LandfallConfig.safeParse(input);
    // Assess
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.message)).toContain(
      'urgent rule names team genomcis, which is not one of teams [genomics]',
    );
  });
});
