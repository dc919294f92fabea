/**
 * Flattens an event into leaf fields, the way EventBridge's engine sees it: each leaf has a
 * dot-joined path and records which element of each enclosing array of objects it came from.
 * That record ("array membership") lets the matcher refuse to combine fields taken from
 * different elements of the same array.
 * @see https://github.com/aws/event-ruler#json-array-matching
 * @internal
 */
import type { LeafValue } from './compileMatchValue.ts';

/** Array id → element index, for every array of objects (or arrays) a leaf sits in. */
export type Membership = ReadonlyMap<number, number>;

/** One leaf value of the event. */
export interface EventField {
  readonly value: LeafValue;
  readonly membership: Membership;
}

/** The paths a pattern can look at: flattening skips every other part of the event. */
export interface WantedPaths {
  /** Every dot-joined path that is, or leads to, a field of the pattern. */
  readonly prefixes: ReadonlySet<string>;
  /** The dot-joined paths of the pattern's fields. */
  readonly leaves: ReadonlySet<string>;
}

export const NO_MEMBERSHIP: Membership = new Map();

/** The wanted leaves of `event`, grouped by path. */
export function flattenEvent(event: Readonly<Record<string, unknown>>, wanted: WantedPaths): Map<string, EventField[]> {
  const fields = new Map<string, EventField[]>();
  let nextArrayId = 0;

  const addLeaf = (path: string, value: LeafValue, membership: Membership): void => {
    if (!wanted.leaves.has(path)) return;
    const list = fields.get(path);
    if (list) list.push({ value, membership });
    else fields.set(path, [{ value, membership }]);
  };

  const visitObject = (object: Readonly<Record<string, unknown>>, path: string, membership: Membership): void => {
    for (const key of Object.keys(object)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (wanted.prefixes.has(childPath)) visitValue(object[key], childPath, membership);
    }
  };

  const visitArray = (array: readonly unknown[], path: string, membership: Membership): void => {
    const arrayId = nextArrayId++;
    array.forEach((element, index) => {
      if (typeof element === 'object' && element !== null) {
        visitValue(element, path, new Map(membership).set(arrayId, index));
      } else {
        // Leaves of one array are alternatives for the same field: no membership needed.
        visitValue(element, path, membership);
      }
    });
  };

  const visitValue = (value: unknown, path: string, membership: Membership): void => {
    if (Array.isArray(value)) visitArray(value, path, membership);
    else if (typeof value === 'object' && value !== null) visitObject(value as Record<string, unknown>, path, membership);
    else if (isLeaf(value)) addLeaf(path, value, membership);
    // undefined, functions, symbols and bigints are not JSON: such fields do not exist for a pattern.
  };

  visitObject(event, '', NO_MEMBERSHIP);
  return fields;
}

function isLeaf(value: unknown): value is LeafValue {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** The union of two memberships, or undefined when they disagree on an array's element. */
export function mergeMemberships(a: Membership, b: Membership): Membership | undefined {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  let merged: Map<number, number> | undefined;
  for (const [arrayId, index] of b) {
    const existing = a.get(arrayId);
    if (existing === undefined) {
      merged ??= new Map(a);
      merged.set(arrayId, index);
    } else if (existing !== index) {
      return undefined;
    }
  }
  return merged ?? a;
}

/** The wanted paths of a set of dot-joined field paths. */
export function wantedPathsOf(fieldPaths: Iterable<string>): WantedPaths {
  const prefixes = new Set<string>();
  const leaves = new Set<string>();
  for (const path of fieldPaths) {
    leaves.add(path);
    const steps = path.split('.');
    for (let i = 1; i <= steps.length; i++) prefixes.add(steps.slice(0, i).join('.'));
  }
  return { prefixes, leaves };
}
