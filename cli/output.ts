/** Renders rows as an aligned plain-text table (no colours: output is often piped or logged). */
export function formatTable(headers: string[], rows: Array<Array<string | number | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))))];
  const widths = headers.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [line(cells[0]!), line(widths.map((width) => '-'.repeat(width))), ...cells.slice(1).map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Ends the process with `code` once stdout and stderr have handed every byte to the operating system.
 * `process.exit` drops writes still queued on a pipe (the OS takes 64 KiB at once), so a large `--json`
 * piped into another program would stop short; waiting here fixes that for every command. A reader that
 * went away (`| head`) ends the wait too: there is no one left to write to.
 */
export async function exitWhenFlushed(code: number): Promise<never> {
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

/** Resolves once everything written to `stream` so far was flushed (writes complete in order), or it failed. */
function flushed(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.destroyed || stream.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/**
 * Keeps a closed reader from crashing the command: output to a pipe whose reader exited (`| head -1`)
 * fails with EPIPE, which is the reader's choice, not an error of ours. Other errors are rethrown.
 */
export function toleratePipeReadersLeaving(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

export { counted, plural } from '../contracts/words.ts';

/**
 * A dollar estimate a person can read: cents from one cent up, else two significant digits ($0.00012), so a
 * small step never shows as `$0.0000` and a zero is `$0.00`.
 */
export function formatUsd(value: number): string {
  if (value === 0) return '$0.00';
  if (Math.abs(value) >= 0.01) return `$${value.toFixed(2)}`;
  return `$${Number(value.toPrecision(2))}`;
}

/** A duration as a person reads it: `45 s`, `12 min 05 s`, `3 h 07 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
