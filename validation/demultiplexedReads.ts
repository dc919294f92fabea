import type { DemultiplexStats } from '../layouts/demultiplexStats.ts';
import { ALL_LANES } from '../layouts/types.ts';
import { reasonOf } from './rules.ts';
import type { ValidationReason } from './types.ts';

/** What the run's demultiplexer report says it wrote for one sample: reads per lane (BCL Convert's `# Reads`). */
export interface DemultiplexedReads {
  /** The report's path in the run folder (`Reports/Demultiplex_Stats.csv`, `Analysis/1/Data/Demux/…`). */
  source: string;
  sampleId: string;
  /** Lane → reads; every FASTQ of the sample in that lane holds this many records. */
  lanes: Record<string, number>;
}

/** What `report` says the demultiplexer wrote for `sampleId`, undefined when there is no report or it lists no such sample. */
export function demultiplexedReadsOf(report: DemultiplexStats | undefined, sampleId: string): DemultiplexedReads | undefined {
  const counted = report?.reads.get(sampleId);
  return report && counted ? { source: report.source, sampleId, lanes: Object.fromEntries(counted) } : undefined;
}

/** A sample's FASTQ as this check needs it: its read label, lane, part and measured record count. */
export interface CountedFile {
  name: string;
  read: string;
  lane: number;
  part?: number;
  reads?: number;
}

/**
 * Each of a sample's FASTQs holds as many records as the demultiplexer says it wrote for that sample and lane
 * (all lanes summed for a file without lane splitting; the parts of one lane and read summed). Gzip's own checks
 * cannot see a file that ends where one gzip member ends — cut short by a copy, or taken while the
 * conversion was still writing it — nor FASTQs from another conversion of the run: its records are whole,
 * only fewer (or other) than the conversion made. A lane the report gives the sample reads in, of which it has no
 * FASTQ, is refused too. Lanes and samples the report does not list are not counted.
 *
 * @example demultiplexedReadReasons(files, { source: 'Reports/Demultiplex_Stats.csv', sampleId: 'S1', lanes: { 1: 1200 } })
 */
export function demultiplexedReadReasons(files: readonly CountedFile[], counted: DemultiplexedReads | undefined): ValidationReason[] {
  if (!counted) return [];
  const groups = new Map<string, CountedFile[]>();
  for (const file of files) {
    if (file.reads === undefined) continue;
    const key = `${file.read}\u0000${file.lane}`;
    groups.set(key, [...(groups.get(key) ?? []), file]);
  }
  const reasons: ValidationReason[] = [];
  const lanes = Object.entries(counted.lanes);
  // A lane the report gives the sample reads in, of which it has no FASTQ at all (lane-split files only).
  if (files.every((file) => file.lane !== ALL_LANES))
    for (const read of new Set(files.map((file) => file.read)))
      for (const [lane, reads] of lanes) {
        if (reads === 0 || groups.has(`${read}\u0000${lane}`)) continue;
        const first = files.find((file) => file.read === read)!;
        reasons.push(
          reasonOf('DEMUX_READ_COUNT', {
            file: first.name,
            expected: `${reads} reads of ${read} in lane ${lane} (${counted.source}: ${counted.sampleId} in lane ${lane})`,
            found: `no ${read} FASTQ of lane ${lane}`,
            message: `${counted.sampleId} has no ${read} FASTQ of lane ${lane}, where ${counted.source} says the demultiplexer wrote ${reads} reads for it: the lane is missing (still being copied, or left out); copy it into the run folder`,
          }),
        );
      }
  for (const group of groups.values()) {
    const [first] = group.sort((a, b) => (a.part ?? 1) - (b.part ?? 1)) as [CountedFile];
    const expected = first.lane === ALL_LANES ? lanes.reduce((sum, [, reads]) => sum + reads, 0) : counted.lanes[String(first.lane)];
    if (expected === undefined || (first.lane === ALL_LANES && lanes.length === 0)) continue;
    const found = group.reduce((sum, file) => sum + file.reads!, 0);
    if (found === expected) continue;
    const where = first.lane === ALL_LANES ? 'over all lanes' : `in lane ${first.lane}`;
    const files = group.length === 1 ? first.name : `${first.name} and ${group.length - 1} more part${group.length > 2 ? 's' : ''}`;
    reasons.push(
      reasonOf('DEMUX_READ_COUNT', {
        file: first.name,
        expected: `${expected} reads (${counted.source}: ${counted.sampleId} ${where})`,
        found: `${found} reads`,
        message:
          `${files} ${group.length === 1 ? 'holds' : 'hold'} ${found} reads of ${first.read}, but ${counted.source} says the demultiplexer wrote ${expected} for ${counted.sampleId} ${where}: ` +
          (found < expected
            ? 'the file is cut short (a copy interrupted, or taken before the conversion finished writing it); copy it again from the demultiplexer output'
            : 'the file holds reads of another conversion than the report; copy the FASTQs and the report of one conversion'),
      }),
    );
  }
  return reasons;
}
