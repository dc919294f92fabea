import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { replacementJobName } from '../../../functions/placement/replaceJob.ts';
import { validationJobName } from '../../../functions/validation/validationJob.ts';
import { executionNameOf, jobNameOf } from '../../../functions/workflow/executionName.ts';

const AWS_NAME = /^[A-Za-z0-9_-]+$/;

describe('executionName', () => {
  describe('Function: executionNameOf', () => {
    it.each([
      {
        case: 'runs that sanitise alike (finding 6)',
        a: { team: 'genomics', runId: '251201_COLL.1', sampleId: 'S1', version: 1 },
        b: { team: 'genomics', runId: '251201_COLL_1', sampleId: 'S1', version: 1 },
      },
      {
        case: 'a dash moved between team and run',
        a: { team: 'genomics-x', runId: 'R1', sampleId: 'S1', version: 1 },
        b: { team: 'genomics', runId: 'x-R1', sampleId: 'S1', version: 1 },
      },
      {
        case: 'long runs that differ only past the readable head',
        a: { team: 'genomics', runId: `${'A'.repeat(90)}1`, sampleId: 'S1', version: 1 },
        b: { team: 'genomics', runId: `${'A'.repeat(90)}2`, sampleId: 'S1', version: 1 },
      },
      {
        case: 'sample ids with different punctuation',
        a: { team: 'genomics', runId: 'R', sampleId: 'S 1', version: 1 },
        b: { team: 'genomics', runId: 'R', sampleId: 'S/1', version: 1 },
      },
    ])('keeps $case apart', ({ a, b }) => {
      // Act
      const [nameA, nameB] = [executionNameOf(a), executionNameOf(b)];
      // Assess
      expect(nameA).not.toBe(nameB);
      for (const name of [nameA, nameB]) {
        expect(name).toMatch(AWS_NAME);
        expect(name.length).toBeLessThanOrEqual(80);
      }
    });

    it('is deterministic and readable: team, run, sample, version and generation, then the hash', () => {
      // Act
      const name = executionNameOf({ team: 'genomics', runId: '251201_COLL.1', sampleId: 'S1', version: 2 }, 3);
      // Assess
      expect(name).toMatch(/^genomics-251201_COLL_1-S1-v2-g3-[0-9a-f]{10}$/);
      expect(executionNameOf({ team: 'genomics', runId: '251201_COLL.1', sampleId: 'S1', version: 2 }, 3)).toBe(name);
      expect(executionNameOf({ team: 'genomics', runId: '251201_COLL.1', sampleId: 'S1', version: 2 }, 4)).not.toBe(name);
    });

    it('never gives two distinct versions one name, and always a valid one (property)', () => {
      const ref = fc.record({
        team: fc.stringMatching(/^[a-z][a-z0-9-]{1,30}$/),
        runId: fc.string({ minLength: 1, maxLength: 120 }),
        sampleId: fc.string({ minLength: 1, maxLength: 60 }),
        version: fc.integer({ min: 1, max: 99 }),
      });
      fc.assert(
        fc.property(ref, ref, fc.nat(9), fc.nat(9), (a, b, ga, gb) => {
          const same = JSON.stringify([a, ga]) === JSON.stringify([b, gb]);
          const [nameA, nameB] = [executionNameOf(a, ga), executionNameOf(b, gb)];
          expect(nameA).toMatch(AWS_NAME);
          expect(nameA.length).toBeLessThanOrEqual(80);
          expect(nameA === nameB).toBe(same);
        }),
        { numRuns: 2000 },
      );
    });
  });

  describe('Function: jobNameOf', () => {
    it('gives each (execution, step) its own valid name', () => {
      // Prepare
      const execution = executionNameOf({ team: 'genomics', runId: 'X'.repeat(200), sampleId: 'S1', version: 1 });
      // Act
      const names = ['qc', 'trim', 'trim-p2', 'profile'].map((step) => jobNameOf(execution, step));
      // Assess
      expect(new Set(names).size).toBe(4);
      for (const name of names) {
        expect(name).toMatch(AWS_NAME);
        expect(name.length).toBeLessThanOrEqual(128);
      }
    });
  });

  describe('Function: replacementJobName', () => {
    it('keeps the hash of a long job name when it adds the placement suffix', () => {
      // Prepare: two jobs whose names fill all 128 characters and differ only in their hash
      const [a, b] = ['qc', 'trim'].map((step) =>
        jobNameOf(
          executionNameOf({ team: 'genomics', runId: 'R'.repeat(300), sampleId: 'S'.repeat(60), version: 1 }),
          `${step}-${'x'.repeat(60)}`,
        ),
      );
      // Act
      const [movedA, movedB] = [replacementJobName(a!, 2), replacementJobName(b!, 2)];
      // Assess
      expect(movedA).not.toBe(movedB);
      expect(movedA.length).toBeLessThanOrEqual(128);
      expect(movedA).toMatch(/-[0-9a-f]{10}-p2$/);
      expect(replacementJobName(movedA, 3)).toMatch(/-[0-9a-f]{10}-p3$/);
    });
  });

  describe('Function: validationJobName', () => {
    it('keeps samples of runs that sanitise alike apart, even with identical files', () => {
      // Prepare
      const files = [{ name: 'S1_R1_001.fastq.gz', bucket: 'b', key: 'k', etag: '"e"', size: 1, landedAt: '2026-01-01T00:00:00Z' }];
      // Act
      const a = validationJobName({ team: 'genomics', runId: '251201_COLL.1', sampleId: 'S1' }, files);
      const b = validationJobName({ team: 'genomics', runId: '251201_COLL_1', sampleId: 'S1' }, files);
      // Assess
      expect(a).not.toBe(b);
    });
  });
});
