import type { RunInfo } from '../layouts/runInfo.ts';
import type { ReadRole } from '../layouts/types.ts';
import { reasonOf } from './rules.ts';
import type { ReadStats, ValidationReason } from './types.ts';

/** A sample's FASTQ as far as this check needs it: its read, role and measured statistics. */
export interface MateLengthFile {
  name: string;
  read: string;
  role?: ReadRole;
  stats?: ReadStats | null;
}

/**
 * A mate no longer than the run's index reads is not a mate. bcl2fastq's `--use-bases-mask Y151,I8,Y9,Y151`
 * (a UMI in the second index read) and `cellranger-atac mkfastq` (the cell barcode in i5) write that index read
 * as R2 and the real mate 2 as R3; RunInfo.xml still shows two data reads, so until an R3 of the run has landed
 * the sample's R1 and R2 look like a pair, match record for record, and would be aligned as one. Compared with
 * RunInfo.xml: when a mate's longest read is no longer than the longest index read and under half its cycles,
 * the sample is refused with what the data looks like and what to do (a later R3 makes a new version with the
 * files kept in quarantine). Adapter trimming never comes near this: demultiplexers keep trimmed reads at 35
 * bases or more, and a file's longest read is an untrimmed one.
 *
 * @example mateLengthReasons([{ name: 'A_S1_L001_R2_001.fastq.gz', read: 'R2', role: 'mate2', stats }], runInfo)
 */
export function mateLengthReasons(files: readonly MateLengthFile[], runInfo: Pick<RunInfo, 'reads'> | undefined): ValidationReason[] {
  if (!runInfo) return [];
  const indexCycles = Math.max(0, ...runInfo.reads.filter((read) => read.isIndexedRead).map((read) => read.cycles));
  const dataReads = runInfo.reads.filter((read) => !read.isIndexedRead);
  if (indexCycles === 0 || dataReads.length !== 2) return [];
  const reasons: ValidationReason[] = [];
  for (const [role, runRead] of [
    ['mate1', dataReads[0]!],
    ['mate2', dataReads[1]!],
  ] as const) {
    const measured = files.filter((file) => file.role === role && file.stats && file.stats.reads > 0);
    if (measured.length === 0) continue;
    const longest = Math.max(...measured.map((file) => file.stats!.maxLength));
    if (longest > indexCycles || longest * 2 >= runRead.cycles) continue;
    const file = measured.find((candidate) => candidate.stats!.maxLength === longest)!;
    reasons.push(
      reasonOf('MATE_READ_LENGTH', {
        file: file.name,
        expected: `reads of up to ${runRead.cycles} bases (RunInfo.xml read ${runRead.number}, mate ${role === 'mate1' ? 1 : 2})`,
        found: `reads of at most ${longest} bases, no longer than the run's index reads (${indexCycles} cycles)`,
        message:
          `${file.name} holds reads of at most ${longest} bases, but RunInfo.xml gives mate ${role === 'mate1' ? 1 : 2} ${runRead.cycles} cycles: ` +
          `it looks like an index or UMI read written as ${file.read} (bcl2fastq --use-bases-mask, cellranger mkfastq), whose mate is the next read (R3). ` +
          'If R3 is still being copied, the sample is validated again with it when it lands; otherwise upload the R3 files the demultiplexer wrote',
      }),
    );
  }
  return reasons;
}
