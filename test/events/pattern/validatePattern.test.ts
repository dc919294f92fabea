import { describe, expect, it } from 'vitest';
import { compilePattern, InvalidPatternError, PatternError, validatePattern } from '../../../events/pattern/index.ts';

interface InvalidRow {
  case: string;
  pattern: unknown;
  /** JSON path the error must name. */
  path: string;
  /** Fragments the message must contain (what was expected, what was found). */
  says: string[];
}

const invalid: InvalidRow[] = [
  // Shape of the pattern
  {
    case: 'a string instead of an object',
    pattern: '{"source": ["aws.s3"]}',
    path: '$',
    says: ['expected a JSON object', 'found the string'],
  },
  {
    case: 'an array instead of an object',
    pattern: [{ source: ['aws.s3'] }],
    path: '$',
    says: ['expected a JSON object', 'found an array'],
  },
  { case: 'null', pattern: null, path: '$', says: ['expected a JSON object', 'found null'] },
  { case: 'an empty pattern', pattern: {}, path: '$', says: ['expected at least one field', 'found an empty object {}'] },
  { case: 'an empty nested object', pattern: { detail: {} }, path: '$.detail', says: ['at least one field', 'an empty object'] },
  {
    case: 'a leaf that is not an array',
    pattern: { source: 'aws.s3' },
    path: '$.source',
    says: ['expected an array of values to match (such as ["aws.s3"])', 'found the string "aws.s3"'],
  },
  {
    case: 'a number leaf',
    pattern: { detail: { 'c-count': 5 } },
    path: '$.detail["c-count"]',
    says: ['such as [5]', 'found the number 5'],
  },
  {
    case: 'an empty match array',
    pattern: { source: [] },
    path: '$.source',
    says: ['at least one value to match', 'found an empty array []'],
  },
  {
    case: 'a nested array inside a match array',
    pattern: { source: [['aws.s3']] },
    path: '$.source[0]',
    says: ['a string, number, boolean, null or an operator object', 'found an array'],
  },
  {
    case: 'a non-finite number',
    pattern: { size: [Number.POSITIVE_INFINITY] },
    path: '$.size[0]',
    says: ['a finite JSON number', 'Infinity'],
  },
  { case: 'a Date object', pattern: { time: [new Date(0)] }, path: '$.time[0]', says: ['operator object', 'a Date object'] },

  // Operator objects
  {
    case: 'an unknown operator',
    pattern: { source: [{ contains: 'ec2' }] },
    path: '$.source[0]',
    says: ['one of the operators prefix, suffix', 'the unknown operator "contains"'],
  },
  {
    case: 'two operators in one object',
    pattern: { source: [{ prefix: 'a', suffix: 'b' }] },
    path: '$.source[0]',
    says: ['exactly one operator'],
  },
  { case: 'an empty operator object', pattern: { source: [{}] }, path: '$.source[0]', says: ['exactly one operator', 'an empty object'] },
  {
    case: 'prefix with a number',
    pattern: { time: [{ prefix: 5 }] },
    path: '$.time[0].prefix',
    says: ['a string or {"equals-ignore-case": "..."}', 'found the number 5'],
  },
  {
    case: 'prefix with an unknown inner operator',
    pattern: { time: [{ prefix: { wildcard: 'a*' } }] },
    path: '$.time[0].prefix',
    says: ['{"equals-ignore-case": "..."}'],
  },
  {
    case: 'suffix ignoring case with a number',
    pattern: { f: [{ suffix: { 'equals-ignore-case': 1 } }] },
    path: '$.f[0].suffix["equals-ignore-case"]',
    says: ['expected a string', 'the number 1'],
  },
  {
    case: 'equals-ignore-case with a list',
    pattern: { Name: [{ 'equals-ignore-case': ['a'] }] },
    path: '$.Name[0]["equals-ignore-case"]',
    says: ['expected a string', 'an array'],
  },
  {
    case: 'exists with a string',
    pattern: { a: [{ exists: 'true' }] },
    path: '$.a[0].exists',
    says: ['expected true or false', 'the string "true"'],
  },
  {
    case: 'cidr without a mask',
    pattern: { ip: [{ cidr: '10.0.0.0' }] },
    path: '$.ip[0].cidr',
    says: ["one '/'", 'the string "10.0.0.0"'],
  },
  {
    case: 'cidr with a bad address',
    pattern: { ip: [{ cidr: '10.0.0.300/24' }] },
    path: '$.ip[0].cidr',
    says: ['an IPv4 or IPv6 address', '"10.0.0.300"'],
  },
  { case: 'cidr with a non-numeric mask', pattern: { ip: [{ cidr: '10.0.0.0/x' }] }, path: '$.ip[0].cidr', says: ['mask bits', 'integer'] },
  {
    case: 'cidr /32, refused by EventBridge',
    pattern: { ip: [{ cidr: '10.0.0.1/32' }] },
    path: '$.ip[0].cidr',
    says: ['IPv4 mask bits between 0 and 31'],
  },
  {
    case: 'cidr /128, refused by EventBridge',
    pattern: { ip: [{ cidr: '2001:db8::1/128' }] },
    path: '$.ip[0].cidr',
    says: ['IPv6 mask bits between 0 and 127'],
  },
  { case: 'cidr with a hostname', pattern: { ip: [{ cidr: 'example.com/24' }] }, path: '$.ip[0].cidr', says: ['an IPv4 or IPv6 address'] },
  {
    case: 'wildcard with consecutive stars',
    pattern: { key: [{ wildcard: 'incoming/**' }] },
    path: '$.key[0].wildcard',
    says: ['no consecutive wildcard characters', 'position 9'],
  },
  {
    case: 'wildcard escaping another character',
    pattern: { key: [{ wildcard: 'a\\b*' }] },
    path: '$.key[0].wildcard',
    says: ['a backslash to escape only "*" or "\\"', '"\\b" at position 1'],
  },
  {
    case: 'wildcard with a trailing backslash',
    pattern: { key: [{ wildcard: 'a*\\' }] },
    path: '$.key[0].wildcard',
    says: ['a trailing backslash'],
  },
  { case: 'wildcard with a number', pattern: { key: [{ wildcard: 7 }] }, path: '$.key[0].wildcard', says: ['expected a string'] },

  // numeric
  {
    case: 'numeric not an array',
    pattern: { n: [{ numeric: '>5' }] },
    path: '$.n[0].numeric',
    says: ['an array such as [">", 0, "<=", 5]', 'the string ">5"'],
  },
  { case: 'numeric empty', pattern: { n: [{ numeric: [] }] }, path: '$.n[0].numeric', says: ['an array such as', 'an empty array'] },
  {
    case: 'numeric with a bad operator',
    pattern: { n: [{ numeric: ['!=', 5] }] },
    path: '$.n[0].numeric[0]',
    says: ['one of "=", "<", "<=", ">", ">="', 'the string "!="'],
  },
  {
    case: 'numeric with a string operand',
    pattern: { n: [{ numeric: ['>', '5'] }] },
    path: '$.n[0].numeric[1]',
    says: ['a number between -5000000000 and 5000000000', 'the string "5"'],
  },
  { case: 'numeric missing its operand', pattern: { n: [{ numeric: ['>'] }] }, path: '$.n[0].numeric[1]', says: ['a number', 'undefined'] },
  {
    case: 'numeric range starting with <',
    pattern: { n: [{ numeric: ['<', 10, '>', 0] }] },
    path: '$.n[0].numeric',
    says: ['"<" followed by exactly one number', '4 elements'],
  },
  {
    case: 'numeric = with two numbers',
    pattern: { n: [{ numeric: ['=', 1, 2] }] },
    path: '$.n[0].numeric',
    says: ['"=" followed by exactly one number', '3 elements'],
  },
  {
    case: 'numeric range with a bad upper operator',
    pattern: { n: [{ numeric: ['>', 0, '>', 5] }] },
    path: '$.n[0].numeric[2]',
    says: ['"<" or "<=" before the upper bound', 'the string ">"'],
  },
  {
    case: 'numeric range not ascending',
    pattern: { n: [{ numeric: ['>', 10, '<', 5] }] },
    path: '$.n[0].numeric',
    says: ['a lower bound below the upper bound', 'the range 10 to 5'],
  },
  {
    case: 'numeric empty range',
    pattern: { n: [{ numeric: ['>=', 5, '<', 5] }] },
    path: '$.n[0].numeric',
    says: ['a lower bound below the upper bound'],
  },
  {
    case: 'numeric beyond 5.0e9',
    pattern: { n: [{ numeric: ['<', 6e9] }] },
    path: '$.n[0].numeric[1]',
    says: ['between -5000000000 and 5000000000', 'the number 6000000000'],
  },
  {
    case: 'numeric with more than 6 decimals',
    pattern: { n: [{ numeric: ['=', 0.1234567] }] },
    path: '$.n[0].numeric[1]',
    says: ['at most 6 decimal places', '0.1234567'],
  },
  {
    case: 'numeric > 5e9 leaves an empty range',
    pattern: { n: [{ numeric: ['>', 5e9] }] },
    path: '$.n[0].numeric',
    says: ['a lower bound below the upper bound'],
  },

  // anything-but
  {
    case: 'anything-but with mixed types',
    pattern: { s: [{ 'anything-but': ['stopped', 1] }] },
    path: '$.s[0]["anything-but"]',
    says: ['only strings or only numbers', 'an array ["stopped",1]'],
  },
  {
    case: 'anything-but with null',
    pattern: { s: [{ 'anything-but': null }] },
    path: '$.s[0]["anything-but"]',
    says: ['a string, a number, a list of strings or numbers', 'found null'],
  },
  {
    case: 'anything-but with a boolean list',
    pattern: { s: [{ 'anything-but': [true] }] },
    path: '$.s[0]["anything-but"]',
    says: ['only strings or only numbers'],
  },
  {
    case: 'anything-but with an empty list',
    pattern: { s: [{ 'anything-but': [] }] },
    path: '$.s[0]["anything-but"]',
    says: ['at least one value to exclude'],
  },
  {
    case: 'anything-but with a number beyond 5.0e9',
    pattern: { s: [{ 'anything-but': [1, 1e10] }] },
    path: '$.s[0]["anything-but"][1]',
    says: ['between -5000000000 and 5000000000'],
  },
  {
    case: 'anything-but with an unknown inner operator',
    pattern: { s: [{ 'anything-but': { numeric: ['>', 1] } }] },
    path: '$.s[0]["anything-but"]',
    says: ['inside anything-but', 'the unknown operator "numeric"'],
  },
  {
    case: 'anything-but with two inner operators',
    pattern: { s: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] },
    path: '$.s[0]["anything-but"]',
    says: ['exactly one of prefix, suffix, equals-ignore-case, wildcard'],
  },
  {
    case: 'anything-but prefix with a number',
    pattern: { s: [{ 'anything-but': { prefix: 1 } }] },
    path: '$.s[0]["anything-but"].prefix',
    says: ['a string or a non-empty list of strings', 'the number 1'],
  },
  {
    case: 'anything-but prefix empty',
    pattern: { s: [{ 'anything-but': { prefix: '' } }] },
    path: '$.s[0]["anything-but"].prefix',
    says: ['a non-empty prefix', 'an empty string'],
  },
  {
    case: 'anything-but suffix list with an empty string',
    pattern: { s: [{ 'anything-but': { suffix: ['.txt', ''] } }] },
    path: '$.s[0]["anything-but"].suffix[1]',
    says: ['a non-empty suffix'],
  },
  {
    case: 'anything-but equals-ignore-case with a number',
    pattern: { s: [{ 'anything-but': { 'equals-ignore-case': ['a', 2] } }] },
    path: '$.s[0]["anything-but"]["equals-ignore-case"][1]',
    says: ['expected a string', 'the number 2'],
  },
  {
    case: 'anything-but wildcard with consecutive stars',
    pattern: { s: [{ 'anything-but': { wildcard: ['*/lib/*', 'a**'] } }] },
    path: '$.s[0]["anything-but"].wildcard[1]',
    says: ['no consecutive wildcard characters'],
  },

  // $or
  {
    case: '$or not an array',
    pattern: { $or: { a: ['x'] } },
    path: '$.$or',
    says: ['an array of at least 2 alternative patterns', 'found the object'],
  },
  {
    case: '$or with one pattern',
    pattern: { $or: [{ a: ['x'] }] },
    path: '$.$or',
    says: ['at least 2 alternative patterns', 'found 1 pattern'],
  },
  { case: '$or with no pattern', pattern: { $or: [] }, path: '$.$or', says: ['at least 2 alternative patterns', 'found no pattern'] },
  {
    case: '$or with a non-object branch',
    pattern: { $or: [{ a: ['x'] }, ['b']] },
    path: '$.$or[1]',
    says: ['a pattern object', 'an array'],
  },
  { case: '$or with an empty branch', pattern: { $or: [{ a: ['x'] }, {}] }, path: '$.$or[1]', says: ['at least one field'] },
  {
    case: '$or with an operator as a field name',
    pattern: { $or: [{ numeric: [1] }, { prefix: ['a'] }] },
    path: '$.$or[0].numeric',
    says: ['a field name', 'the reserved name "numeric"'],
  },
  {
    case: '$or nested in detail with an invalid leaf',
    pattern: { detail: { $or: [{ a: ['x'] }, { b: [{ prefix: 1 }] }] } },
    path: '$.detail.$or[1].b[0].prefix',
    says: ['a string'],
  },
  {
    case: 'nested $or with one pattern',
    pattern: { $or: [{ a: ['x'] }, { b: ['y'], $or: [{ c: ['z'] }] }] },
    path: '$.$or[1].$or',
    says: ['at least 2 alternative patterns'],
  },
];

const valid: { case: string; pattern: unknown }[] = [
  {
    case: 'the S3 landing rule',
    pattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: 'incoming/' }] } } },
  },
  { case: 'every JSON leaf type', pattern: { a: ['x', 1, -2.5, true, false, null] } },
  { case: 'an empty prefix', pattern: { a: [{ prefix: '' }] } },
  { case: 'numeric at the limits', pattern: { a: [{ numeric: ['>=', -5e9, '<=', 5e9] }, { numeric: ['=', 0.000001] }] } },
  { case: 'numeric with an exponent', pattern: { a: [{ numeric: ['=', 3.018e2] }] } },
  { case: 'cidr /0 and /31', pattern: { a: [{ cidr: '0.0.0.0/0' }, { cidr: '10.0.0.0/31' }, { cidr: '::/0' }] } },
  { case: 'escaped wildcards', pattern: { a: [{ wildcard: '\\*\\\\*' }] } },
  { case: 'exists false with other values', pattern: { a: [{ exists: false }, 'x'] } },
  {
    case: 'anything-but lists of every kind',
    pattern: {
      a: [
        { 'anything-but': { prefix: ['a', 'b'] } },
        { 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } },
        { 'anything-but': { 'equals-ignore-case': 'x' } },
      ],
    },
  },
  { case: 'an operator name as an ordinary field outside $or', pattern: { prefix: ['x'] } },
  { case: 'nested $or', pattern: { $or: [{ a: ['x'] }, { b: ['y'], $or: [{ c: [1] }, { d: [2] }] }] } },
  { case: 'a pattern with a null prototype', pattern: Object.assign(Object.create(null) as object, { a: ['x'] }) },
];

describe('validatePattern', () => {
  it.each(invalid)('rejects $case', ({ pattern, path, says }) => {
    // Prepare
    let caught: unknown;

    // Act
    try {
      validatePattern(pattern);
    } catch (error) {
      caught = error;
    }

    // Assess
    expect(caught).toBeInstanceOf(InvalidPatternError);
    const error = caught as InvalidPatternError;
    expect(error.path).toBe(path);
    expect(error.message).toContain(`invalid event pattern at ${path}: expected `);
    for (const fragment of says) expect(error.message).toContain(fragment);
  });

  it.each(valid)('accepts $case', ({ pattern }) => {
    // Act
    const result = validatePattern(pattern);

    // Assess
    expect(result).toBe(pattern);
  });

  it('gives the error a name, a base class and separate expected/found fields', () => {
    // Prepare
    const pattern = { detail: { state: 'running' } };

    // Act
    const act = (): unknown => validatePattern(pattern);

    // Assess
    expect(act).toThrow(PatternError);
    try {
      act();
    } catch (error) {
      const invalidError = error as InvalidPatternError;
      expect(invalidError.name).toBe('InvalidPatternError');
      expect(invalidError.expected).toMatch(/^an array of values to match/);
      expect(invalidError.found).toBe('the string "running"');
    }
  });

  it('rejects an invalid pattern when it is compiled, before any event is seen', () => {
    // Prepare
    const pattern = { source: [{ wildcard: 'a**' }] };

    // Act
    const act = (): unknown => compilePattern(pattern);

    // Assess
    expect(act).toThrow(/at \$\.source\[0\]\.wildcard: expected no consecutive wildcard characters/);
  });
});
