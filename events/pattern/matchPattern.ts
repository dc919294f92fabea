/**
 * Matches events against EventBridge event patterns, with EventBridge's content-filtering semantics.
 *
 * - Fields of a pattern are AND'ed; values in a field's match array are OR'ed; `$or` branches are OR'ed.
 * - When the event's value is an array, the field matches if any element does.
 * - Fields taken from objects inside one array must come from the same element
 *   (`{"employees": {"first": ["Anna"], "last": ["Doe"]}}` does not match Anna Smith + John Doe).
 * - Operators only look at leaves: a field whose value is an object or an empty array is absent,
 *   so `{"exists": false}` matches it and every other operator does not.
 * - `null` and `""` are values like any other and are not interchangeable.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html
 */
import { flattenEvent, mergeMemberships, NO_MEMBERSHIP, wantedPathsOf, type EventField, type Membership } from './flattenEvent.ts';
import { isPlainObject } from './jsonPath.ts';
import type { EventPattern, EventPredicate } from './types.ts';
import { compileSubRules, type SubRule } from './validatePattern.ts';

/**
 * Validates `pattern` once and returns a predicate that matches events against it. Use this where
 * one pattern meets many events (the bus matches every event against every rule).
 *
 * @param pattern - a parsed JSON event pattern
 * @throws {@link InvalidPatternError} when EventBridge would refuse the pattern
 * @example
 * ```ts
 * const isLanding = compilePattern({
 *   source: ['aws.s3'],
 *   'detail-type': ['Object Created'],
 *   detail: { object: { key: [{ prefix: 'incoming/' }] } },
 * });
 * if (isLanding(event)) await land(event);
 * ```
 */
export function compilePattern(pattern: unknown): EventPredicate {
  const subRules = compileSubRules(pattern);
  const wanted = wantedPathsOf(subRules.flatMap((rule) => rule.map((condition) => condition.path)));
  return (event: unknown): boolean => {
    // EventBridge events are JSON objects; anything else matches no pattern.
    if (!isPlainObject(event)) return false;
    const fields = flattenEvent(event, wanted);
    return subRules.some((rule) => matchesSubRule(rule, fields));
  };
}

/**
 * True when `event` matches `pattern`. Validates the pattern on every call: prefer
 * {@link compilePattern} for a pattern used more than once.
 *
 * @throws {@link InvalidPatternError} when EventBridge would refuse the pattern
 * @example
 * ```ts
 * matchesPattern({ detail: { state: [{ 'anything-but': 'initializing' }] } }, event);
 * ```
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  return compilePattern(pattern)(event);
}

const NO_FIELDS: readonly EventField[] = [];

/**
 * Searches for one event field per condition such that all chosen fields agree on the element of
 * every array they share; conditions satisfied by absence are checked last, against the final
 * choice, so "no such field in the chosen element" is what `{"exists": false}` means inside arrays.
 */
function matchesSubRule(rule: SubRule, fields: ReadonlyMap<string, readonly EventField[]>): boolean {
  const candidates = rule.map((condition) => {
    const { test } = condition;
    return test ? (fields.get(condition.path) ?? NO_FIELDS).filter((field) => test(field.value)) : NO_FIELDS;
  });
  if (rule.some((condition, i) => !condition.allowsAbsent && candidates[i]?.length === 0)) return false;

  const absentPaths: string[] = [];
  const search = (index: number, membership: Membership): boolean => {
    const condition = rule[index];
    if (condition === undefined) {
      return absentPaths.every((path) =>
        (fields.get(path) ?? NO_FIELDS).every((field) => mergeMemberships(membership, field.membership) === undefined),
      );
    }
    let triedWithoutMembership = false;
    for (const field of candidates[index] ?? NO_FIELDS) {
      if (field.membership.size === 0) {
        // Fields outside arrays of objects are interchangeable here: trying one is enough.
        if (triedWithoutMembership) continue;
        triedWithoutMembership = true;
      }
      const merged = mergeMemberships(membership, field.membership);
      if (merged !== undefined && search(index + 1, merged)) return true;
    }
    if (condition.allowsAbsent) {
      absentPaths.push(condition.path);
      const matched = search(index + 1, membership);
      absentPaths.pop();
      if (matched) return true;
    }
    return false;
  };
  return search(0, NO_MEMBERSHIP);
}
