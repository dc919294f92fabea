/**
 * Static types of EventBridge event patterns. They help rule authors (`satisfies EventPattern`);
 * `validatePattern` is what enforces the rules at run time, because patterns also arrive as JSON.
 *
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html
 */

/** A JSON leaf: what an exact match compares against. */
export type ExactValue = string | number | boolean | null;

/** A plain string, or `{ "equals-ignore-case": "..." }` for case-insensitive prefix/suffix matching. */
export type StringOrIgnoreCase = string | { readonly 'equals-ignore-case': string };

/** The operand of `anything-but`. */
export type AnythingButOperand =
  | string
  | number
  | readonly string[]
  | readonly number[]
  | { readonly prefix: string | readonly string[] }
  | { readonly suffix: string | readonly string[] }
  | { readonly 'equals-ignore-case': string | readonly string[] }
  | { readonly wildcard: string | readonly string[] };

/** `[">", 0, "<=", 5]`, `["=", 3.018e2]`, `["<", 10]`: checked at run time, typed loosely. */
export type NumericOperand = readonly (string | number)[];

/** One comparison operator object inside a field's match array. */
export type MatchExpression =
  | { readonly prefix: StringOrIgnoreCase }
  | { readonly suffix: StringOrIgnoreCase }
  | { readonly 'equals-ignore-case': string }
  | { readonly 'anything-but': AnythingButOperand }
  | { readonly numeric: NumericOperand }
  | { readonly exists: boolean }
  | { readonly cidr: string }
  | { readonly wildcard: string };

/** One element of a field's match array: the array's elements are OR'ed. */
export type MatchValue = ExactValue | MatchExpression;

/**
 * An event pattern: field names map to a match array (a leaf), to a nested pattern (AND'ed), or,
 * for the key `$or`, to two or more alternative patterns.
 *
 * @example
 * ```ts
 * const objectCreated = {
 *   source: ['aws.s3'],
 *   'detail-type': ['Object Created'],
 *   detail: { object: { key: [{ prefix: 'incoming/' }] } },
 * } as const satisfies EventPattern;
 * ```
 */
export interface EventPattern {
  readonly [field: string]: readonly MatchValue[] | EventPattern | readonly EventPattern[];
}

/** Tells whether one event matches a compiled pattern; never throws for a JSON value. */
export type EventPredicate = (event: unknown) => boolean;
