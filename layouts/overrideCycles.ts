/** What one read of an OverrideCycles string keeps: data (Y), index (I), UMI (U), or nothing (only N). */
export type CycleKind = 'data' | 'index' | 'umi' | 'skip';

/** One read of an OverrideCycles string (`Y151;I8U8;I8;Y151`). */
export interface OverrideRead {
  text: string;
  kind: CycleKind;
  cycles: number;
}

const OVERRIDE_READ = /^(?:[YNIU](?:\d+|\*)?)+$/i;

/**
 * Parses BCL Convert's OverrideCycles (one entry per RunInfo read, `;` between them; `Y` data cycles,
 * `I` index, `U` UMI, `N` skipped, each with a count) — bcl2fastq's `--use-bases-mask` uses the same
 * letters with `,`, which is accepted too. A read with any Y is a data read; an index read is one with I;
 * a read of only U (and N) is a UMI read; a read of only N writes nothing.
 *
 * @returns the reads, or undefined when the text is not an OverrideCycles string
 * @example parseOverrideCycles('Y151;I8U8;I8;Y151')?.map((read) => read.kind) // ['data', 'index', 'index', 'data']
 */
export function parseOverrideCycles(text: string): OverrideRead[] | undefined {
  const parts = text
    .trim()
    .split(/[;,]/)
    .map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => !OVERRIDE_READ.test(part))) return undefined;
  return parts.map((part) => {
    const letters = new Set(part.toUpperCase().replace(/[\d*]/g, ''));
    const cycles = [...part.matchAll(/\d+/g)].reduce((sum, match) => sum + Number(match[0]), 0);
    const kind: CycleKind = letters.has('Y') ? 'data' : letters.has('I') ? 'index' : letters.has('U') ? 'umi' : 'skip';
    return { text: part, kind, cycles };
  });
}
