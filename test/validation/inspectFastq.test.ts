import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationIoError } from '../../validation/errors.ts';
import { inspectFastq, inspectPair } from '../../validation/inspectFastq.ts';
import { gz, reads, record, streamOf } from './fastqFixtures.ts';

const text = reads(50);
const good = gz(text);

describe('inspectFastq', () => {
  it.each([
    { case: 'in one chunk', size: 1 << 20 },
    { case: 'one byte at a time', size: 1 },
    { case: 'in 7-byte chunks', size: 7 },
  ])('gives the same checksums and statistics when the stored bytes arrive $case', async ({ size }) => {
    // Act
    const inspection = await inspectFastq(streamOf(good, size), 'S1_S1_L001_R1_001.fastq.gz', { sha256: true });

    // Assess
    expect(inspection).toMatchObject({
      md5: createHash('md5').update(good).digest('hex'),
      sha256: createHash('sha256').update(good).digest('hex'),
      size: good.length,
      compressed: true,
      reads: 50,
      bases: 1000,
      reasons: [],
    });
  });

  it('reads a plain FASTQ when the name does not say .gz', async () => {
    // Act
    const inspection = await inspectFastq(streamOf(Buffer.from(text), 100), 'S1.fastq');

    // Assess
    expect(inspection).toMatchObject({ compressed: false, reads: 50, reasons: [] });
  });

  it('rejects NUL bytes between members, which hide the members after them from zlib', async () => {
    // Prepare
    const first = gz(reads(2));
    const bytes = Buffer.concat([first, Buffer.alloc(4), gz(reads(2, { from: 2 }))]);

    // Act
    const inspection = await inspectFastq(streamOf(bytes), 'S1.fastq.gz');

    // Assess
    expect(inspection.reasons).toEqual([
      expect.objectContaining({
        expected: `end of file after the last gzip member (at byte ${first.length})`,
        found: `${bytes.length - first.length} trailing bytes that are not gzip (starting with NUL bytes)`,
      }),
    ]);
  });

  it('locates trailing garbage at the end of a larger file within a few hundred bytes', async () => {
    // Prepare
    const big = gz(reads(5000));
    const bytes = Buffer.concat([big, Buffer.from('this is not gzip')]);

    // Act
    const inspection = await inspectFastq(streamOf(bytes, 64 * 1024), 'S1.fastq.gz');

    // Assess
    const [reason] = inspection.reasons;
    const [, from, to] = /in bytes (\d+)–(\d+)/.exec(reason!.found!)!.map(Number) as [number, number, number];
    expect(from).toBeLessThanOrEqual(big.length);
    expect(to).toBe(bytes.length - 1);
    expect(to - from).toBeLessThan(300);
    expect(inspection.reasons).toHaveLength(1);
  });

  it('turns a failing body into a ValidationIoError naming the file', async () => {
    // Prepare
    const body = new Readable({
      read() {
        this.destroy(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
      },
    });

    // Act
    const failure = await inspectFastq(body, 'S1.fastq.gz').catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ValidationIoError);
    expect((failure as Error).message).toBe('cannot read S1.fastq.gz: permission denied');
  });
});

describe('inspectPair', () => {
  it('compares names record by record while the files are read at different speeds', async () => {
    // Prepare: R2 differs at record 400; a small queue makes the faster file wait for its mate.
    const r1 = gz(reads(600, { mate: 1 }));
    const r2 = gz(reads(399, { mate: 2 }) + record({ name: 'other 2:N:0:ACGT', sequence: 'ACGT' }) + reads(200, { mate: 2, from: 400 }));

    // Act
    const pair = await inspectPair(
      { body: streamOf(r1, 50_000), fileName: 'R1.fastq.gz' },
      { body: streamOf(r2, 97), fileName: 'R2.fastq.gz' },
      { pairQueueLimit: 8 },
    );

    // Assess
    expect(pair.r1.reads).toBe(600);
    expect(pair.r2.reads).toBe(600);
    expect(pair.reasons).toEqual([expect.objectContaining({ file: 'R2.fastq.gz', record: 400, line: 1597, found: '"other"' })]);
  });

  it('accepts mates whose names differ only in the comment', async () => {
    // Act
    const pair = await inspectPair(
      { body: streamOf(gz(reads(300, { mate: 1 })), 101), fileName: 'R1.fastq.gz' },
      { body: streamOf(gz(reads(300, { mate: 2 })), 13), fileName: 'R2.fastq.gz' },
      { pairQueueLimit: 4 },
    );

    // Assess
    expect([pair.reasons, pair.r1.reasons, pair.r2.reasons]).toEqual([[], [], []]);
  });

  it('does not add a count mismatch when a mate is itself broken', async () => {
    // Prepare
    const r2 = gz(reads(300, { mate: 2 }));

    // Act
    const pair = await inspectPair(
      { body: streamOf(gz(reads(300, { mate: 1 }))), fileName: 'R1.fastq.gz' },
      { body: streamOf(r2.subarray(0, r2.length - 100)), fileName: 'R2.fastq.gz' },
    );

    // Assess
    expect(pair.reasons).toEqual([]);
    expect(pair.r2.reasons).toEqual([expect.objectContaining({ found: `end of file after ${r2.length - 100} bytes` })]);
  });
});
