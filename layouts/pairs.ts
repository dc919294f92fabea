import type { ReadLabel, ReadRole } from './types.ts';

/** What pairing needs to know of a file: its read label and role, lane and part (layouts/ gives all four). */
export interface PairableFile {
  label: ReadLabel;
  role: ReadRole;
  lane: number;
  part: number;
}

/** Mate 1 and mate 2 of one lane and part: read together, record by record. */
export interface MatePair<T> {
  mate1: T;
  mate2: T;
  lane: number;
  part: number;
}

/** A sample's files split into mate pairs, files read on their own, and mates whose partner is not there. */
export interface SamplePairing<T> {
  pairs: Array<MatePair<T>>;
  /** Single-end reads, UMI and index reads, and lone mates: each read on its own. */
  alone: T[];
  /** A mate whose partner (same lane and part) is missing: `missing` is the role that is not there. */
  loneMates: Array<{ file: T; missing: 'mate1' | 'mate2' }>;
}

/**
 * THE rule for which files of a sample are mates: the `mate1` and `mate2` roles (never labels: with a
 * UMI read, R1 pairs with R3) of the same lane and part. Index and UMI reads are never mates; a mate
 * without its partner is reported. Used by the landing validator, `landfall validate` and the steps.
 *
 * @example pairMates([{ label: 'R1', role: 'mate1', lane: 1, part: 1 }, { label: 'R3', role: 'mate2', lane: 1, part: 1 }]).pairs.length // 1
 */
export function pairMates<T extends PairableFile>(files: readonly T[]): SamplePairing<T> {
  const groups = new Map<string, { mate1: T[]; mate2: T[] }>();
  const alone: T[] = [];
  for (const file of files) {
    if (file.role !== 'mate1' && file.role !== 'mate2') {
      alone.push(file);
      continue;
    }
    const key = `${file.lane}/${file.part}`;
    const group = groups.get(key) ?? { mate1: [], mate2: [] };
    group[file.role].push(file);
    groups.set(key, group);
  }
  const pairs: Array<MatePair<T>> = [];
  const loneMates: SamplePairing<T>['loneMates'] = [];
  for (const { mate1, mate2 } of groups.values()) {
    const count = Math.min(mate1.length, mate2.length);
    for (let i = 0; i < count; i++) pairs.push({ mate1: mate1[i]!, mate2: mate2[i]!, lane: mate1[i]!.lane, part: mate1[i]!.part });
    for (const file of mate1.slice(count)) {
      alone.push(file);
      loneMates.push({ file, missing: 'mate2' });
    }
    for (const file of mate2.slice(count)) {
      alone.push(file);
      loneMates.push({ file, missing: 'mate1' });
    }
  }
  pairs.sort((a, b) => a.lane - b.lane || a.part - b.part);
  return { pairs, alone, loneMates };
}
