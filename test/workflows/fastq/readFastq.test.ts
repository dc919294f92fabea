import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastqError, FastqFormatError, FastqGzipError } from '../../../workflows/fastq/errors.ts';
import { FastqCursor, isGzipFile, readFastq, readFastqBatches } from '../../../workflows/fastq/readFastq.ts';

function fastqText(count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) text += `@read${i} 1:N:0:ACGT\n${'ACGTN'.repeat(1 + (i % 30))}\n+\n${'I5#?F'.repeat(1 + (i % 30))}\n`;
  return text;
}

async function collect(path: string, chunkSize?: number): Promise<string[]> {
  const names: string[] = [];
  for await (const record of readFastq(path, chunkSize === undefined ? {} : { chunkSize }))
    names.push(`${record.line}:${record.name}:${record.sequence.length}`);
  return names;
}

describe('Module: readFastq', () => {
  let dir: string;
  const text = fastqText(500);
  const expected = Array.from({ length: 500 }, (_, i) => `${4 * i + 1}:read${i} 1:N:0:ACGT:${5 * (1 + (i % 30))}`);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'landfall-readfastq-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('Function: readFastq', () => {
    it.each([
      { case: 'gzip', file: 'a.fastq.gz', bytes: () => gzipSync(text), chunkSize: undefined },
      { case: 'gzip, tiny chunks', file: 'b.fastq.gz', bytes: () => gzipSync(text), chunkSize: 97 },
      { case: 'plain text', file: 'c.fastq', bytes: () => Buffer.from(text), chunkSize: 101 },
      { case: 'plain text named .gz (content decides)', file: 'd.fastq.gz', bytes: () => Buffer.from(text), chunkSize: undefined },
      { case: 'gzip named .fastq (content decides)', file: 'e.fastq', bytes: () => gzipSync(text), chunkSize: undefined },
      {
        case: 'concatenated gzip members',
        file: 'f.fastq.gz',
        bytes: () => Buffer.concat([gzipSync(text.slice(0, text.indexOf('@read250'))), gzipSync(text.slice(text.indexOf('@read250')))]),
        chunkSize: 1000,
      },
    ])('reads $case', async ({ file, bytes, chunkSize }) => {
      // Prepare
      const path = join(dir, file);
      await writeFile(path, bytes());

      // Act
      const names = await collect(path, chunkSize);

      // Assess
      expect(names).toEqual(expected);
    });

    it('reads an empty file as no records', async () => {
      // Prepare
      const path = join(dir, 'empty.fastq.gz');
      await writeFile(path, gzipSync(''));

      // Act & Assess
      expect(await collect(path)).toEqual([]);
    });

    it('reports a truncated gzip stream with the file and the first unreadable line', async () => {
      // Prepare
      const path = join(dir, 'cut.fastq.gz');
      const gz = gzipSync(text);
      await writeFile(path, gz.subarray(0, Math.floor(gz.length / 2)));

      // Act
      const error = await collect(path, 4096).catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(FastqGzipError);
      const gzipError = error as FastqGzipError;
      expect(gzipError.file).toBe(path);
      expect(gzipError.line).toBeGreaterThan(1);
      expect(gzipError.message).toMatch(
        new RegExp(`^${path}:${gzipError.line}: expected more gzip data, found a corrupt or truncated gzip stream`),
      );
    });

    it('reports a FASTQ format error inside a gzip file with its line', async () => {
      // Prepare
      const path = join(dir, 'bad.fastq.gz');
      await writeFile(path, gzipSync(`${fastqText(3)}@x\nAC\n+\nI\n`));

      // Act
      const error = await collect(path).catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(FastqFormatError);
      expect((error as FastqFormatError).line).toBe(16);
    });

    it('reports a missing file naming it', async () => {
      // Prepare
      const path = join(dir, 'missing.fastq.gz');

      // Act
      const error = await collect(path).catch((err: unknown) => err);

      // Assess
      expect(error).toBeInstanceOf(FastqError);
      expect((error as Error).message).toContain(path);
    });

    it('can stop early', async () => {
      // Prepare
      const path = join(dir, 'early.fastq.gz');
      await writeFile(path, gzipSync(text));
      const seen: string[] = [];

      // Act
      for await (const record of readFastq(path, { chunkSize: 64 })) {
        seen.push(record.name);
        if (seen.length === 3) break;
      }

      // Assess
      expect(seen).toEqual(['read0 1:N:0:ACGT', 'read1 1:N:0:ACGT', 'read2 1:N:0:ACGT']);
    });
  });

  describe('Function: readFastqBatches', () => {
    it('yields every record once, in order, across batches', async () => {
      // Prepare
      const path = join(dir, 'batches.fastq.gz');
      await writeFile(path, gzipSync(text));
      let batches = 0;
      const lines: number[] = [];

      // Act
      for await (const batch of readFastqBatches(path, { chunkSize: 512 })) {
        batches++;
        for (const record of batch) lines.push(record.line);
      }

      // Assess
      expect(batches).toBeGreaterThan(1);
      expect(lines).toEqual(Array.from({ length: 500 }, (_, i) => 4 * i + 1));
    });
  });

  describe('Class: FastqCursor', () => {
    it('returns records one by one, then undefined, and counts them', async () => {
      // Prepare
      const path = join(dir, 'cursor.fastq.gz');
      await writeFile(path, gzipSync(text));
      const cursor = new FastqCursor(readFastqBatches(path, { chunkSize: 300 }));
      const names: string[] = [];

      // Act
      for (let record = await cursor.next(); record; record = await cursor.next()) names.push(record.name);

      // Assess
      expect(names).toHaveLength(500);
      expect(names[499]).toBe('read499 1:N:0:ACGT');
      expect(cursor.count).toBe(500);
      expect(await cursor.next()).toBeUndefined();
    });
  });

  describe('Function: isGzipFile', () => {
    it.each([
      { case: 'gzip', bytes: gzipSync('x'), expected: true },
      { case: 'text', bytes: Buffer.from('@r\nA\n+\nI\n'), expected: false },
      { case: 'one byte', bytes: Buffer.from([0x1f]), expected: false },
    ])('$case', async ({ bytes, expected }) => {
      // Prepare
      const path = join(dir, 'magic');
      await writeFile(path, bytes);

      // Act & Assess
      expect(await isGzipFile(path)).toBe(expected);
      expect((await readFile(path)).length).toBe(bytes.length);
    });
  });
});
