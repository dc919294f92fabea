/**
 * Validates the structure of an event pattern and compiles it into sub-rules.
 *
 * A pattern compiles, as in EventBridge's engine, into a list of sub-rules (more than one only
 * when `$or` is used), each a list of field conditions keyed by the dot-joined field path. An
 * event matches the pattern when it matches any sub-rule.
 */
import { compileMatchValue, isSameAddress, OPERATORS, type LeafTest, type LeafValue } from './compileMatchValue.ts';
import { InvalidPatternError } from './errors.ts';
import { childPath, describe, isPlainObject } from './jsonPath.ts';
import type { EventPattern } from './types.ts';

/**
 * What one field of a sub-rule requires.
 * @internal
 */
export interface FieldCondition {
  /** Dot-joined field path: `detail.object.key`. */
  readonly path: string;
  /** Matches a present leaf value; undefined when the match array holds only `{"exists": false}`. */
  readonly test: LeafTest | undefined;
  /** True when the match array holds `{"exists": false}`: the field being absent also satisfies it. */
  readonly allowsAbsent: boolean;
}

/** @internal */
export type SubRule = readonly FieldCondition[];

/**
 * Names that EventBridge's engine reserves and refuses as field names inside `$or` (the operators
 * plus keywords it keeps for future operators), so that an operator put one level too high fails
 * loudly instead of silently matching a field of that name.
 */
const RESERVED_IN_OR = new Set<string>([
  ...OPERATORS,
  'exactly',
  '=',
  '<',
  '<=',
  '>',
  '>=',
  'regex',
  'not-wildcard',
  'not-equals-ignore-case',
  'date-after',
  'date-on-or-after',
  'date-before',
  'date-on-or-before',
  'in-date-range',
  'ip-address-in-range',
  'ip-address-not-in-range',
]);

/**
 * Checks that `pattern` is an event pattern EventBridge accepts and returns it, typed.
 *
 * @param pattern - a parsed JSON pattern (use `JSON.parse` first for pattern text)
 * @returns the same object, typed as {@link EventPattern}
 * @throws {@link InvalidPatternError} naming the JSON path of the first problem, what was expected
 *   there and what was found
 * @example
 * ```ts
 * const pattern = validatePattern(JSON.parse(ruleJson));
 * // throws: invalid event pattern at $.source: expected an array of values to match ..., found the string "aws.s3"
 * validatePattern({ source: 'aws.s3' });
 * ```
 */
export function validatePattern(pattern: unknown): EventPattern {
  compileSubRules(pattern);
  return pattern as EventPattern;
}

/**
 * Validates `pattern` and compiles it into sub-rules.
 * @internal
 */
export function compileSubRules(pattern: unknown): SubRule[] {
  if (!isPlainObject(pattern)) {
    throw new InvalidPatternError('$', 'a JSON object such as {"source": ["aws.s3"]}', describe(pattern));
  }
  return walkObject(pattern, '$', '', [], false).map((rule) => [...rule.values()]);
}

type RuleMap = Map<string, FieldCondition>;

function walkObject(node: Record<string, unknown>, jsonPath: string, fieldPath: string, rules: RuleMap[], insideOr: boolean): RuleMap[] {
  const keys = Object.keys(node);
  if (keys.length === 0) throw new InvalidPatternError(jsonPath, 'at least one field', describe(node));
  let current = rules;
  for (const key of keys) {
    const value = node[key];
    const keyPath = childPath(jsonPath, key);
    if (key === '$or') {
      current = walkOr(value, keyPath, fieldPath, current);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      throw new InvalidPatternError(
        keyPath,
        'a field name (an operator goes inside a match array, as in {"field": [{"prefix": "x"}]})',
        `the reserved name ${JSON.stringify(key)}`,
      );
    }
    // EventBridge joins field names with "." when it compiles a pattern, so {"a": {"b": [..]}}
    // and {"a.b": [..]} are the same field; keeping that join keeps the runtimes identical.
    const nextFieldPath = fieldPath === '' ? key : `${fieldPath}.${key}`;
    if (Array.isArray(value)) {
      const condition = compileMatchArray(value, keyPath, nextFieldPath);
      if (current.length === 0) current = [new Map()];
      // A field given twice (say in a branch of $or and beside it) keeps the last one, as in EventBridge.
      for (const rule of current) rule.set(nextFieldPath, condition);
    } else if (isPlainObject(value)) {
      current = walkObject(value, keyPath, nextFieldPath, current, insideOr);
    } else {
      throw new InvalidPatternError(
        keyPath,
        `an array of values to match (such as [${JSON.stringify(exampleValue(value))}]) or a nested object`,
        describe(value),
      );
    }
  }
  return current;
}

function exampleValue(value: unknown): unknown {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? value : 'value';
}

function walkOr(value: unknown, jsonPath: string, fieldPath: string, rules: RuleMap[]): RuleMap[] {
  if (!Array.isArray(value)) {
    throw new InvalidPatternError(jsonPath, 'an array of at least 2 alternative patterns', describe(value));
  }
  if (value.length < 2) {
    throw new InvalidPatternError(jsonPath, 'at least 2 alternative patterns in "$or"', value.length === 1 ? '1 pattern' : 'no pattern');
  }
  const branches: RuleMap[] = [];
  value.forEach((branch: unknown, i) => {
    const branchPath = childPath(jsonPath, i);
    if (!isPlainObject(branch)) throw new InvalidPatternError(branchPath, 'a pattern object', describe(branch));
    const copies = rules.length === 0 ? [new Map<string, FieldCondition>()] : rules.map((rule) => new Map(rule));
    branches.push(...walkObject(branch, branchPath, fieldPath, copies, true));
  });
  return branches;
}

function compileMatchArray(values: readonly unknown[], jsonPath: string, fieldPath: string): FieldCondition {
  if (values.length === 0) throw new InvalidPatternError(jsonPath, 'at least one value to match', describe(values));
  const exact = new Set<LeafValue>();
  const addresses: Uint8Array[] = [];
  const tests: LeafTest[] = [];
  let allowsAbsent = false;
  values.forEach((value, i) => {
    const compiled = compileMatchValue(value, childPath(jsonPath, i));
    if (compiled.kind === 'exact') {
      exact.add(compiled.value);
      if (compiled.address) addresses.push(compiled.address);
    } else if (compiled.kind === 'test') {
      tests.push(compiled.test);
    } else {
      allowsAbsent = true;
    }
  });
  if (addresses.length > 0) {
    // EventBridge compares an IP literal as an address, so "::1" also matches "0:0:0:0:0:0:0:1".
    tests.push((v) => addresses.some((address) => isSameAddress(v, address)));
  }
  return { path: fieldPath, test: combine(exact, tests), allowsAbsent };
}

function combine(exact: ReadonlySet<LeafValue>, tests: readonly LeafTest[]): LeafTest | undefined {
  const [only] = tests;
  if (exact.size === 0) {
    if (tests.length === 0) return undefined;
    if (tests.length === 1 && only) return only;
    return (v) => tests.some((test) => test(v));
  }
  if (tests.length === 0) return (v) => exact.has(v);
  return (v) => exact.has(v) || tests.some((test) => test(v));
}
