/**
 * Behaviour the AWS pages leave implicit, pinned to what EventBridge's engine (aws/event-ruler) does,
 * plus the predicate's robustness. The AWS examples themselves are in conformance.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { compilePattern, matchesPattern, type EventPattern } from '../../../events/pattern/index.ts';

interface Row {
  case: string;
  pattern: EventPattern;
  event: unknown;
  matches: boolean;
}

const items = { items: [{ a: 1, b: 2 }, { b: 3 }] };

const engineRows: Row[] = [
  { case: 'anything-but a string matches a number', pattern: { x: [{ 'anything-but': 'a' }] }, event: { x: 5 }, matches: true },
  { case: 'anything-but a string matches null', pattern: { x: [{ 'anything-but': 'a' }] }, event: { x: null }, matches: true },
  {
    case: 'anything-but a number matches the same digits as a string',
    pattern: { x: [{ 'anything-but': [5] }] },
    event: { x: '5' },
    matches: true,
  },
  {
    case: 'anything-but prefix matches a boolean',
    pattern: { x: [{ 'anything-but': { prefix: 'a' } }] },
    event: { x: true },
    matches: true,
  },
  {
    case: 'anything-but on an array matches when one element passes',
    pattern: { state: [{ 'anything-but': 'stopped' }] },
    event: { state: ['stopped', 'running'] },
    matches: true,
  },
  {
    case: 'anything-but on an array of only excluded values',
    pattern: { state: [{ 'anything-but': 'stopped' }] },
    event: { state: ['stopped', 'stopped'] },
    matches: false,
  },
  {
    case: 'anything-but on an empty array (no leaf)',
    pattern: { state: [{ 'anything-but': 'stopped' }] },
    event: { state: [] },
    matches: false,
  },
  { case: 'numeric does not match a boolean', pattern: { x: [{ numeric: ['>=', 0] }] }, event: { x: true }, matches: false },
  { case: 'equals-ignore-case does not match a number', pattern: { x: [{ 'equals-ignore-case': '5' }] }, event: { x: 5 }, matches: false },
  {
    case: 'an exact number beyond 5.0e9 still matches exactly',
    pattern: { account: [123456789012] },
    event: { account: 123456789012 },
    matches: true,
  },
  {
    case: 'an IP literal matches the same address written differently',
    pattern: { ip: ['::1'] },
    event: { ip: '0:0:0:0:0:0:0:1' },
    matches: true,
  },
  { case: 'an IP literal does not match another address', pattern: { ip: ['10.0.0.1'] }, event: { ip: '10.0.0.2' }, matches: false },
  {
    case: 'cidr matches an IPv4-mapped IPv6 address',
    pattern: { ip: [{ cidr: '10.0.0.0/8' }] },
    event: { ip: '::ffff:a00:1' },
    matches: true,
  },
  { case: 'cidr ignores host bits of the block', pattern: { ip: [{ cidr: '10.0.0.7/24' }] }, event: { ip: '10.0.0.1' }, matches: true },
  { case: 'exists:false in the chosen array element', pattern: { items: { a: [{ exists: false }], b: [3] } }, event: items, matches: true },
  {
    case: 'exists:false when the chosen element has the field',
    pattern: { items: { a: [{ exists: false }], b: [2] } },
    event: items,
    matches: false,
  },
  {
    case: 'exists:false alone when some element has the field',
    pattern: { items: { a: [{ exists: false }] } },
    event: items,
    matches: false,
  },
  { case: 'exists:false OR a value: the value', pattern: { x: [{ exists: false }, 'y'] }, event: { x: 'y' }, matches: true },
  { case: 'exists:false OR a value: another value', pattern: { x: [{ exists: false }, 'y'] }, event: { x: 'z' }, matches: false },
  {
    case: 'nested arrays: fields in one inner element',
    pattern: { a: { x: [1], y: [2] } },
    event: { a: [[{ x: 1, y: 2 }], [{ x: 3 }]] },
    matches: true,
  },
  {
    case: 'nested arrays: fields in two inner elements',
    pattern: { a: { x: [1], y: [2] } },
    event: { a: [[{ x: 1 }, { y: 2 }]] },
    matches: false,
  },
  {
    case: 'two separate arrays are independent',
    pattern: { a: { x: [1] }, b: { y: [2] } },
    event: { a: [{ x: 0 }, { x: 1 }], b: [{ y: 2 }] },
    matches: true,
  },
  {
    case: 'a field in an $or branch replaces the same field beside it',
    pattern: { source: ['a'], $or: [{ source: ['b'] }, { x: [1] }] },
    event: { source: 'b' },
    matches: true,
  },
  {
    case: 'the other branch keeps the field beside $or',
    pattern: { source: ['a'], $or: [{ source: ['b'] }, { x: [1] }] },
    event: { source: 'a', x: 1 },
    matches: true,
  },
  {
    case: 'an $or inside a nested object is scoped to it',
    pattern: { detail: { $or: [{ a: [1] }, { b: [2] }] } },
    event: { b: 2, detail: { a: 0 } },
    matches: false,
  },
  { case: 'unicode equals-ignore-case', pattern: { name: [{ 'equals-ignore-case': 'ÉCOLE' }] }, event: { name: 'école' }, matches: true },
];

describe('compilePattern', () => {
  it.each(engineRows)('$case', ({ pattern, event, matches }) => {
    // Prepare
    const predicate = compilePattern(pattern);

    // Act
    const result = predicate(event);

    // Assess
    expect(result).toBe(matches);
  });

  it.each([
    { case: 'null', event: null },
    { case: 'undefined', event: undefined },
    { case: 'an array', event: [{ source: 'aws.s3' }] },
    { case: 'a JSON string', event: '{"source": "aws.s3"}' },
    { case: 'a number', event: 42 },
  ])('matches no event that is $case', ({ event }) => {
    // Prepare
    const predicate = compilePattern({ source: [{ exists: false }] });

    // Act
    const result = predicate(event);

    // Assess
    expect(result).toBe(false);
  });

  it('treats non-JSON values in an event as absent fields', () => {
    // Prepare
    const predicate = compilePattern({ a: [{ exists: false }], b: [{ exists: false }], c: [{ exists: false }], d: ['x'] });
    const event = { a: undefined, b: () => 1, c: 10n, d: 'x' };

    // Act
    const result = predicate(event);

    // Assess
    expect(result).toBe(true);
  });

  it('leaves the event untouched and gives the same answer every time', () => {
    // Prepare
    const predicate = compilePattern({ detail: { object: { key: [{ prefix: 'incoming/' }] } } });
    const event = { detail: { object: { key: 'incoming/lab-a/run-1/a.fastq.gz', size: 3 } } };
    const snapshot = structuredClone(event);

    // Act
    const results = [predicate(event), predicate(event), predicate(structuredClone(event))];

    // Assess
    expect(results).toEqual([true, true, true]);
    expect(event).toEqual(snapshot);
  });

  it('matches large array-of-object events without combining elements', () => {
    // Prepare
    const records = Array.from({ length: 200 }, (_, i) => ({ team: `lab-${i % 10}`, run: `run-${i}` }));
    const predicate = compilePattern({ records: { team: ['lab-3'], run: ['run-13', 'run-14'] } });

    // Act
    const found = predicate({ records });
    const notFound = predicate({ records: records.filter((record) => record.run !== 'run-13') });

    // Assess
    expect(found).toBe(true);
    expect(notFound).toBe(false);
  });
});

describe('matchesPattern', () => {
  it('validates the pattern it is given', () => {
    // Prepare
    const pattern = { source: 'aws.s3' } as unknown as EventPattern;

    // Act
    const act = (): boolean => matchesPattern(pattern, { source: 'aws.s3' });

    // Assess
    expect(act).toThrow(/invalid event pattern at \$\.source/);
  });
});
