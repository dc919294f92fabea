import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationIoError } from '../../validation/errors.ts';
import { hashAndInflate } from '../../validation/hashAndInflate.ts';
import { inspectFastq } from '../../validation/inspectFastq.ts';
import type { ValidationReason } from '../../validation/types.ts';
import { gz, reads, streamOf } from './fastqFixtures.ts';

// Large enough for many 512 KiB output chunks and several stored chunks, so both directions of the worker's
// flow control (stored bytes in, decompressed bytes out) are exercised.
const text = reads(30_000, { length: 100 });
const members = Buffer.concat([gz(text.slice(0, 1_000_000)), gz(text.slice(1_000_000))]);

function flipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0xff;
  return copy;
}

const cases = [
  { case: 'two valid members', bytes: members },
  { case: 'NUL padding after the last member', bytes: Buffer.concat([members, Buffer.alloc(64)]) },
  { case: 'trailing bytes that are not gzip', bytes: Buffer.concat([members, Buffer.from('this is not gzip')]) },
  { case: 'a truncated last member', bytes: members.subarray(0, members.length - 100) },
  { case: 'a wrong CRC-32 in the trailer', bytes: flipped(members, members.length - 8) },
  { case: 'a wrong length in the trailer', bytes: flipped(members, members.length - 4) },
];

const CHECKED_UP_TO = / \(FASTQ records were checked up to line (\d+), record (\d+)\)/;

/** A reason without where the records were checked up to (see the test below for that part). */
function unlocated(reason: ValidationReason) {
  const { line: _line, record: _record, ...rest } = reason;
  return { ...rest, message: rest.message.replace(CHECKED_UP_TO, '') };
}

describe('hashAndInflate in a worker thread (offThread)', () => {
  it.each(cases)('gives the same verdict as the main-thread pass for $case', async ({ bytes }) => {
    // Act
    const inThread = await inspectFastq(streamOf(bytes, 256 * 1024), 'S1_S1_L001_R1_001.fastq.gz', { sha256: true });
    const offThread = await inspectFastq(streamOf(bytes, 256 * 1024), 'S1_S1_L001_R1_001.fastq.gz', { sha256: true, offThread: true });

    // Assess: the same checksums and reasons. Where zlib failed, the main-thread pass loses the decompressed
    // chunks still buffered in its stream, the worker fewer of them (it hands them on at once): its counts and
    // its "checked up to line N" are never behind. Everywhere else the inspections are equal.
    const failedAt = (reason: ValidationReason) => CHECKED_UP_TO.exec(reason.message);
    if (!inThread.reasons.some(failedAt)) {
      expect(offThread).toEqual(inThread);
      return;
    }
    const { reads, bases, stats: _stats, reasons, ...stored } = offThread;
    expect(stored).toEqual({
      md5: inThread.md5,
      sha256: inThread.sha256,
      size: inThread.size,
      compressed: true,
      qualityEncoding: inThread.qualityEncoding,
    });
    expect(reasons.map(unlocated)).toEqual(inThread.reasons.map(unlocated));
    expect(reads).toBeGreaterThanOrEqual(inThread.reads);
    expect(bases).toBeGreaterThanOrEqual(inThread.bases);
    inThread.reasons.forEach((reason, index) => {
      const before = failedAt(reason);
      const after = failedAt(reasons[index]!);
      expect(after === null).toBe(before === null);
      if (before && after) expect(Number(after[1])).toBeGreaterThanOrEqual(Number(before[1]));
    });
  });

  it('finds every record of a valid file and the pass is valid', async () => {
    // Act
    const inspection = await inspectFastq(streamOf(members, 1 << 20), 'S1.fastq.gz', { offThread: true });

    // Assess
    expect(inspection).toMatchObject({ reads: 30_000, bases: 3_000_000, reasons: [] });
  });

  it('calls corrupt deflate data corrupt and says how far the records were checked', async () => {
    // Prepare: damage in the middle of the second member's compressed data.
    const bytes = flipped(members, members.length - 20_000);

    // Act
    const inspection = await inspectFastq(streamOf(bytes, 64 * 1024), 'S1.fastq.gz', { offThread: true });

    // Assess
    expect(inspection.reasons).toEqual([
      expect.objectContaining({
        code: expect.stringMatching(/^GZIP_(CORRUPT|CRC_MISMATCH)$/),
        message: expect.stringMatching(/checked up to line \d+, record \d+/),
      }),
    ]);
  });

  it('lets an error of the consumer through instead of calling the data corrupt', async () => {
    // Act
    const failure = await hashAndInflate(streamOf(members), {
      fileName: 'x.gz',
      offThread: true,
      onData: () => {
        throw new TypeError('bug in the scanner');
      },
    }).catch((error: unknown) => error);

    // Assess
    expect(failure).toEqual(new TypeError('bug in the scanner'));
  });

  it('turns a failing body into a ValidationIoError and stops the worker', async () => {
    // Prepare
    const body = Readable.from(
      (async function* () {
        for (let at = 0; at < 5; at++) yield members.subarray(at * 64 * 1024, (at + 1) * 64 * 1024);
        throw new Error('disk gone');
      })(),
      { objectMode: false },
    );

    // Act
    const failure = await hashAndInflate(body, { fileName: 'x.gz', offThread: true, onData: () => undefined }).catch(
      (error: unknown) => error,
    );

    // Assess
    expect(failure).toBeInstanceOf(ValidationIoError);
  });
});
