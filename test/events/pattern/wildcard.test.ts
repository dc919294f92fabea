import { describe, expect, it } from 'vitest';
import { matchWildcard, parseWildcard, type Wildcard } from '../../../events/pattern/wildcard.ts';

function parsed(text: string): Wildcard {
  const wildcard = parseWildcard(text);
  if (typeof wildcard === 'string') throw new Error(`test setup: ${text} did not parse: ${wildcard}`);
  return wildcard;
}

describe('wildcard', () => {
  describe('matchWildcard', () => {
    it.each([
      { case: 'no star is an exact match', wildcard: 'abc', value: 'abc', matches: true },
      { case: 'no star, other text', wildcard: 'abc', value: 'abcd', matches: false },
      { case: 'a lone star matches the empty string', wildcard: '*', value: '', matches: true },
      { case: 'a trailing star matches nothing more', wildcard: 'incoming/*', value: 'incoming/', matches: true },
      { case: 'a leading star', wildcard: '*.fastq.gz', value: 'S1_R1_001.fastq.gz', matches: true },
      { case: 'a leading star, other suffix', wildcard: '*.fastq.gz', value: 'S1_R1_001.fastq', matches: false },
      { case: 'middle pieces in order', wildcard: 'a*b*c', value: 'axxbyyc', matches: true },
      { case: 'middle pieces out of order', wildcard: 'a*b*c', value: 'acb', matches: false },
      { case: 'pieces must not overlap the suffix', wildcard: 'ab*ba', value: 'aba', matches: false },
      { case: 'a piece repeated in the value', wildcard: '*/lib/*', value: '/lib/x/lib/', matches: true },
      { case: 'an escaped star is literal', wildcard: 'a\\*b', value: 'a*b', matches: true },
      { case: 'an escaped star is not a wildcard', wildcard: 'a\\*b', value: 'axb', matches: false },
      { case: 'an escaped backslash then a wildcard', wildcard: 'a\\\\*', value: 'a\\xyz', matches: true },
      { case: 'an escaped star then a wildcard', wildcard: '\\**', value: '*anything', matches: true },
      { case: 'is case-sensitive', wildcard: 'Simple*Service', value: 'simple queue service', matches: false },
      { case: 'the Event Ruler example', wildcard: 'Simple*Service', value: 'Simple Queue Service', matches: true },
    ])('$case', ({ wildcard, value, matches }) => {
      // Prepare
      const compiled = parsed(wildcard);

      // Act
      const result = matchWildcard(compiled, value);

      // Assess
      expect(result).toBe(matches);
    });
  });

  describe('parseWildcard', () => {
    it.each([
      { case: 'consecutive stars', wildcard: 'a**b', says: '"**" at position 1' },
      { case: 'an escaped backslash followed by two stars', wildcard: '\\\\**', says: '"**" at position 2' },
      { case: 'an escaped letter', wildcard: '\\n', says: '"\\n" at position 0' },
      { case: 'a trailing backslash', wildcard: 'abc\\', says: 'a trailing backslash at position 3' },
    ])('refuses $case', ({ wildcard, says }) => {
      // Act
      const result = parseWildcard(wildcard);

      // Assess
      expect(typeof result).toBe('string');
      expect(result).toContain(says);
    });
  });
});
