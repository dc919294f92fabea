/**
 * Validates one element of a field's match array and compiles it into a test on a JSON leaf.
 *
 * The rules follow the AWS comparison-operator documentation and, where the documentation is
 * silent, the rule compiler of EventBridge's matching engine (aws/event-ruler, `JsonRuleCompiler`).
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * @internal
 */
import { InvalidPatternError } from './errors.ts';
import { inAddressRange, parseCidr, parseIpAddress, sameAddress } from './ipAddress.ts';
import { childPath, describe, isPlainObject } from './jsonPath.ts';
import { matchWildcard, parseWildcard, type Wildcard } from './wildcard.ts';

/** A JSON leaf value of an event: what tests are applied to. */
export type LeafValue = string | number | boolean | null;

/** A test on one leaf value of the event. */
export type LeafTest = (value: LeafValue) => boolean;

/** What one match-array element compiles to. */
export type CompiledMatchValue =
  | { readonly kind: 'exact'; readonly value: LeafValue; readonly address: Uint8Array | undefined }
  | { readonly kind: 'test'; readonly test: LeafTest }
  | { readonly kind: 'absent' };

/** The operators EventBridge accepts inside a match array. */
export const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'anything-but', 'numeric', 'exists', 'cidr', 'wildcard'] as const;

/** EventBridge's numeric matching covers -5.0e9..+5.0e9 with six decimal places. */
export const NUMERIC_LIMIT = 5e9;
const MAX_DECIMALS = 6;
const COMPARISONS = ['=', '<', '<=', '>', '>='] as const;
const ANY_LEAF: LeafTest = () => true;
const ANYTHING_BUT_OPERATORS: readonly string[] = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard'];

/** Compiles `value`, found at JSON path `path`; throws {@link InvalidPatternError} when invalid. */
export function compileMatchValue(value: unknown, path: string): CompiledMatchValue {
  if (typeof value === 'string') {
    return { kind: 'exact', value, address: parseIpAddress(value) };
  }
  if (value === null || typeof value === 'boolean') return { kind: 'exact', value, address: undefined };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidPatternError(path, 'a finite JSON number', describe(value));
    return { kind: 'exact', value, address: undefined };
  }
  if (!isPlainObject(value)) {
    throw new InvalidPatternError(path, 'a string, number, boolean, null or an operator object such as {"prefix": "x"}', describe(value));
  }
  const keys = Object.keys(value);
  const [operator] = keys;
  if (keys.length !== 1 || operator === undefined) {
    throw new InvalidPatternError(path, `exactly one operator (${OPERATORS.join(', ')})`, describe(value));
  }
  const operand = value[operator];
  const operandPath = childPath(path, operator);
  switch (operator) {
    case 'prefix':
      return { kind: 'test', test: compilePrefixOrSuffix('prefix', operand, operandPath) };
    case 'suffix':
      return { kind: 'test', test: compilePrefixOrSuffix('suffix', operand, operandPath) };
    case 'equals-ignore-case': {
      const expected = requireString(operand, operandPath).toLowerCase();
      return { kind: 'test', test: (v) => typeof v === 'string' && v.toLowerCase() === expected };
    }
    case 'anything-but':
      return { kind: 'test', test: compileAnythingBut(operand, operandPath) };
    case 'numeric':
      return { kind: 'test', test: compileNumeric(operand, operandPath) };
    case 'exists':
      if (typeof operand !== 'boolean') throw new InvalidPatternError(operandPath, 'true or false', describe(operand));
      // exists:true matches any leaf value, null included; exists:false is decided by absence.
      return operand ? { kind: 'test', test: ANY_LEAF } : { kind: 'absent' };
    case 'cidr':
      return { kind: 'test', test: compileCidr(operand, operandPath) };
    case 'wildcard':
      return { kind: 'test', test: compileWildcard(operand, operandPath) };
    default:
      throw new InvalidPatternError(
        path,
        `one of the operators ${OPERATORS.join(', ')}`,
        `the unknown operator ${JSON.stringify(operator)}`,
      );
  }
}

function requireString(operand: unknown, path: string): string {
  if (typeof operand !== 'string') throw new InvalidPatternError(path, 'a string', describe(operand));
  return operand;
}

function compilePrefixOrSuffix(kind: 'prefix' | 'suffix', operand: unknown, path: string): LeafTest {
  if (typeof operand === 'string') {
    return kind === 'prefix' ? (v) => typeof v === 'string' && v.startsWith(operand) : (v) => typeof v === 'string' && v.endsWith(operand);
  }
  const keys = isPlainObject(operand) ? Object.keys(operand) : [];
  if (!isPlainObject(operand) || keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
    throw new InvalidPatternError(path, `a string or {"equals-ignore-case": "..."}`, describe(operand));
  }
  const folded = requireString(operand['equals-ignore-case'], childPath(path, 'equals-ignore-case')).toLowerCase();
  return kind === 'prefix'
    ? (v) => typeof v === 'string' && v.toLowerCase().startsWith(folded)
    : (v) => typeof v === 'string' && v.toLowerCase().endsWith(folded);
}

/**
 * `anything-but` matches every present leaf value (of any JSON type) that its operand does not
 * match; a missing field never matches it. The returned test is true for values not excluded.
 */
function compileAnythingBut(operand: unknown, path: string): LeafTest {
  if (typeof operand === 'string') return (v) => v !== operand;
  if (typeof operand === 'number') {
    const excluded = requireComparableNumber(operand, path);
    return (v) => v !== excluded;
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw new InvalidPatternError(path, 'at least one value to exclude', describe(operand));
    const allStrings = operand.every((item) => typeof item === 'string');
    const allNumbers = operand.every((item) => typeof item === 'number');
    if (!allStrings && !allNumbers) {
      throw new InvalidPatternError(path, 'a list of only strings or only numbers (no mixed types, null or booleans)', describe(operand));
    }
    if (allNumbers) operand.forEach((item, i) => requireComparableNumber(item, childPath(path, i)));
    const excluded = new Set<unknown>(operand);
    return (v) => !excluded.has(v);
  }
  if (!isPlainObject(operand)) {
    throw new InvalidPatternError(
      path,
      'a string, a number, a list of strings or numbers, or an object with prefix, suffix, equals-ignore-case or wildcard',
      describe(operand),
    );
  }
  const keys = Object.keys(operand);
  const [inner] = keys;
  if (keys.length !== 1 || inner === undefined) {
    throw new InvalidPatternError(path, `exactly one of ${ANYTHING_BUT_OPERATORS.join(', ')}`, describe(operand));
  }
  if (!ANYTHING_BUT_OPERATORS.includes(inner)) {
    throw new InvalidPatternError(
      path,
      `one of ${ANYTHING_BUT_OPERATORS.join(', ')} inside anything-but`,
      `the unknown operator ${JSON.stringify(inner)}`,
    );
  }
  const innerPath = childPath(path, inner);
  const { values, paths } = stringOrStrings(operand[inner], innerPath);
  if (inner === 'prefix' || inner === 'suffix') {
    values.forEach((text, i) => {
      if (text === '') throw new InvalidPatternError(paths[i] ?? innerPath, `a non-empty ${inner}`, 'an empty string');
    });
    return inner === 'prefix'
      ? (v) => typeof v !== 'string' || !values.some((p) => v.startsWith(p))
      : (v) => typeof v !== 'string' || !values.some((s) => v.endsWith(s));
  }
  if (inner === 'equals-ignore-case') {
    const folded = new Set(values.map((text) => text.toLowerCase()));
    return (v) => typeof v !== 'string' || !folded.has(v.toLowerCase());
  }
  const wildcards = values.map((text, i) => parseWildcardOrThrow(text, paths[i] ?? innerPath));
  return (v) => typeof v !== 'string' || !wildcards.some((w) => matchWildcard(w, v));
}

/** A string or a non-empty list of strings, with the JSON path of each. */
function stringOrStrings(operand: unknown, path: string): { values: string[]; paths: string[] } {
  if (typeof operand === 'string') return { values: [operand], paths: [path] };
  if (!Array.isArray(operand) || operand.length === 0) {
    throw new InvalidPatternError(path, 'a string or a non-empty list of strings', describe(operand));
  }
  const paths = operand.map((_, i) => childPath(path, i));
  const values = operand.map((item: unknown, i) => {
    if (typeof item !== 'string') throw new InvalidPatternError(paths[i] ?? path, 'a string', describe(item));
    return item;
  });
  return { values, paths };
}

function requireComparableNumber(operand: unknown, path: string): number {
  const expected = `a number between -${NUMERIC_LIMIT} and ${NUMERIC_LIMIT} with at most ${MAX_DECIMALS} decimal places`;
  if (typeof operand !== 'number' || !Number.isFinite(operand)) throw new InvalidPatternError(path, expected, describe(operand));
  if (Math.abs(operand) > NUMERIC_LIMIT || decimalPlaces(operand) > MAX_DECIMALS) {
    throw new InvalidPatternError(path, expected, describe(operand));
  }
  return operand;
}

/** Decimal places of the shortest representation of `n` (`3.018e2` has 1, `1e-7` has 7). */
function decimalPlaces(n: number): number {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(Math.abs(n)));
  if (!match) return Number.POSITIVE_INFINITY;
  return Math.max(0, (match[2]?.length ?? 0) - Number(match[3] ?? 0));
}

/**
 * `["=", n]`, `["<" | "<=", n]`, `[">" | ">=", n]` or `[">" | ">=", low, "<" | "<=", high]`.
 * Like EventBridge, a one-sided comparison is a range closed at ±5.0e9, and the lower bound must
 * be below the upper bound; event numbers outside ±5.0e9 match no numeric comparison.
 */
function compileNumeric(operand: unknown, path: string): LeafTest {
  if (!Array.isArray(operand) || operand.length === 0) {
    throw new InvalidPatternError(path, 'an array such as [">", 0, "<=", 5]', describe(operand));
  }
  const operator = operand[0];
  if (typeof operator !== 'string' || !(COMPARISONS as readonly string[]).includes(operator)) {
    throw new InvalidPatternError(childPath(path, 0), `one of ${COMPARISONS.map((c) => `"${c}"`).join(', ')}`, describe(operator));
  }
  const first = requireComparableNumber(operand[1], childPath(path, 1));
  const canTakeUpperBound = operator === '>' || operator === '>=';
  const allowedLengths = canTakeUpperBound ? [2, 4] : [2];
  if (!allowedLengths.includes(operand.length)) {
    const expected = canTakeUpperBound
      ? `"${operator}" followed by one number, optionally then "<" or "<=" and an upper bound`
      : `"${operator}" followed by exactly one number (a two-sided range starts with ">" or ">=")`;
    throw new InvalidPatternError(path, expected, `${operand.length} elements`);
  }
  if (operator === '=') return (v) => v === first;

  let low = -NUMERIC_LIMIT;
  let lowOpen = false;
  let high = NUMERIC_LIMIT;
  let highOpen = false;
  if (canTakeUpperBound) {
    low = first;
    lowOpen = operator === '>';
    if (operand.length === 4) {
      const upper = operand[2];
      if (upper !== '<' && upper !== '<=') {
        throw new InvalidPatternError(childPath(path, 2), '"<" or "<=" before the upper bound', describe(upper));
      }
      high = requireComparableNumber(operand[3], childPath(path, 3));
      highOpen = upper === '<';
    }
  } else {
    high = first;
    highOpen = operator === '<';
  }
  if (low >= high) {
    throw new InvalidPatternError(
      path,
      'a lower bound below the upper bound (EventBridge ranges are within ±5e9)',
      `the range ${low} to ${high}`,
    );
  }
  return (v) => typeof v === 'number' && (lowOpen ? v > low : v >= low) && (highOpen ? v < high : v <= high);
}

function compileCidr(operand: unknown, path: string): LeafTest {
  const range = parseCidr(requireString(operand, path));
  if (typeof range === 'string') throw new InvalidPatternError(path, range, describe(operand));
  return (v) => {
    if (typeof v !== 'string') return false;
    const address = parseIpAddress(v);
    return address !== undefined && inAddressRange(address, range);
  };
}

function compileWildcard(operand: unknown, path: string): LeafTest {
  const wildcard = parseWildcardOrThrow(requireString(operand, path), path);
  return (v) => typeof v === 'string' && matchWildcard(wildcard, v);
}

function parseWildcardOrThrow(text: string, path: string): Wildcard {
  const wildcard = parseWildcard(text);
  if (typeof wildcard === 'string') throw new InvalidPatternError(path, wildcard, describe(text));
  return wildcard;
}

/** True when the event string `value` is the same IP address as `address` (`::1` = `0:0:0:0:0:0:0:1`). */
export function isSameAddress(value: LeafValue, address: Uint8Array): boolean {
  if (typeof value !== 'string') return false;
  const parsed = parseIpAddress(value);
  return parsed !== undefined && sameAddress(parsed, address);
}
