import { describe, expect, it } from 'vitest';
import { type PairableFile, pairMates } from '../../layouts/pairs.ts';

const file = (label: PairableFile['label'], role: PairableFile['role'], lane = 1, part = 1) => ({
  label,
  role,
  lane,
  part,
  name: `${label}-L${lane}-${part}`,
});
const names = (files: Array<{ name: string }>) => files.map((f) => f.name);

describe('pairMates', () => {
  it.each([
    {
      case: 'paired, two lanes: one pair per lane',
      files: [file('R1', 'mate1', 2), file('R2', 'mate2', 2), file('R1', 'mate1', 1), file('R2', 'mate2', 1)],
      pairs: [
        ['R1-L1-1', 'R2-L1-1'],
        ['R1-L2-1', 'R2-L2-1'],
      ],
      alone: [],
      lone: [],
    },
    {
      case: 'a UMI read: R1 pairs with R3, R2 and I1 stand alone',
      files: [file('R1', 'mate1'), file('R2', 'umi'), file('R3', 'mate2'), file('I1', 'index1')],
      pairs: [['R1-L1-1', 'R3-L1-1']],
      alone: ['R2-L1-1', 'I1-L1-1'],
      lone: [],
    },
    {
      case: 'single-end: nothing paired',
      files: [file('R1', 'single', 1), file('R1', 'single', 2)],
      pairs: [],
      alone: ['R1-L1-1', 'R1-L2-1'],
      lone: [],
    },
    {
      case: 'CASAVA chunks: parts pair with parts',
      files: [file('R1', 'mate1', 1, 1), file('R1', 'mate1', 1, 2), file('R2', 'mate2', 1, 2), file('R2', 'mate2', 1, 1)],
      pairs: [
        ['R1-L1-1', 'R2-L1-1'],
        ['R1-L1-2', 'R2-L1-2'],
      ],
      alone: [],
      lone: [],
    },
    {
      case: 'a mate 2 missing in lane 2',
      files: [file('R1', 'mate1', 1), file('R2', 'mate2', 1), file('R1', 'mate1', 2)],
      pairs: [['R1-L1-1', 'R2-L1-1']],
      alone: ['R1-L2-1'],
      lone: [['R1-L2-1', 'mate2']],
    },
  ])('$case', ({ files, pairs, alone, lone }) => {
    // Act
    const pairing = pairMates(files);
    // Assess
    expect(pairing.pairs.map((pair) => [pair.mate1.name, pair.mate2.name])).toEqual(pairs);
    expect(names(pairing.alone)).toEqual(alone);
    expect(pairing.loneMates.map((entry) => [entry.file.name, entry.missing])).toEqual(lone);
  });
});
