import { describe, expect, it } from 'vitest';
import { PutEventsValidationError } from '../../../runtime/bus/errors.ts';
import { assertPutEventsSize, PUT_EVENTS_MAX_BYTES, putEventsEntrySize } from '../../../runtime/bus/putEventsSize.ts';
import type { BusEvent } from '../../../seams/events/EventPublisher.ts';

const base: BusEvent = { source: 'landfall', 'detail-type': 'Sample Landed', detail: {} };

/** An event whose PutEvents entry is exactly `size` bytes: `{"pad":"x…"}` fills what source and detail-type leave. */
function eventOfSize(size: number, detailType = 'Sample Landed'): BusEvent {
  const fixed = putEventsEntrySize({ ...base, 'detail-type': detailType, detail: { pad: '' } });
  return { ...base, 'detail-type': detailType, detail: { pad: 'x'.repeat(size - fixed) } };
}

describe('putEventsSize', () => {
  describe('Function: putEventsEntrySize', () => {
    it.each([
      { case: 'source, detail-type and the detail JSON', event: base, size: 8 + 13 + 2 },
      { case: 'Time counts 14 bytes, whatever its text', event: { ...base, time: '2026-01-29T10:00:00.000Z' }, size: 23 + 14 },
      { case: 'each resource counts its bytes', event: { ...base, resources: ['arn:a', 'arn:bc'] }, size: 23 + 5 + 6 },
      { case: 'UTF-8 bytes, not characters', event: { ...base, detail: { name: 'é' } }, size: 23 - 2 + '{"name":"é"}'.length + 1 },
      {
        case: 'the envelope EventBridge adds does not count',
        event: { ...base, id: 'x', account: '1', region: 'r', version: '0' },
        size: 23,
      },
    ])('counts $case', ({ event, size }) => {
      // Act
      const counted = putEventsEntrySize(structuredClone(event));
      // Assess
      expect(counted).toBe(size);
    });
  });

  describe('Function: assertPutEventsSize', () => {
    it('accepts an entry of exactly the limit', () => {
      // Prepare
      const event = eventOfSize(PUT_EVENTS_MAX_BYTES);
      // Act & Assess
      expect(putEventsEntrySize(event)).toBe(1_048_576);
      expect(() => assertPutEventsSize([event])).not.toThrow();
    });

    it('refuses an entry one byte over, as ValidationException naming the detail-type, the size and the limit', () => {
      // Prepare
      const event = eventOfSize(PUT_EVENTS_MAX_BYTES + 1, 'Sample Cataloged');
      // Act
      const refused = (() => {
        try {
          assertPutEventsSize([event]);
        } catch (error) {
          return error;
        }
      })();
      // Assess
      expect(refused).toBeInstanceOf(PutEventsValidationError);
      expect(refused).toMatchObject({ name: 'ValidationException', detailType: 'Sample Cataloged', size: 1_048_577, limit: 1_048_576 });
      expect((refused as Error).message).toMatch(/^Total size of the entries in the request is over the limit: /);
      expect((refused as Error).message).toContain('"Sample Cataloged"');
      expect((refused as Error).message).toContain('1,048,577 bytes');
      expect((refused as Error).message).toContain('1,048,576 bytes (1 MB)');
    });

    it.each([
      {
        case: 'ten entries that add up to the limit pass',
        sizes: [...Array(9).fill(100_000), PUT_EVENTS_MAX_BYTES - 900_000],
        refused: false,
      },
      { case: 'ten entries each under it that add up to over it are refused', sizes: Array(10).fill(110_000), refused: true },
      { case: 'an eleventh entry starts the next request', sizes: [...Array(10).fill(100_000), PUT_EVENTS_MAX_BYTES], refused: false },
    ])('counts a request of up to ten entries together: $case', ({ sizes, refused }) => {
      // Prepare
      const events = sizes.map((size) => eventOfSize(size));
      const act = () => assertPutEventsSize(events);
      // Act & Assess
      if (refused) expect(act).toThrow(/events 1–10 of this publish, one PutEvents request, add up to 1,100,000 bytes/);
      else expect(act).not.toThrow();
    });
  });
});
