import { RunInfoError } from './errors.ts';

/** One `<Read>` of RunInfo.xml, in sequencing order. */
export interface RunInfoRead {
  number: number;
  cycles: number;
  isIndexedRead: boolean;
}

/** What Landfall reads from RunInfo.xml: the reads in sequencing order and the flow cell's lane count. */
export interface RunInfo {
  runId?: string;
  flowcell?: string;
  instrument?: string;
  reads: RunInfoRead[];
  /** `<FlowcellLayout LaneCount="…">`. */
  laneCount?: number;
}

/** Attributes of one start tag, in any order, single or double quoted. */
function attributesOf(tag: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of tag.matchAll(/([A-Za-z_][\w.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes.set(match[1]!.toLowerCase(), match[2] ?? match[3] ?? '');
  }
  return attributes;
}

function textOf(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}\\b[^>]*>([^<]*)</${element}>`, 'i').exec(xml)?.[1]?.trim() || undefined;
}

/**
 * Parses an Illumina RunInfo.xml: `<Reads>` (each `<Read Number NumCycles IsIndexedRead/>`, attributes in
 * any order) and `<FlowcellLayout LaneCount>`. Only those elements are read, with a tolerant scanner: the
 * file is machine-written, and Landfall needs a handful of attributes, not a DOM.
 *
 * @throws RunInfoError when the file has no `<Reads>` with at least one well-formed `<Read>`
 * @example parseRunInfo('<RunInfo><Run><Reads><Read Number="1" NumCycles="151" IsIndexedRead="N"/></Reads><FlowcellLayout LaneCount="4"/></Run></RunInfo>')
 *   // { reads: [{ number: 1, cycles: 151, isIndexedRead: false }], laneCount: 4 }
 */
export function parseRunInfo(input: Buffer | string, file = 'RunInfo.xml'): RunInfo {
  const xml = (typeof input === 'string' ? input : input.toString('utf8')).replace(/^\uFEFF/, '');
  const readsBlock = /<Reads\b[^>]*>([\s\S]*?)<\/Reads>/i.exec(xml)?.[1];
  if (readsBlock === undefined)
    throw new RunInfoError('no <Reads> element (expected <Reads><Read Number=… NumCycles=… IsIndexedRead=…/>…)', file);
  const reads: RunInfoRead[] = [];
  for (const [tag] of readsBlock.matchAll(/<Read\b[^>]*>/gi)) {
    const attributes = attributesOf(tag);
    const number = Number(attributes.get('number'));
    const cycles = Number(attributes.get('numcycles'));
    const indexed = attributes.get('isindexedread');
    if (!Number.isInteger(number) || number < 1 || !Number.isInteger(cycles) || cycles < 0 || !/^[YN]$/i.test(indexed ?? '')) {
      throw new RunInfoError(`a <Read> without Number, NumCycles and IsIndexedRead="Y|N": ${tag}`, file);
    }
    reads.push({ number, cycles, isIndexedRead: indexed!.toUpperCase() === 'Y' });
  }
  if (reads.length === 0) throw new RunInfoError('<Reads> lists no <Read>', file);
  reads.sort((a, b) => a.number - b.number);
  const layoutTag = /<FlowcellLayout\b[^>]*>/i.exec(xml)?.[0];
  const laneCount = layoutTag ? Number(attributesOf(layoutTag).get('lanecount')) : Number.NaN;
  const runTag = /<Run\b[^>]*>/i.exec(xml)?.[0];
  const runId = runTag ? attributesOf(runTag).get('id') : undefined;
  const flowcell = textOf(xml, 'Flowcell');
  const instrument = textOf(xml, 'Instrument');
  return {
    ...(runId ? { runId } : {}),
    ...(flowcell ? { flowcell } : {}),
    ...(instrument ? { instrument } : {}),
    reads,
    ...(Number.isInteger(laneCount) && laneCount >= 1 ? { laneCount } : {}),
  };
}
