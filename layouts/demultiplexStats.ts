import { LayoutError } from './errors.ts';
import { splitCsvLine } from './sampleSheet.ts';

/** What BCL Convert's `Demultiplex_Stats.csv` says it wrote: reads per sample and lane (index rows summed). */
export interface DemultiplexStats {
  /** The report's path inside the run folder, named in reasons. */
  source: string;
  /** Sample_ID → lane → passing-filter reads assigned to it (each of its FASTQs of that lane holds as many records). */
  reads: Map<string, Map<number, number>>;
}

/** A `Demultiplex_Stats.csv` that cannot be read; says which line and what was expected. */
export class DemultiplexStatsError extends LayoutError {
  constructor(source: string, message: string, line?: number) {
    super(`${source}${line ? ` line ${line}` : ''}: ${message}`);
    this.name = 'DemultiplexStatsError';
  }
}

/**
 * Parses BCL Convert's `Reports/Demultiplex_Stats.csv` ("the number of passing filter reads that are assigned
 * to each sample", one row per lane, sample and index: `Lane,SampleID,Index,# Reads,…`; BCL Convert 4 adds a
 * Sample_Project column, so columns are found by name). A sample on several index rows (10x) is summed per lane.
 *
 * @throws DemultiplexStatsError naming the line when a column is missing or a count is not a whole number
 * @example parseDemultiplexStats('Reports/Demultiplex_Stats.csv', 'Lane,SampleID,Index,# Reads\n1,S1,ACGT,120\n').reads.get('S1')?.get(1) // 120
 */
export function parseDemultiplexStats(source: string, text: string): DemultiplexStats {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((cell) => cell.trim());
  const column = (name: string) => {
    const at = header.indexOf(name);
    if (at < 0) throw new DemultiplexStatsError(source, `expected a header with Lane, SampleID and # Reads, found "${lines[0] ?? ''}"`, 1);
    return at;
  };
  const [lane, sample, count] = [column('Lane'), column('SampleID'), column('# Reads')];
  const reads = new Map<string, Map<number, number>>();
  for (const [index, line] of lines.entries()) {
    if (index === 0 || line.trim() === '') continue;
    const cells = splitCsvLine(line).map((cell) => cell.trim());
    const laneNumber = Number(cells[lane]);
    const readCount = Number(cells[count]);
    if (!Number.isInteger(laneNumber) || !Number.isSafeInteger(readCount) || readCount < 0)
      throw new DemultiplexStatsError(source, `expected a lane number and a whole # Reads, found "${line}"`, index + 1);
    const byLane = reads.get(cells[sample]!) ?? new Map<number, number>();
    byLane.set(laneNumber, (byLane.get(laneNumber) ?? 0) + readCount);
    reads.set(cells[sample]!, byLane);
  }
  return { source, reads };
}
