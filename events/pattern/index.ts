/**
 * EventBridge event-pattern matching for the embedded runtime's in-process bus: the same rule
 * patterns that the stacks deploy to EventBridge decide, locally, which handlers an event reaches.
 *
 * @example
 * ```ts
 * import { compilePattern } from '../events/pattern/index.ts';
 *
 * const matches = compilePattern(rule.pattern); // throws InvalidPatternError if AWS would refuse it
 * for (const event of events) if (matches(event)) deliver(rule, event);
 * ```
 */
export { compilePattern, matchesPattern } from './matchPattern.ts';
export { validatePattern } from './validatePattern.ts';
export { InvalidPatternError, PatternError } from './errors.ts';
export type {
  AnythingButOperand,
  EventPattern,
  EventPredicate,
  ExactValue,
  MatchExpression,
  MatchValue,
  NumericOperand,
  StringOrIgnoreCase,
} from './types.ts';
