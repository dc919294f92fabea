import { describe, expect, it } from 'vitest';
import { mapLimit } from '../../../seams/storage/mapLimit.ts';

describe('mapLimit', () => {
  it('keeps input order with at most `limit` in flight', async () => {
    // Prepare
    let inFlight = 0;
    let most = 0;
    // Act
    const results = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, n * 3));
      inFlight--;
      return n * 10;
    });
    // Assess
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('after a failure starts nothing more, and throws the first error only once what was in flight has finished', async () => {
    // Prepare
    const started: number[] = [];
    let inFlight = 0;
    // Act
    const outcome = await mapLimit(
      Array.from({ length: 20 }, (_, i) => i),
      3,
      async (n) => {
        started.push(n);
        inFlight++;
        await new Promise((resolve) => setTimeout(resolve, n === 4 ? 1 : 20));
        inFlight--;
        if (n === 4) throw new Error('item 4 failed');
        return n;
      },
    ).catch((error: Error) => ({ error: error.message, inFlightAtThrow: inFlight }));
    // Assess
    expect(outcome).toEqual({ error: 'item 4 failed', inFlightAtThrow: 0 });
    expect(started.length).toBeLessThan(8);
  });
});
