import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FastqError } from '../../../workflows/fastq/errors.ts';
import { FastqParser, type FastqRecord } from '../../../workflows/fastq/FastqParser.ts';
import { FastqWriter } from '../../../workflows/fastq/FastqWriter.ts';

describe('Class: FastqWriter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'landfall-writer-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes gzip that decompresses to exactly the text it was parsed from (bytes above 0x7f included)', async () => {
    // Prepare
    let text = '';
    for (let i = 0; i < 4000; i++) text += `@r${i} 1:N:0:ACGT caf\u00e9\n${'ACGT'.repeat(40)}\n+r${i}\n${'F:,#'.repeat(40)}\n`;
    const records: FastqRecord[] = [];
    const parser = new FastqParser('in');
    parser.push(Buffer.from(text, 'utf8').toString('latin1'), records);
    parser.end(records);
    const path = join(dir, 'out.fastq.gz');
    const writer = new FastqWriter(path);

    // Act
    for (const record of records) await writer.write(record);
    const summary = await writer.close();

    // Assess
    const written = gunzipSync(await readFile(path));
    expect(written.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(summary).toEqual({ path, records: 4000, bytes: written.length });
  });

  it('writes the same bytes for the same records (no timestamp in the gzip header)', async () => {
    // Prepare
    const record = { name: 'a', sequence: 'ACGT', plus: '', quality: 'IIII' };
    const paths = [join(dir, 'x.fastq.gz'), join(dir, 'y.fastq.gz')];

    // Act
    for (const path of paths) {
      const writer = new FastqWriter(path);
      await writer.write(record);
      await writer.close();
    }

    // Assess
    const [x, y] = await Promise.all(paths.map((path) => readFile(path)));
    expect(x!.equals(y!)).toBe(true);
  });

  it('fails on close with the file named when the file cannot be created', async () => {
    // Prepare
    const path = join(dir, 'no-such-dir', 'out.fastq.gz');
    const writer = new FastqWriter(path);
    await writer.write({ name: 'a', sequence: 'A', plus: '', quality: 'I' });

    // Act
    const error = await writer.close().catch((err: unknown) => err);

    // Assess
    expect(error).toBeInstanceOf(FastqError);
    expect((error as Error).message).toContain(path);
  });
});
