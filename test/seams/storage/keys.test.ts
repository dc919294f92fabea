import { describe, expect, it } from 'vitest';
import { InvalidBucketNameError, InvalidKeyError, InvalidMetadataError } from '../../../seams/storage/errors.ts';
import { assertBucketName, assertSafeKey, assertSafeMetadata, assertSafePrefix, compareKeys } from '../../../seams/storage/keys.ts';
import { INVALID_KEYS } from './contract.ts';

describe('keys', () => {
  describe('Function: assertSafeKey', () => {
    it.each([
      { case: 'a landing key', key: 'incoming/lab-a/run1/S1_L001_R1_001.fastq.gz' },
      { case: 'spaces', key: 'incoming/lab a/run 1/Sample Sheet.csv' },
      { case: '+ and %', key: 'incoming/lab-a/S+1%20.fq' },
      { case: 'unicode, NFC and NFD', key: 'Pr\u00f6be/Pro\u0308be.txt' },
      { case: 'a hidden file name', key: 'run1/.hidden' },
      { case: 'dots inside a name', key: 'run1/..data../x.y' },
      { case: 'exactly 1024 UTF-8 bytes', key: `${'\u00fc'.repeat(511)}xx` },
      { case: 'a single character', key: 'a' },
    ])('accepts $case', ({ key }) => {
      // Act
      const check = (): void => assertSafeKey(key);

      // Assess
      expect(check).not.toThrow();
    });

    it.each(INVALID_KEYS)('refuses $case', ({ key }) => {
      // Act
      const check = (): void => assertSafeKey(key);

      // Assess
      expect(check).toThrow(InvalidKeyError);
    });

    it.each([
      { case: 'a NUL byte', key: 'a\u0000b', message: /control character U\+0000 at index 1/ },
      { case: 'a traversal', key: 'a/../b', message: /"\.\." as segment 2 of 3/ },
      { case: 'a long key', key: 'x'.repeat(1025), message: /1025 UTF-8 bytes, the limit is 1024/ },
      { case: 'a backslash', key: 'a\\b', message: /backslash at index 1/ },
    ])('says where the problem is for $case', ({ key, message }) => {
      // Act
      const check = (): void => assertSafeKey(key);

      // Assess
      expect(check).toThrow(message);
    });
  });

  describe('Function: assertSafePrefix', () => {
    it.each([
      { case: 'the empty prefix', prefix: '' },
      { case: 'a folder', prefix: 'incoming/lab-a/' },
      { case: 'a partial name', prefix: 'incoming/lab-a/S1_' },
      { case: 'a partial name starting with dots', prefix: 'incoming/..' },
    ])('accepts $case', ({ prefix }) => {
      // Act
      const check = (): void => assertSafePrefix(prefix);

      // Assess
      expect(check).not.toThrow();
    });

    it.each([
      { case: 'a traversal folder', prefix: 'incoming/../' },
      { case: 'an absolute prefix', prefix: '/incoming' },
      { case: 'an empty folder', prefix: 'incoming//x' },
      { case: 'a control character', prefix: 'incoming/\n' },
    ])('refuses $case', ({ prefix }) => {
      // Act
      const check = (): void => assertSafePrefix(prefix);

      // Assess
      expect(check).toThrow(InvalidKeyError);
    });
  });

  describe('Function: compareKeys', () => {
    it('orders by UTF-8 bytes, as S3 lists, not by UTF-16 code units', () => {
      // Prepare: U+FF5E is 0xEF… in UTF-8 but 0xFF5E in UTF-16; U+1F9EC is 0xF0… but 0xD83E… in UTF-16.
      const keys = ['\u{1F9EC}', '\uFF5E', 'a/b', 'a-b', 'a b', 'a', 'B', '\u00fc'];

      // Act
      const sorted = [...keys].sort(compareKeys);

      // Assess
      expect(sorted).toEqual(['B', 'a', 'a b', 'a-b', 'a/b', '\u00fc', '\uFF5E', '\u{1F9EC}']);
      expect([...keys].sort()).not.toEqual(sorted);
    });
  });

  describe('Function: assertBucketName', () => {
    it.each(['landing', 'landfall-results-eu-west-1', 'my.bucket.name', 'a1b'])('accepts %s', (bucket) => {
      // Act
      const check = (): void => assertBucketName(bucket);

      // Assess
      expect(check).not.toThrow();
    });

    it.each([
      { case: 'too short', bucket: 'ab' },
      { case: 'too long', bucket: 'a'.repeat(64) },
      { case: 'upper case', bucket: 'Landing' },
      { case: 'a slash', bucket: 'a/b' },
      { case: 'a traversal', bucket: '..' },
      { case: 'two periods', bucket: 'a..b' },
      { case: 'a leading period', bucket: '.tmp' },
      { case: 'a trailing hyphen', bucket: 'landing-' },
      { case: 'an IP address', bucket: '192.168.1.1' },
      { case: 'a reserved prefix', bucket: 'xn--landing' },
      { case: 'a reserved suffix', bucket: 'landing-s3alias' },
      { case: 'an underscore', bucket: 'my_bucket' },
    ])('refuses $case', ({ bucket }) => {
      // Act
      const check = (): void => assertBucketName(bucket);

      // Assess
      expect(check).toThrow(InvalidBucketNameError);
    });
  });

  describe('Function: assertSafeMetadata', () => {
    it.each<{ case: string; metadata: Record<string, string> }>([
      { case: 'no metadata', metadata: {} },
      { case: 'typical fields', metadata: { team: 'lab-a', 'Sample-Id': 'S1', 'md5.hex': 'abc', empty: '' } },
      { case: 'exactly 2 KB', metadata: { k: 'x'.repeat(2047) } },
    ])('accepts $case', ({ metadata }) => {
      // Act
      const check = (): void => assertSafeMetadata(metadata);

      // Assess
      expect(check).not.toThrow();
    });

    it.each<{ case: string; metadata: Record<string, string> }>([
      { case: 'a space in a name', metadata: { 'sample id': 'S1' } },
      { case: 'a colon in a name', metadata: { 'x:y': 'S1' } },
      { case: 'a non-ASCII value', metadata: { sample: '\u00fc' } },
      { case: 'a CR LF in a value', metadata: { sample: 'S1\r\nX: 1' } },
      { case: 'a leading blank', metadata: { sample: ' S1' } },
      { case: 'over 2 KB', metadata: { k: 'x'.repeat(2048) } },
    ])('refuses $case', ({ metadata }) => {
      // Act
      const check = (): void => assertSafeMetadata(metadata);

      // Assess
      expect(check).toThrow(InvalidMetadataError);
    });
  });
});
