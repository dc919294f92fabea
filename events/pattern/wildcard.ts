/**
 * The `wildcard` operator: `*` matches any run of characters (including none); `\*` is a literal
 * asterisk and `\\` a literal backslash. EventBridge refuses consecutive wildcards (`**`) and a
 * backslash before anything else.
 * @internal
 */

/** A parsed wildcard: the literal pieces between the stars. */
export interface Wildcard {
  /** Literal text before the first `*`, between stars, and after the last `*`. */
  readonly pieces: readonly string[];
}

/** Parses a wildcard value, or returns a sentence saying what is wrong with it. */
export function parseWildcard(text: string): Wildcard | string {
  const pieces: string[] = [];
  let current = '';
  let lastWasStar = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '*') {
      if (lastWasStar) return `no consecutive wildcard characters ("**" at position ${i - 1})`;
      pieces.push(current);
      current = '';
      lastWasStar = true;
      continue;
    }
    lastWasStar = false;
    if (char === '\\') {
      const next = text[i + 1];
      if (next !== '*' && next !== '\\') {
        return `a backslash to escape only "*" or "\\" (${next === undefined ? 'a trailing backslash' : `"\\${next}"`} at position ${i})`;
      }
      current += next;
      i++;
      continue;
    }
    current += char;
  }
  pieces.push(current);
  return { pieces };
}

/**
 * True when `value` matches. Greedy matching of each literal piece at its leftmost position is
 * enough because `*` matches anything: it runs in O(value × pattern) without backtracking.
 */
export function matchWildcard(wildcard: Wildcard, value: string): boolean {
  const { pieces } = wildcard;
  const first = pieces[0] ?? '';
  if (pieces.length === 1) return value === first;
  const last = pieces[pieces.length - 1] ?? '';
  if (value.length < first.length + last.length) return false;
  if (!value.startsWith(first) || !value.endsWith(last)) return false;
  let position = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i] ?? '';
    const found = value.indexOf(piece, position);
    if (found < 0 || found + piece.length > end) return false;
    position = found + piece.length;
  }
  return true;
}
