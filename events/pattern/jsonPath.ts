/**
 * Helpers that make validation errors readable: JSON paths and short descriptions of values.
 * @internal
 */

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The JSON path of `key` (a field name or an array index) under `parent`. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** True for `{...}` objects; false for arrays, null, class instances such as Date or Map. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for "found ..." in error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array []' : `an array ${truncate(safeJson(value))}`;
  switch (typeof value) {
    case 'string':
      return `the string ${truncate(JSON.stringify(value))}`;
    case 'number':
      return Number.isFinite(value) ? `the number ${value}` : `the non-JSON number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      if (!isPlainObject(value)) return `a ${value.constructor?.name ?? 'non-plain'} object`;
      return Object.keys(value).length === 0 ? 'an empty object {}' : `the object ${truncate(safeJson(value))}`;
    default:
      return `a ${typeof value}`;
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
