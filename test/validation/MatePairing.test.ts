import { describe, expect, it } from 'vitest';
import { MatePairing } from '../../validation/MatePairing.ts';

const name = (text: string) => Buffer.from(`@${text} 1:N:0`, 'latin1');
/** Adds the names to a side as its scanner would (the name without '@' and comment). */
function add(pairing: MatePairing, side: 0 | 1, names: string[]): void {
  const sink = pairing.sink(side);
  for (const text of names) sink.add(name(text), 1, 1 + text.length);
}
const names = (from: number, count: number) => Array.from({ length: count }, (_, i) => `read${from + i}`);

describe('MatePairing', () => {
  it('holds the side that runs ahead until its mate has caught up to half the limit', async () => {
    // Prepare
    const pairing = new MatePairing('R1.fq', 'R2.fq', { highWater: 10 });
    add(pairing, 0, names(0, 11));
    let released = false;

    // Act
    const gate = pairing.gate(0);
    void gate?.then(() => {
      released = true;
    });
    add(pairing, 1, names(0, 5));
    await Promise.resolve();
    const releasedEarly = released;
    add(pairing, 1, names(5, 1));
    await gate;

    // Assess
    expect(gate).toBeInstanceOf(Promise);
    expect(pairing.gate(1)).toBeUndefined();
    expect(releasedEarly).toBe(false);
    expect(released).toBe(true);
  });

  it('lets a waiting side go on when its mate ends, and names the first record without a mate', async () => {
    // Prepare
    const pairing = new MatePairing('R1.fq', 'R2.fq', { highWater: 2 });
    add(pairing, 0, names(0, 6));
    const gate = pairing.gate(0);

    // Act
    add(pairing, 1, names(0, 2));
    pairing.finish(1, { records: 2, reliable: true });
    await gate;
    pairing.finish(0, { records: 6, reliable: true });

    // Assess
    expect(pairing.reasons).toEqual([
      expect.objectContaining({
        file: 'R2.fq',
        record: 3,
        expected: '6 reads, as many as R1.fq',
        found: '2',
        message: expect.stringContaining('R1.fq record 3 (read2) has no mate in R2.fq'),
      }),
    ]);
  });

  it('reports only the first name mismatch, with both names', () => {
    // Prepare
    const pairing = new MatePairing('R1.fq', 'R2.fq');

    // Act
    add(pairing, 1, ['a', 'b', 'x', 'y']);
    add(pairing, 0, ['a', 'b', 'c', 'd']);
    pairing.finish(0, { records: 4, reliable: true });
    pairing.finish(1, { records: 4, reliable: true });

    // Assess
    expect(pairing.reasons).toEqual([
      expect.objectContaining({ file: 'R2.fq', record: 3, line: 9, expected: 'read name "c" (record 3 of R1.fq)', found: '"x"' }),
    ]);
  });

  it('grows its queue past its first buffer without losing names', () => {
    // Prepare: 40,000 names of 40 bytes pass the 1 MiB initial buffer and the 16,384-entry ring.
    const pairing = new MatePairing('R1.fq', 'R2.fq');
    const long = names(0, 40_000).map((text) => text.padEnd(40, 'x'));

    // Act
    add(pairing, 0, long);
    add(pairing, 1, long);
    pairing.finish(0, { records: long.length, reliable: true });
    pairing.finish(1, { records: long.length, reliable: true });

    // Assess
    expect(pairing.reasons).toEqual([]);
  });
});
