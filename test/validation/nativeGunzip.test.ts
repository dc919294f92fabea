import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NativeGunzipInconclusive } from '../../validation/errors.ts';
import { hashAndInflate } from '../../validation/hashAndInflate.ts';
import { nativeGunzipAvailable } from '../../validation/nativeFirst.ts';
import { fastqPassCount, inspectPair } from '../../validation/inspectFastq.ts';
import { FolderStorage } from '../../seams/storage/FolderStorage.ts';
import { fileVerdictOf } from '../../validation/fileVerdict.ts';
import { inspectLocalFastq } from '../../validation/validateFile.ts';
import { gz, reads, record, streamOf } from './fastqFixtures.ts';

/** The size a pass is told the file has: large enough for igzip (the real files here are a few MB). */
const LARGE = 64 * 1024 * 1024;

const hasIgzip = spawnSync('igzip', ['--version']).status === 0;
if (!hasIgzip) {
  process.stderr.write('SKIPPED the igzip validation tests: igzip is not on PATH (apt-get install isal; .ci/run does this)\n');
}

// Many 512 KiB output chunks and several stored chunks: the worker's flow control in both directions.
const text = reads(30_000, { length: 100 });
const members = Buffer.concat([gz(text.slice(0, 1_000_000)), gz(text.slice(1_000_000))]);

/** BGZF as samtools and BCL Convert write it: members of ≤ 64 KiB with a `BC` extra field, then the EOF block. */
function bgzf(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 60_000) {
    const slice = data.subarray(at, at + 60_000);
    const deflated = deflateRawSync(slice);
    const header = Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 6, 0, 0x42, 0x43, 2, 0, 0, 0]);
    header.writeUInt16LE(header.length + deflated.length + 8 - 1, 16);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(crc32(slice), 0);
    trailer.writeUInt32LE(slice.length, 4);
    blocks.push(header, deflated, trailer);
  }
  const eof = Buffer.from('1f8b08040000000000ff0600424302001b0003000000000000000000', 'hex');
  return Buffer.concat([...blocks, eof]);
}

function flipped(bytes: Buffer, at: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0xff;
  return copy;
}

const good = [
  { case: 'one member', bytes: gz(text) },
  { case: 'two members', bytes: members },
  { case: 'BGZF blocks and the EOF block', bytes: bgzf(Buffer.from(text, 'latin1')) },
  { case: 'an empty member between two', bytes: Buffer.concat([gz(text.slice(0, 500_000)), gz(''), gz(text.slice(500_000))]) },
  // Bad FASTQ in good gzip: igzip decides the gzip, the scanner the records, as with zlib.
  { case: 'a record with a short quality line', bytes: gz(text + record({ name: 'broken', sequence: 'ACGT', quality: 'II' })) },
];

const bad = [
  { case: 'NUL padding after the last member', bytes: Buffer.concat([members, Buffer.alloc(64)]) },
  { case: 'trailing bytes that are not gzip', bytes: Buffer.concat([members, Buffer.from('this is not gzip')]) },
  { case: 'a lone gzip magic after the last member', bytes: Buffer.concat([members, Buffer.from([0x1f, 0x8b])]) },
  { case: 'a truncated last member', bytes: members.subarray(0, members.length - 100) },
  { case: 'a file cut at the end of its first member', bytes: members.subarray(0, gz(text.slice(0, 1_000_000)).length - 8) },
  { case: 'a wrong CRC-32 in the trailer', bytes: flipped(members, members.length - 8) },
  { case: 'a wrong length in the trailer', bytes: flipped(members, members.length - 4) },
  { case: 'corrupt deflate data', bytes: flipped(members, members.length - 20_000) },
];

describe.skipIf(!hasIgzip)('validating a large local FASTQ with igzip (validation/nativeFeed.mjs)', () => {
  let folder: string;
  let calls: string;
  const before = process.env.LANDFALL_IGZIP;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'landfall-igzip-'));
    // igzip through a wrapper that notes each start, so the test knows igzip ran (and how often).
    calls = join(folder, 'calls.log');
    const wrapper = join(folder, 'igzip');
    await writeFile(wrapper, `#!/bin/sh\necho run >> '${calls}'\nexec igzip "$@"\n`);
    await chmod(wrapper, 0o755);
    process.env.LANDFALL_IGZIP = wrapper;
  });
  afterEach(async () => {
    process.env.LANDFALL_IGZIP = join(folder, 'igzip');
    await rm(calls, { force: true });
  });
  afterAll(async () => {
    if (before === undefined) delete process.env.LANDFALL_IGZIP;
    else process.env.LANDFALL_IGZIP = before;
    await rm(folder, { recursive: true, force: true });
  });

  const igzipStarts = async () => (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  async function bothWays(name: string, bytes: Buffer) {
    const path = join(folder, name);
    await writeFile(path, bytes);
    const passes = fastqPassCount();
    const native = await inspectLocalFastq(path, name, { sha256: true }, LARGE);
    const nativePasses = fastqPassCount() - passes;
    const starts = await igzipStarts();
    process.env.LANDFALL_IGZIP = 'off';
    const zlib = await inspectLocalFastq(path, name, { sha256: true }, LARGE);
    return { native, zlib, nativePasses, starts };
  }

  it.each(good)('gives the verdict of the zlib pass in one read of $case', async ({ bytes }) => {
    // Act
    const { native, zlib, nativePasses, starts } = await bothWays('S1_S1_L001_R1_001.fastq.gz', bytes);

    // Assess: igzip ran once and its pass was the only one; everything it found is what zlib finds.
    expect(starts).toBe(1);
    expect(nativePasses).toBe(1);
    expect(native).toEqual(zlib);
  });

  // gzip as real tools write it: htslib's bgzip (BGZF, as samtools and many demultiplexers write), fastp's own
  // writer (the dna-align pipeline's trimmed reads), GNU gzip and igzip itself.
  const tools = [
    { tool: 'bgzip', compress: (plain: string) => execFileSync('bgzip', ['-c', plain]) },
    { tool: 'fastp', compress: (plain: string) => viaFastp(plain) },
    { tool: 'gzip', compress: (plain: string) => execFileSync('gzip', ['-c', plain]) },
    { tool: 'igzip', compress: (plain: string) => execFileSync('igzip', ['-c', plain]) },
  ].map((entry) => ({ ...entry, missing: spawnSync('sh', ['-c', `command -v ${entry.tool}`]).status !== 0 }));
  for (const { tool } of tools.filter((entry) => entry.missing)) {
    process.stderr.write(`SKIPPED the igzip test on ${tool}'s output: ${tool} is not on PATH (.ci/run installs it)\n`);
  }

  function viaFastp(plain: string): Buffer {
    // No filtering and no trimming: every record goes through to fastp's gzip writer unchanged.
    const out = join(folder, 'fastp.fastq.gz');
    execFileSync(
      'fastp',
      ['-i', plain, '-o', out, '-A', '-G', '-Q', '-L', '-w', '1', '-j', join(folder, 'fastp.json'), '-h', join(folder, 'fastp.html')],
      {
        stdio: 'ignore',
      },
    );
    return readFileSync(out);
  }

  it.each(tools.filter((entry) => !entry.missing))("gives the zlib pass's verdict on $tool's gzip, in one read", async ({ compress }) => {
    // Prepare
    const plain = join(folder, 'plain.fastq');
    await writeFile(plain, text, 'latin1');
    const bytes = compress(plain);

    // Act
    const { native, zlib, nativePasses, starts } = await bothWays('S1_S1_L001_R1_001.fastq.gz', bytes);

    // Assess: every record there (the fixture's own count), igzip's one pass, the zlib pass's verdict.
    expect(native).toMatchObject({ reads: 30_000, bases: 3_000_000, reasons: [] });
    expect(starts).toBe(1);
    expect(nativePasses).toBe(1);
    expect(native).toEqual(zlib);
  });

  it('finds every record of a valid file (an independent count of the text)', async () => {
    // Act
    const { native } = await bothWays('S1.fastq.gz', bgzf(Buffer.from(text, 'latin1')));

    // Assess
    expect(native).toMatchObject({ reads: 30_000, bases: 3_000_000, reasons: [] });
  });

  it.each(bad)('leaves $case to the zlib pass, whose reasons it then gives', async ({ bytes }) => {
    // Act
    const { native, zlib, nativePasses, starts } = await bothWays('S1_S1_L001_R1_001.fastq.gz', bytes);

    // Assess: igzip could not decide; the file was read again with zlib, and the verdict is zlib's, word for word.
    expect(starts).toBe(1);
    expect(nativePasses).toBe(2);
    expect(zlib.reasons.length).toBeGreaterThan(0);
    expect(native).toEqual(zlib);
  });

  it('leaves a first member with reserved header flags (which igzip accepts) to zlib alone, in one pass', async () => {
    // Prepare: FLG bit 5 set, which RFC 1952 reserves and zlib refuses.
    const bytes = gz(text);
    bytes[3] = 0x20;

    // Act
    const { native, zlib, nativePasses, starts } = await bothWays('S1_S1_L001_R1_001.fastq.gz', bytes);

    // Assess
    expect(starts).toBe(0);
    expect(nativePasses).toBe(1);
    expect(native.reasons).toEqual([
      expect.objectContaining({ code: 'GZIP_CORRUPT', found: 'corrupt data (zlib: unknown header flags set)' }),
    ]);
    expect(native).toEqual(zlib);
  });

  describe('a pair read in lockstep (landfall validate <run folder>)', () => {
    const r1 = gz(reads(20_000, { mate: 1, length: 100 }));
    const r2 = gz(reads(20_000, { mate: 2, length: 100 }));
    const pairOf = (first: Buffer, second: Buffer, native: boolean) =>
      inspectPair(
        { body: streamOf(first), fileName: 'S1_S1_L001_R1_001.fastq.gz' },
        { body: streamOf(second), fileName: 'S1_S1_L001_R2_001.fastq.gz' },
        { sha256: true, native },
      );

    it.each([
      { case: 'mates that pair', second: r2, pairingReasons: 0 },
      { case: 'mates whose names part at a record', second: gz(reads(20_000, { mate: 2, length: 100, from: 1 })), pairingReasons: 1 },
    ])("gives the zlib pair's result for $case", async ({ second, pairingReasons }) => {
      // Act
      const native = await pairOf(r1, second, true);
      const zlib = await pairOf(r1, second, false);

      // Assess
      expect(await igzipStarts()).toBe(2);
      expect(native).toEqual(zlib);
      expect(native.r2.reads).toBe(20_000);
      expect(native.reasons).toHaveLength(pairingReasons);
    });

    it('leaves the pair to zlib when one mate has bytes after its last member', async () => {
      // Act
      const failure = await pairOf(r1, Buffer.concat([r2, Buffer.alloc(16)]), true).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(NativeGunzipInconclusive);
    });
  });

  it('says why igzip alone could not decide', async () => {
    // Act
    const failure = await hashAndInflate(streamOf(Buffer.concat([members, Buffer.alloc(64)])), {
      fileName: 'x.gz',
      native: true,
      onData: () => undefined,
    }).catch((error: unknown) => error);

    // Assess
    expect(failure).toEqual(new NativeGunzipInconclusive('bytes follow the last gzip member'));
  });

  it('lets an error of the consumer through instead of calling the data corrupt', async () => {
    // Act
    const failure = await hashAndInflate(streamOf(members), {
      fileName: 'x.gz',
      native: true,
      onData: () => {
        throw new TypeError('bug in the scanner');
      },
    }).catch((error: unknown) => error);

    // Assess
    expect(failure).toEqual(new TypeError('bug in the scanner'));
  });

  it.each([
    { case: 'a good file', bytes: members, passes: 1 },
    { case: 'a file with NUL padding', bytes: Buffer.concat([members, Buffer.alloc(64)]), passes: 2 },
  ])('gives a large landed file ($case) the verdict and mate fingerprint of the zlib pass', async ({ bytes, passes }) => {
    // Prepare: folder storage as the embedded runtime has it; the identity says 64 MiB, so the landing's pass
    // takes the large-file path on these few MB.
    const storage = new FolderStorage(join(folder, 'store'));
    await storage.createBucket('landing');
    const info = await storage.put('landing', 'incoming/t/run/S1_S1_L001_R1_001.fastq.gz', bytes);
    const file = { name: 'S1_S1_L001_R1_001.fastq.gz', bucket: 'landing', key: info.key, size: LARGE, etag: info.etag };

    // Act
    const before = fastqPassCount();
    const native = await fileVerdictOf(storage, file, { legacyNoCalls: false });
    const nativePasses = fastqPassCount() - before;
    const starts = await igzipStarts();
    process.env.LANDFALL_IGZIP = 'off';
    const zlib = await fileVerdictOf(storage, file, { legacyNoCalls: false });

    // Assess
    expect(starts).toBe(1);
    expect(nativePasses).toBe(passes);
    expect({ ...native, validatedAt: 'x' }).toEqual({ ...zlib, validatedAt: 'x' });
    expect(native.mates.records).toBe(30_000);
  });

  it('uses zlib when an igzip is found but cannot start, and stops trying it in this process', async () => {
    // Prepare: executable, but not a program the system can run (no #! line, not ELF).
    const broken = join(folder, 'broken-igzip');
    await writeFile(broken, 'not a program');
    await chmod(broken, 0o755);
    process.env.LANDFALL_IGZIP = broken;
    const path = join(folder, 'S3.fastq.gz');
    await writeFile(path, members);

    // Act
    const before = fastqPassCount();
    const first = await inspectLocalFastq(path, 'S3.fastq.gz', {}, LARGE);
    const firstPasses = fastqPassCount() - before;
    const second = await inspectLocalFastq(path, 'S3.fastq.gz', {}, LARGE);

    // Assess: the first file was passed again with zlib, the second with zlib at once.
    expect(first).toMatchObject({ reads: 30_000, reasons: [] });
    expect(firstPasses).toBe(2);
    expect(second).toEqual(first);
    expect(fastqPassCount() - before).toBe(3);
    expect(nativeGunzipAvailable()).toBe(false);
  });

  it('does not try an igzip that is not there', async () => {
    // Prepare
    process.env.LANDFALL_IGZIP = join(folder, 'no-such-igzip');
    const path = join(folder, 'S2.fastq.gz');
    await writeFile(path, members);

    // Act
    const before = fastqPassCount();
    const inspection = await inspectLocalFastq(path, 'S2.fastq.gz', {}, LARGE);

    // Assess: one pass, with zlib.
    expect(inspection).toMatchObject({ reads: 30_000, reasons: [] });
    expect(fastqPassCount() - before).toBe(1);
    expect(nativeGunzipAvailable()).toBe(false);
  });
});
