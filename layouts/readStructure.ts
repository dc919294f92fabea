import { type CycleKind, parseOverrideCycles } from './overrideCycles.ts';
import type { RunInfo } from './runInfo.ts';
import type { SheetReads } from './sampleSheet.ts';
import type { ReadLabel, ReadRole, ReadSegment, ReadStructure } from './types.ts';

/** Everything a read structure may be decided from, strongest first. */
export interface ReadStructureInput {
  runInfo?: RunInfo;
  /** OverrideCycles of the sample's sheet row, else of the sheet's settings. */
  overrideCycles?: string;
  sheetReads?: SheetReads;
  /** The sheet asks for index-read FASTQs (`CreateFastqForIndexReads,1`). */
  createFastqForIndexReads?: boolean;
  /** Read labels of the run's landed FASTQs (samples and Undetermined): what the demultiplexer actually wrote. */
  labelsSeen: ReadonlySet<ReadLabel>;
}

interface Slot {
  kind: CycleKind;
  cycles?: number;
}

const DATA_LABELS: readonly ReadLabel[] = ['R1', 'R2', 'R3', 'R4'];
const INDEX_LABELS: readonly ReadLabel[] = ['I1', 'I2'];

/**
 * Decides which FASTQs (label and role) each sample of a run is written as: from RunInfo.xml when it
 * landed with the run, refined by OverrideCycles; else from the sheet (OverrideCycles, then `[Reads]`);
 * else from the labels of the files present. A missing `[Reads]` is never a problem. Data reads are
 * numbered R1, R2, … in sequencing order and index reads I1, I2, as bcl2fastq and BCL Convert name them;
 * the first and last data reads are the mates, a data read between them is a UMI or barcode read (10x,
 * `--use-bases-mask Y151,I8,Y9,Y151`: R1 mate1, R2 umi, R3 mate2), a lone data read is `single`.
 * When the files show data reads the source does not know of (a base mask turned an index read into a
 * data read), the files win: the run is not processed short of a read it has.
 *
 * @example resolveReadStructure({ labelsSeen: new Set(['R1', 'R2', 'R3', 'I1']) }).reads.map((r) => `${r.label}:${r.role}`)
 *   // ['R1:mate1', 'R2:umi', 'R3:mate2', 'I1:index1']
 */
export function resolveReadStructure(input: ReadStructureInput): ReadStructure {
  const override = input.overrideCycles ? parseOverrideCycles(input.overrideCycles) : undefined;
  let slots: Slot[] | undefined;
  let source: ReadStructure['source'] = 'files present';
  if (input.runInfo) {
    source = 'RunInfo.xml';
    slots = input.runInfo.reads.map((read, index) => {
      const refined = override && override.length === input.runInfo!.reads.length ? override[index] : undefined;
      const kind: CycleKind = refined
        ? read.isIndexedRead && refined.kind === 'umi'
          ? 'skip'
          : refined.kind
        : read.isIndexedRead
          ? 'index'
          : 'data';
      return { kind, cycles: refined && refined.kind !== 'skip' ? refined.cycles : read.cycles };
    });
  } else if (override) {
    source = 'OverrideCycles';
    slots = override.map((read) => ({ kind: read.kind, cycles: read.cycles }));
  } else if (input.sheetReads && input.sheetReads.read1Cycles !== undefined) {
    source = 'sample sheet [Reads]';
    const { read1Cycles, read2Cycles, index1Cycles, index2Cycles } = input.sheetReads;
    slots = [
      { kind: 'data', cycles: read1Cycles },
      ...(index1Cycles ? [{ kind: 'index' as const, cycles: index1Cycles }] : []),
      ...(index2Cycles ? [{ kind: 'index' as const, cycles: index2Cycles }] : []),
      ...(read2Cycles ? [{ kind: 'data' as const, cycles: read2Cycles }] : []),
    ];
  }

  const seenData = DATA_LABELS.filter((label) => input.labelsSeen.has(label));
  const dataSlots = slots?.filter((slot) => slot.kind === 'data' || slot.kind === 'umi') ?? [];
  if (!slots || seenData.length > dataSlots.length) {
    source = 'files present';
    const count = Math.max(1, DATA_LABELS.findLastIndex((label) => input.labelsSeen.has(label)) + 1);
    const indexCount = INDEX_LABELS.findLastIndex((label) => input.labelsSeen.has(label)) + 1;
    slots = [
      ...Array.from({ length: count }, () => ({ kind: 'data' as const })),
      ...Array.from({ length: indexCount }, () => ({ kind: 'index' as const })),
    ];
  }
  return { reads: segmentsOf(slots, input), source };
}

function segmentsOf(slots: Slot[], input: ReadStructureInput): ReadSegment[] {
  const written = slots.filter((slot) => slot.kind !== 'skip');
  const data = written.filter((slot) => slot.kind === 'data' || slot.kind === 'umi');
  const index = written.filter((slot) => slot.kind === 'index');
  const mates = data.filter((slot) => slot.kind === 'data');
  const first = mates[0];
  const last = mates.length > 1 ? mates[mates.length - 1] : undefined;
  const segments: ReadSegment[] = data.slice(0, DATA_LABELS.length).map((slot, position) => {
    const role: ReadRole = slot === first ? (last ? 'mate1' : 'single') : slot === last ? 'mate2' : 'umi';
    return { label: DATA_LABELS[position]!, role, ...(slot.cycles ? { cycles: slot.cycles } : {}) };
  });
  // A source that does not describe index reads (v1 [Reads], a v2 [Reads] without Index1Cycles) still has
  // the index FASTQs the demultiplexer wrote.
  const indexSlots: Array<Slot | undefined> = [...index];
  if (input.runInfo === undefined)
    for (const [position, label] of INDEX_LABELS.entries()) if (input.labelsSeen.has(label)) indexSlots[position] ??= { kind: 'index' };
  indexSlots.slice(0, INDEX_LABELS.length).forEach((slot, position) => {
    if (!slot) return;
    segments.push({
      label: INDEX_LABELS[position]!,
      role: position === 0 ? 'index1' : 'index2',
      ...(slot.cycles ? { cycles: slot.cycles } : {}),
      // Index FASTQs are expected of every sample and lane when the sheet asks for them, or once the run shows
      // one: the demultiplexer writes them for every sample or for none (bcl2fastq's
      // --create-fastq-for-index-reads is run-wide), so a sample without its own must wait for it, not be
      // processed and then re-run when it lands. Otherwise none is waited for.
      ...(input.createFastqForIndexReads === true || input.labelsSeen.has(INDEX_LABELS[position]!) ? {} : { optional: true }),
    });
  });
  return segments;
}
