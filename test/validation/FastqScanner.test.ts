import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastqScanner } from '../../validation/FastqScanner.ts';
import type { ReadStats } from '../../validation/types.ts';
import { record, type RecordSpec } from './fastqFixtures.ts';

/** Feeds `text` to a fresh scanner cut at `cuts` (positions), as gunzip might hand it over. */
function scan(text: string, cuts: number[] = [], mates?: string[]): FastqScanner {
  const bytes = Buffer.from(text, 'latin1');
  const scanner = new FastqScanner(
    'x.fastq',
    mates ? { mates: { add: (b, s, e) => mates.push(Buffer.from(b.subarray(s, e)).toString('latin1')) } } : {},
  );
  let from = 0;
  for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)) {
    scanner.push(bytes.subarray(from, cut));
    from = cut;
  }
  scanner.push(bytes.subarray(from));
  scanner.end();
  return scanner;
}

/** The definitions of ReadStats, written the slow and obvious way. */
function referenceStats(records: RecordSpec[]): ReadStats {
  const round = (value: number) => Math.round(value * 100) / 100;
  const lengths = records.map((r) => r.sequence.length);
  const bases = lengths.reduce((a, b) => a + b, 0);
  const all = records.map((r) => r.sequence.toUpperCase()).join('');
  const acgt = [...all].filter((c) => 'ACGT'.includes(c)).length;
  const gc = [...all].filter((c) => c === 'G' || c === 'C').length;
  const qualities = records.flatMap((r) => [...(r.quality ?? '')].map((c) => c.charCodeAt(0) - 33));
  return {
    reads: records.length,
    bases,
    minLength: records.length ? Math.min(...lengths) : 0,
    meanLength: records.length ? round(bases / records.length) : 0,
    maxLength: records.length ? Math.max(...lengths) : 0,
    gcPercent: acgt ? round((gc / acgt) * 100) : 0,
    meanQuality: qualities.length ? round(qualities.reduce((a, b) => a + b, 0) / qualities.length) : 0,
    q30Percent: qualities.length ? round((qualities.filter((q) => q >= 30).length / qualities.length) * 100) : 0,
  };
}

const recordArb = fc
  .record({
    name: fc.stringMatching(/^[!-~]{1,30}( [ -~]{0,20})?$/),
    // Long reads too: the scanner counts in blocks of 255 and 1023 bytes.
    sequence: fc.oneof(
      { weight: 4, arbitrary: fc.stringMatching(/^[ACGTNacgtn]{0,300}$/) },
      { weight: 1, arbitrary: fc.stringMatching(/^[ACGTNacgtn]{1000,2500}$/) },
    ),
    seed: fc.integer({ min: 0, max: 93 }),
  })
  .map(({ name, sequence, seed }) => ({
    name,
    sequence,
    quality: [...sequence].map((_, i) => String.fromCharCode(33 + ((seed + i * 7) % 94))).join(''),
  }));

describe('FastqScanner', () => {
  it('computes the fixed statistics definitions', () => {
    // Prepare
    const text = record({ name: 'r1', sequence: 'ACGTN', quality: '!5?II' }) + record({ name: 'r2', sequence: 'ggcc', quality: 'IIII' });

    // Act
    const scanner = scan(text);

    // Assess
    expect(scanner.reasons).toEqual([]);
    // Phred 0,20,30,40,40 and 4×40: mean 290/9; Q30 7 of 9; GC 6 of 8 A/C/G/T (the N is left out).
    expect(scanner.stats()).toEqual({
      reads: 2,
      bases: 9,
      minLength: 4,
      meanLength: 4.5,
      maxLength: 5,
      gcPercent: 75,
      meanQuality: 32.22,
      q30Percent: 77.78,
    });
  });

  it('gives the same verdict and statistics wherever the data is cut', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { minLength: 1, maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (records, cuts) => {
        // Prepare
        const text = records.map(record).join('');

        // Act
        const mates: string[] = [];
        const scanner = scan(text, cuts, mates);

        // Assess
        expect(scanner.reasons).toEqual([]);
        expect(scanner.stats()).toEqual(referenceStats(records));
        expect(mates).toEqual(records.map((r) => r.name.split(' ')[0]!.replace(/\/[12]$/, '')));
      }),
      { numRuns: 200 },
    );
  });

  it('reports a planted defect at the same line and record wherever the data is cut', () => {
    const defects = [
      {
        kind: 'base',
        apply: (r: RecordSpec) => ({ ...r, sequence: `${r.sequence}X`, quality: `${r.quality}I` }),
        lineOffset: 1,
        expected: 'a base A, C, G, T or N (either case)',
        found: "'X'",
      },
      {
        kind: 'quality',
        apply: (r: RecordSpec) => ({ ...r, sequence: `${r.sequence}A`, quality: `${r.quality}\t` }),
        lineOffset: 3,
        expected: "a quality character from '!' to '~' (Phred+33)",
        found: 'byte 0x09',
      },
      {
        kind: 'length',
        apply: (r: RecordSpec) => ({ ...r, quality: `${r.quality}I` }),
        lineOffset: 3,
        expected: 'quality characters',
        found: '',
      },
    ];
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        fc.constantFrom(...defects),
        fc.array(fc.nat(), { maxLength: 20 }),
        (records, at, defect, cuts) => {
          // Prepare
          const index = at % records.length;
          const planted = records.map((r, i) => (i === index ? defect.apply(r) : r));

          // Act
          const scanner = scan(planted.map(record).join(''), cuts);

          // Assess
          expect(scanner.reasons).toHaveLength(1);
          expect(scanner.reasons[0]).toMatchObject({
            file: 'x.fastq',
            record: index + 1,
            line: 4 * index + 1 + defect.lineOffset,
            expected: expect.stringContaining(defect.expected),
            found: expect.stringContaining(defect.found),
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it.each([
    {
      case: 'a header without @ after a blank line',
      text: '@r\nA\n+\nI\n\n@s\nA\n+\nI\n',
      line: 5,
      expected: "a header line starting with '@' (blank lines are allowed only at the end)",
      found: 'an empty line',
    },
    {
      case: 'CRLF line endings',
      text: '@r\r\nACGT\r\n+\r\nIIII\r\n',
      line: 2,
      expected: 'a base A, C, G, T or N',
      found: 'a carriage return',
    },
    { case: 'an empty file', text: '', line: undefined, expected: 'at least one FASTQ record', found: 'no records' },
    {
      case: 'a file ending after the header',
      text: '@r1',
      line: 1,
      expected: 'a sequence line to complete record 1',
      found: 'end of file',
    },
    {
      case: 'a file ending after the separator',
      text: '@r1\nACGT\n+\n',
      line: 3,
      expected: 'a quality line to complete record 1',
      found: 'end of file',
    },
  ])('reports $case', ({ text, line, expected, found }) => {
    // Act
    const scanner = scan(text);

    // Assess
    expect(scanner.reasons[0]).toMatchObject({
      ...(line ? { line } : {}),
      expected: expect.stringContaining(expected),
      found: expect.stringContaining(found),
    });
  });

  it('keeps at most maxReasons reasons and counts the rest', () => {
    // Prepare
    const text = Array.from({ length: 15 }, (_, i) => record({ name: `r${i}`, sequence: 'ACXT' })).join('');
    const scanner = new FastqScanner('x.fastq', { maxReasons: 3 });

    // Act
    scanner.push(Buffer.from(text));
    scanner.end();

    // Assess
    expect(scanner.reasons.map((reason) => reason.record ?? reason.message)).toEqual([1, 2, 3, '12 more problems in this file not listed']);
  });
});
