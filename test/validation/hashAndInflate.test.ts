import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashAndInflate } from '../../validation/hashAndInflate.ts';
import { gz, streamOf } from './fastqFixtures.ts';

describe('hashAndInflate', () => {
  it('hands over the decompressed bytes of every member, in order, and hashes the stored bytes', async () => {
    // Prepare
    const stored = Buffer.concat([gz('first member\n'), gz(''), gz('second member\n')]);
    const out: Buffer[] = [];

    // Act
    const pass = await hashAndInflate(streamOf(stored, 5), { fileName: 'x.gz', onData: (chunk) => out.push(chunk) });

    // Assess
    expect(Buffer.concat(out).toString()).toBe('first member\nsecond member\n');
    expect(pass).toEqual({
      md5: createHash('md5').update(stored).digest('hex'),
      size: stored.length,
      compressed: true,
      reasons: [],
      complete: true,
    });
  });

  it('passes a plain file through unchanged', async () => {
    // Prepare
    const out: Buffer[] = [];

    // Act
    const pass = await hashAndInflate(streamOf(Buffer.from('plain text\n'), 3), { fileName: 'x.txt', onData: (chunk) => out.push(chunk) });

    // Assess
    expect(Buffer.concat(out).toString()).toBe('plain text\n');
    expect(pass).toMatchObject({ compressed: false, reasons: [], complete: true });
  });

  it('rejects a gzip header with another compression method', async () => {
    // Prepare
    const stored = gz('x\n');
    stored[2] = 7;

    // Act
    const pass = await hashAndInflate(streamOf(stored), { fileName: 'x.gz', onData: () => undefined });

    // Assess
    expect(pass.reasons).toEqual([
      expect.objectContaining({ expected: 'gzip compression method 8 (deflate) in byte 3', found: 'method 7' }),
    ]);
  });

  it('lets an error of the consumer through instead of calling the data corrupt', async () => {
    // Act
    const failure = await hashAndInflate(streamOf(gz('x\n')), {
      fileName: 'x.gz',
      onData: () => {
        throw new TypeError('bug in the scanner');
      },
    }).catch((error: unknown) => error);

    // Assess
    expect(failure).toEqual(new TypeError('bug in the scanner'));
  });
});
