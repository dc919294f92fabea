import { InvalidBucketNameError, InvalidKeyError, InvalidMetadataError } from './errors.ts';

/** S3 caps a key at 1024 bytes of UTF-8. */
export const MAX_KEY_BYTES = 1024;

/** S3 caps user-defined metadata at 2 KB (keys plus values, UTF-8). */
export const MAX_METADATA_BYTES = 2048;

// U+0000–U+001F and U+007F. Both runtimes refuse them: a NUL truncates paths in C APIs,
// a newline breaks manifests and logs, and S3 needs XML 1.0-unsafe characters escaped.
// eslint-disable-next-line no-control-regex
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what keys may not contain
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Throws `InvalidKeyError` unless `key` is a key both runtimes can store without surprise.
 *
 * Refused: the empty key, an absolute key (`/…`), `.` and `..` segments, empty segments
 * (`a//b`, `a/`), backslashes (a path separator on Windows and SMB shares), control
 * characters (U+0000–U+001F, U+007F) and keys over 1024 UTF-8 bytes. Spaces, `+`, `%` and
 * any other unicode are allowed. The check runs before anything touches disk or the network.
 *
 * @example
 * assertSafeKey('incoming/lab-a/run 1/S1_R1_001.fastq.gz'); // ok
 * assertSafeKey('incoming/../etc/passwd'); // throws InvalidKeyError
 */
export function assertSafeKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new InvalidKeyError(String(key), 'the key is empty');
  }
  assertCharacters(key, key);
  if (key.startsWith('/')) {
    throw new InvalidKeyError(key, 'absolute keys are not allowed (the key starts with "/")');
  }
  const segments = key.split('/');
  segments.forEach((segment, index) => assertSegment(key, segment, index, segments.length));
}

/**
 * Throws `InvalidKeyError` unless `prefix` is a safe listing prefix: the empty string, or a
 * key-like string whose folder segments are safe (the last segment may be empty or partial,
 * as in `incoming/lab-a/` or `incoming/lab-a/S1_`).
 *
 * @example
 * assertSafePrefix('incoming/lab-a/run 1/S1_'); // ok
 * assertSafePrefix('incoming/../'); // throws InvalidKeyError
 */
export function assertSafePrefix(prefix: string): void {
  if (typeof prefix !== 'string') {
    throw new InvalidKeyError(String(prefix), 'the prefix is not a string');
  }
  if (prefix.length === 0) return;
  assertCharacters(prefix, prefix);
  if (prefix.startsWith('/')) {
    throw new InvalidKeyError(prefix, 'absolute prefixes are not allowed (the prefix starts with "/")');
  }
  const segments = prefix.split('/');
  // The last segment only filters names (startsWith), it is never resolved as a path.
  segments.slice(0, -1).forEach((segment, index) => assertSegment(prefix, segment, index, segments.length));
}

/**
 * Orders keys as S3 lists them: by the bytes of their UTF-8 encoding. JavaScript's default
 * string order compares UTF-16 code units and disagrees for characters above U+FFFF.
 *
 * @example
 * ['b', 'a/b', 'a b'].sort(compareKeys); // ['a b', 'a/b', 'b']
 */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/**
 * Throws `InvalidBucketNameError` unless `bucket` follows the S3 general-purpose bucket naming
 * rules (3–63 characters of `a-z 0-9 . -`, starting and ending with a letter or digit, no `..`,
 * not an IP address, no reserved prefix or suffix). On the embedded runtime a bucket is a folder
 * name, so these rules also keep `/`, `..` and hidden names (`.tmp`) out.
 *
 * @example
 * assertBucketName('landfall-landing'); // ok
 * assertBucketName('../etc'); // throws InvalidBucketNameError
 */
export function assertBucketName(bucket: string): void {
  const fail = (reason: string): never => {
    throw new InvalidBucketNameError(String(bucket), reason);
  };
  if (typeof bucket !== 'string') fail('the bucket name is not a string');
  if (bucket.length < 3 || bucket.length > 63) fail(`expected 3–63 characters, found ${bucket.length}`);
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket)) {
    fail('expected lower-case letters, digits, "." and "-", starting and ending with a letter or digit');
  }
  if (bucket.includes('..')) fail('two adjacent periods are not allowed');
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) fail('a bucket name must not look like an IP address');
  for (const prefix of ['xn--', 'sthree-', 'amzn-s3-demo-']) {
    if (bucket.startsWith(prefix)) fail(`the prefix "${prefix}" is reserved`);
  }
  for (const suffix of ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3']) {
    if (bucket.endsWith(suffix)) fail(`the suffix "${suffix}" is reserved`);
  }
}

/**
 * Throws `InvalidMetadataError` unless user metadata survives a round trip through S3 headers
 * unchanged: names are HTTP tokens (`[A-Za-z0-9._-]`, stored lower-case), values are printable
 * ASCII without leading or trailing blanks (HTTP trims them), 2 KB in total. Non-ASCII values
 * would come back RFC 2047-encoded from S3 but verbatim from folders, so both refuse them.
 *
 * @example
 * assertSafeMetadata({ 'sample-id': 'S1' }); // ok
 * assertSafeMetadata({ 'sample id': 'S1' }); // throws InvalidMetadataError
 */
export function assertSafeMetadata(metadata: Record<string, string>): void {
  let bytes = 0;
  for (const [name, value] of Object.entries(metadata)) {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) {
      throw new InvalidMetadataError(name, 'expected a name of letters, digits, ".", "_" and "-"');
    }
    if (typeof value !== 'string' || !/^[\x20-\x7e]*$/.test(value)) {
      throw new InvalidMetadataError(name, 'expected a value of printable ASCII characters');
    }
    if (value !== value.trim()) {
      throw new InvalidMetadataError(name, 'leading or trailing blanks are dropped by HTTP; trim the value');
    }
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > MAX_METADATA_BYTES) {
    throw new InvalidMetadataError('*', `user metadata is ${bytes} bytes, the limit is ${MAX_METADATA_BYTES}`);
  }
}

/**
 * Lower-cases metadata names, as S3 returns them.
 * @internal
 */
export function lowerCaseMetadata(metadata: Record<string, string> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name.toLowerCase(), value]));
}

function assertCharacters(key: string, text: string): void {
  const control = CONTROL_CHARACTER.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0').toUpperCase();
    throw new InvalidKeyError(key, `control character U+${code} at index ${control.index}`);
  }
  const backslash = text.indexOf('\\');
  if (backslash !== -1) {
    throw new InvalidKeyError(key, `backslash at index ${backslash} (use "/" to separate folders)`);
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_KEY_BYTES) {
    throw new InvalidKeyError(key, `the key is ${bytes} UTF-8 bytes, the limit is ${MAX_KEY_BYTES}`);
  }
}

function assertSegment(key: string, segment: string, index: number, count: number): void {
  const where = `segment ${index + 1} of ${count}`;
  if (segment === '') throw new InvalidKeyError(key, `empty ${where} (a "//" or a trailing "/")`);
  if (segment === '.' || segment === '..') {
    throw new InvalidKeyError(key, `"${segment}" as ${where} could leave the bucket folder`);
  }
}
