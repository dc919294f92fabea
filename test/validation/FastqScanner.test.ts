import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastqScanner } from '../../validation/FastqScanner.ts';
import type { QualityEncoding, ReadStats } from '../../validation/types.ts';
import { reads, record, type RecordSpec } from './fastqFixtures.ts';

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

/**
 * The encoding rule, the slow and obvious way: Phred+64 when no quality is below '?', some are '^' or
 * above and none above 'i'; undefined without qualities (characters outside '!'..'~' left out).
 */
function referenceEncoding(records: RecordSpec[]): QualityEncoding | undefined {
  const codes = records.flatMap((r) => [...(r.quality ?? '')].map((c) => c.charCodeAt(0))).filter((c) => c >= 33 && c <= 126);
  if (codes.length === 0) return undefined;
  const phred64 =
    codes.every((c) => c >= '?'.charCodeAt(0)) && codes.some((c) => c >= '^'.charCodeAt(0)) && codes.every((c) => c <= 'i'.charCodeAt(0));
  return phred64 ? 'phred+64' : 'phred+33';
}

/** The definitions of ReadStats, written the slow and obvious way, on the scale of the file's encoding. */
function referenceStats(records: RecordSpec[]): ReadStats {
  const offset = referenceEncoding(records) === 'phred+64' ? 64 : 33;
  const round = (value: number) => Math.round(value * 100) / 100;
  const lengths = records.map((r) => r.sequence.length);
  const bases = lengths.reduce((a, b) => a + b, 0);
  const all = records.map((r) => r.sequence.toUpperCase()).join('');
  const acgt = [...all].filter((c) => 'ACGT'.includes(c)).length;
  const gc = [...all].filter((c) => c === 'G' || c === 'C').length;
  const qualities = records.flatMap((r) => [...(r.quality ?? '')].map((c) => c.charCodeAt(0) - offset));
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
    // The '+' line: bare, or repeating the whole title or its name, as the format allows.
    plus: fc.constantFrom('bare', 'title', 'name'),
  })
  .map(({ name, sequence, seed, plus }) => ({
    name,
    sequence,
    quality: [...sequence].map((_, i) => String.fromCharCode(33 + ((seed + i * 7) % 94))).join(''),
    plus: plus === 'bare' ? '' : plus === 'title' ? name : name.split(' ')[0]!,
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
        const encoding = referenceEncoding(records);
        expect(scanner.qualityEncoding()).toBe(encoding);
        expect(scanner.reasons.map((reason) => reason.code)).toEqual(encoding === 'phred+64' ? ['FASTQ_PHRED64'] : []);
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
        kind: 'plus',
        apply: (r: RecordSpec) => ({ ...r, plus: `${r.name.split(' ')[0]}X` }),
        lineOffset: 2,
        expected: "a bare '+', or '+' followed by the title",
        found: "'+' followed by",
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
          expect(scanner.reasons).toHaveLength(referenceEncoding(planted) === 'phred+64' ? 2 : 1);
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
      code: 'FASTQ_BLANK_LINE',
      line: 5,
      expected: "a header line starting with '@' (blank lines are allowed only at the end)",
      found: 'an empty line',
    },
    {
      case: 'CRLF line endings',
      text: '@r\r\nACGT\r\n+\r\nIIII\r\n',
      code: 'FASTQ_INVALID_BASE',
      line: 2,
      expected: 'a base A, C, G, T or N',
      found: 'a carriage return',
    },
    {
      case: 'an empty file',
      text: '',
      code: 'FASTQ_NO_RECORDS',
      line: undefined,
      expected: 'at least one FASTQ record',
      found: 'no records',
    },
    {
      case: 'a file ending after the header',
      text: '@r1',
      code: 'FASTQ_INCOMPLETE_RECORD',
      line: 1,
      expected: 'a sequence line to complete record 1',
      found: 'end of file',
    },
    {
      case: 'a file ending after the separator',
      text: '@r1\nACGT\n+\n',
      code: 'FASTQ_INCOMPLETE_RECORD',
      line: 3,
      expected: 'a quality line to complete record 1',
      found: 'end of file',
    },
  ])('reports $case', ({ text, code, line, expected, found }) => {
    // Act
    const scanner = scan(text);

    // Assess
    expect(scanner.reasons[0]).toMatchObject({
      code,
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
    expect(scanner.reasons.map((reason) => reason.code)).toEqual([...Array(3).fill('FASTQ_INVALID_BASE'), 'MORE_PROBLEMS']);
  });
});

describe("FastqScanner: the '+' line", () => {
  // The NCBI example of Cock et al. (2010), "The Sanger FASTQ file format": the '+' line repeats the title.
  const ncbi = record({
    name: 'SRR001666.1 071112_SLXA-EAS1_s_7:5:1:817:345 length=36',
    sequence: 'GGGTGATGGCCGCTGCCGATGGCGTCAAATCCCACC',
    quality: 'IIIIIIIIIIIIIIIIIIIIIIIIIIIIII9IG9IC',
    plus: 'SRR001666.1 071112_SLXA-EAS1_s_7:5:1:817:345 length=36',
  });
  const illumina = 'A00123:8:HABCDEFXY:1:1101:10000:2000 1:N:0:ACGTACGT';

  it.each([
    { case: 'a bare +', text: record({ name: illumina, sequence: 'ACGT' }) },
    { case: 'the whole title repeated (NCBI example)', text: ncbi },
    { case: 'the name repeated without the description', text: record({ name: illumina, sequence: 'ACGT', plus: illumina.split(' ')[0] }) },
  ])('accepts $case', ({ text }) => {
    // Act: whole, and cut inside the title and inside the '+' line.
    const scanners = [scan(text), scan(text, [5, 20, 60, 80])];

    // Assess
    for (const scanner of scanners) expect(scanner.reasons).toEqual([]);
  });

  it("rejects a '+' line naming another read, with the line and both names, wherever the data is cut", () => {
    // Prepare
    const other = 'A00123:8:HABCDEFXY:1:1101:10000:2001';
    const text =
      reads(2, { length: 20 }) + record({ name: illumina, sequence: 'ACGTACGTAC', plus: other }) + reads(1, { length: 20, from: 9 });

    for (const cuts of [[], [120, 150, 170], Array.from({ length: text.length }, (_, i) => i)]) {
      // Act
      const scanner = scan(text, cuts);

      // Assess
      expect(scanner.reasons).toEqual([
        {
          code: 'FASTQ_PLUS_NAME_MISMATCH',
          file: 'x.fastq',
          line: 11,
          record: 3,
          expected: `a bare '+', or '+' followed by the title of the '@' line (${JSON.stringify(illumina)}) or its name`,
          found: `'+' followed by ${JSON.stringify(other)}`,
          message: expect.stringContaining(`names ${JSON.stringify(illumina)}`),
        },
      ]);
      expect(scanner.stats().reads).toBe(4);
    }
  });

  it('treats a carriage return ending the lines as the line-ending problem it is, not a name mismatch', () => {
    // Act
    const scanner = scan('@r1\r\nACGT\r\n+\r\nIIII\r\n@r2\r\nACGT\r\n+r2\r\nIIII\r\n');

    // Assess
    const codes = scanner.reasons.map((reason) => reason.code);
    expect(codes.filter((code) => code === 'FASTQ_INVALID_BASE')).toHaveLength(2);
    expect(codes).not.toContain('FASTQ_PLUS_NAME_MISMATCH');
  });
});

describe('FastqScanner: quality encoding', () => {
  // Wikipedia's FASTQ example record (Sanger, Phred+33) and the same qualities as Illumina 1.3–1.7 wrote
  // them: Phred+64, each character 31 higher (Illumina 1.5+ also marks a low-quality tail with 'B', Q2).
  const sequence = 'GATTTGGGGTTCAAAGCAGTATCGATCAAATAGTAAATCCATTTGTTCAACTCACAGTTT';
  const phred33 = "!''*((((***+))%%%++)(%%%%).1***-+*''))**55CCF>>>>>>CCCCCCC65";
  const shift = (quality: string, by: number) => [...quality].map((c) => String.fromCharCode(c.charCodeAt(0) + by)).join('');
  const phred64 = shift(phred33, 31);
  const records64 = [
    record({ name: 'HWUSI-EAS100R:6:73:941:1973#0/1', sequence, quality: phred64 }),
    record({
      name: 'HWUSI-EAS100R:6:73:941:1974#0/1',
      sequence,
      quality: `${shift('IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII', 31)}BBBBBBBBBBBB`,
    }),
  ].join('');

  /** Phred scores of every quality character in `text`, decoded with `offset` (independent of the scanner). */
  function scores(text: string, offset: number): number[] {
    return text
      .split('\n')
      .filter((_, i) => i % 4 === 3)
      .flatMap((line) => [...line].map((c) => c.charCodeAt(0) - offset));
  }

  it('detects Phred+64, rejects it with the encoding, the statistics on its scale and how to convert', () => {
    // Act
    const scanner = scan(records64, [7, 100, 200]);

    // Assess
    const q = scores(records64, 64);
    expect(scanner.qualityEncoding()).toBe('phred+64');
    expect(scanner.stats()).toMatchObject({
      meanQuality: Math.round((q.reduce((a, b) => a + b, 0) / q.length) * 100) / 100,
      q30Percent: Math.round((q.filter((score) => score >= 30).length / q.length) * 10000) / 100,
    });
    expect(scanner.reasons).toEqual([
      expect.objectContaining({
        code: 'FASTQ_PHRED64',
        file: 'x.fastq',
        expected: expect.stringContaining('Phred+33'),
        found: expect.stringContaining('Phred+64 (Illumina 1.3–1.7)'),
        message: expect.stringContaining('seqkit convert --from Illumina-1.3+ --to Sanger'),
      }),
    ]);
  });

  it.each([
    { case: 'the Sanger example (Phred+33)', quality: phred33 },
    { case: 'binned NovaSeq qualities, all F (Q37)', quality: 'F'.repeat(sequence.length) },
    { case: 'HiFi-like qualities, all Q30 or more, up to ~ (Q93)', quality: shift(phred64, 0).replace(/./g, (c, i) => (i % 3 ? '~' : c)) },
  ])('reads $case as Phred+33', ({ quality }) => {
    // Prepare
    const text = record({ name: 'r1', sequence, quality });

    // Act
    const scanner = scan(text);

    // Assess
    const q = scores(text, 33);
    expect(scanner.qualityEncoding()).toBe('phred+33');
    expect(scanner.reasons).toEqual([]);
    expect(scanner.stats().meanQuality).toBe(Math.round((q.reduce((a, b) => a + b, 0) / q.length) * 100) / 100);
  });
});

describe("FastqScanner: legacy '.' no-calls", () => {
  // An Illumina GA II record as its pipeline wrote no-calls ('.'), qualities as an SRA dump gives them
  // (Phred+33: the pipeline's Phred+64 less 31), and the same record with N.
  const withDots = record({
    name: 'HWI-EAS209_0006_FC706VJ:5:58:5894:21141#ATCACG/1',
    sequence: 'TTAATTGGTAAATAAATCTCCTAATAGCTTAGAT.TTACCTT..........TAGTTTCTTGAGA',
    quality: [...'efcfffffcfeefffcffffffddf`feed]`]_Ba_^__[YBBBBBBBBBBRTT\\]][]dddd`']
      .map((c) => String.fromCharCode(c.charCodeAt(0) - 31))
      .join(''),
  });
  const withNs = withDots.replace(/\.(?=[ACGT.]*\n\+)/g, 'N').replace(/\.{10}/, 'N'.repeat(10));

  it("rejects '.' by default, naming the setting that accepts it", () => {
    // Act
    const scanner = scan(withDots);

    // Assess
    expect(scanner.reasons).toEqual([
      expect.objectContaining({
        code: 'FASTQ_LEGACY_NO_CALL',
        line: 2,
        record: 1,
        found: "'.', a legacy no-call",
        message: expect.stringContaining('validation.legacyNoCalls: true'),
      }),
    ]);
  });

  it('accepts it with legacyNoCalls and counts it as N', () => {
    // Prepare
    expect(withNs).toContain('GATNTTACCTTNNNNNNNNNNTAG');
    const scanner = new FastqScanner('x.fastq', { legacyNoCalls: true });

    // Act
    scanner.push(Buffer.from(withDots, 'latin1'));
    scanner.end();

    // Assess
    expect(scanner.reasons).toEqual([]);
    expect(scanner.stats()).toEqual(scan(withNs).stats());
  });
});
