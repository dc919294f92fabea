import { describe, expect, it } from 'vitest';
import { mateName } from '../../../workflows/fastq/mateName.ts';

describe('Function: mateName', () => {
  it.each([
    {
      case: 'Illumina R1 header',
      header: '@LH00417:42:22FJKLT3:1:1101:2422:55 1:N:0:ACGT+TTGA',
      expected: 'LH00417:42:22FJKLT3:1:1101:2422:55',
    },
    {
      case: 'Illumina R2 header without @',
      header: 'LH00417:42:22FJKLT3:1:1101:2422:55 2:N:0:ACGT+TTGA',
      expected: 'LH00417:42:22FJKLT3:1:1101:2422:55',
    },
    { case: '/1 suffix', header: '@read7/1', expected: 'read7' },
    { case: '/2 suffix with comment', header: 'read7/2 extra words', expected: 'read7' },
    { case: 'tab comment', header: 'read7\tBC:Z:ACGT', expected: 'read7' },
    { case: '/3 is not a mate suffix', header: 'read7/3', expected: 'read7/3' },
    { case: 'bare /1', header: '/1', expected: '' },
    { case: 'empty', header: '', expected: '' },
  ])('$case', ({ header, expected }) => {
    // Act
    const name = mateName(header);

    // Assess
    expect(name).toBe(expected);
  });
});
