/**
 * Counted nouns for what people read (CLI, dashboard, messages, reasons): "1 file", "3 files", never "file(s)".
 * One helper for every layer (contracts/ is the lowest), so the CLI, the dashboard and the handlers say it alike.
 */

/** The noun for `count`: `noun` for exactly one, else `many` (irregular nouns pass their plural). */
export function plural(count: number, noun: string, many = `${noun}s`): string {
  return count === 1 ? noun : many;
}

/** "1 file", "3 files": the count with its noun. */
export function counted(count: number, noun: string, many = `${noun}s`): string {
  return `${count} ${plural(count, noun, many)}`;
}
