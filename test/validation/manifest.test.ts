import { describe, expect, it } from 'vitest';
import { compareWithManifest, parseManifest } from '../../validation/manifest.ts';

const MD5 = 'd41d8cd98f00b204e9800998ecf8427e';
const SHA = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe('parseManifest', () => {
  it('reads md5sum and sha256sum lines, text and binary mode, skipping blanks and comments', () => {
    // Act
    const manifest = parseManifest(
      'MD5SUMS',
      `# made by md5sum\n${MD5.toUpperCase()}  run 1/Probe ü.fastq.gz\r\n\n${SHA} *S1_R2.fastq.gz\n`,
    );

    // Assess
    expect(manifest).toEqual({
      file: 'MD5SUMS',
      entries: [
        { name: 'run 1/Probe ü.fastq.gz', line: 2, md5: MD5 },
        { name: 'S1_R2.fastq.gz', line: 4, sha256: SHA },
      ],
      reasons: [],
    });
  });

  it.each([
    { case: 'md5sum of `find .` (names start with ./)', text: `${MD5}  ./S1/S1_R1.fastq.gz\n`, entry: { md5: MD5 } },
    { case: 'macOS `md5 -r` (one space)', text: `${MD5} S1/S1_R1.fastq.gz\n`, entry: { md5: MD5 } },
    { case: 'BSD style (macOS `md5`, `md5sum --tag`)', text: `MD5 (./S1/S1_R1.fastq.gz) = ${MD5}\n`, entry: { md5: MD5 } },
    { case: 'BSD style sha256 (`shasum -a 256 --tag`)', text: `SHA256 (S1/S1_R1.fastq.gz) = ${SHA}\n`, entry: { sha256: SHA } },
  ])('reads $case as the path inside the run folder', ({ text, entry }) => {
    expect(parseManifest('checksums.md5', text)).toEqual({
      file: 'checksums.md5',
      entries: [{ name: 'S1/S1_R1.fastq.gz', line: 1, ...entry }],
      reasons: [],
    });
  });

  it('refuses a BSD-style line whose hash does not fit its algorithm', () => {
    expect(parseManifest('x.md5', `SHA256 (a.fq) = ${MD5}\n`).reasons.map((reason) => reason.code)).toEqual(['MANIFEST_LINE']);
  });

  it('reads a JSON manifest as an array or under "files"', () => {
    // Act
    const list = parseManifest('manifest.json', JSON.stringify([{ path: './a.fastq.gz', md5: MD5, size: 20 }]));
    const wrapped = parseManifest('manifest.json', JSON.stringify({ files: [{ name: 'b.fastq.gz', sha256: SHA }] }));

    // Assess
    expect(list.entries).toEqual([{ name: 'a.fastq.gz', md5: MD5, size: 20 }]);
    expect(wrapped.entries).toEqual([{ name: 'b.fastq.gz', sha256: SHA }]);
  });

  it.each([
    {
      case: 'a line that is not md5sum format',
      file: 'x.md5',
      text: `${MD5}  a.fq\nnot a checksum line\n`,
      reason: {
        line: 2,
        expected: '"<md5 or sha256 hex>  <file name>" or "MD5 (<file name>) = <hex>"',
        found: '"not a checksum line"',
      },
    },
    { case: 'a traversal path', file: 'x.md5', text: `${MD5}  ../b.fq\n`, reason: { line: 1, found: '"../b.fq"' } },
    { case: 'a backslash path', file: 'x.md5', text: `${MD5}  a\\..\\b.fq\n`, reason: { line: 1, found: '"a\\\\..\\\\b.fq"' } },
    { case: 'invalid JSON', file: 'manifest.json', text: '{"files": [', reason: { expected: 'JSON' } },
    {
      case: 'a bad md5 in JSON',
      file: 'manifest.json',
      text: '[{"path": "a.fq", "md5": "xyz"}]',
      reason: { expected: '"md5" as 32 hex digits', found: '"xyz"' },
    },
    {
      case: 'a negative size in JSON',
      file: 'manifest.json',
      text: '[{"path": "a.fq", "size": -1}]',
      reason: { expected: '"size" as a whole number of bytes', found: '-1' },
    },
  ])('reports $case and keeps the good entries', ({ file, text, reason }) => {
    // Act
    const manifest = parseManifest(file, text);

    // Assess
    expect(manifest.reasons).toEqual([expect.objectContaining({ file, ...reason })]);
    expect(manifest.entries.every((entry) => entry.name === 'a.fq')).toBe(true);
  });
});

describe('parseManifest: a MinKNOW output hash file', () => {
  // Columns as the ONT output specifications list them (output_hash_file/spec.yaml, version 1.1).
  const HEADER = 'runid,protocol_group_id,flow_cell_id,sample_id,file_hash,file_path,barcode,barcode_alias';
  const RUN = 'e05460c6-93f9-439a-bc8f-d20c95a137a5,libA_group,PAW11111,libA';
  const FOLDER = 'libA/20250603_1201_1A_PAW11111_e05460c6/';
  const FILE = `${FOLDER}output_hash_PAW11111_20250603_1201_e05460c6.csv`;

  it("names each hashed file inside the run folder, below the hash file's own folder, and leaves out files without a hash", () => {
    // Act
    const manifest = parseManifest(
      FILE,
      [
        HEADER,
        `${RUN},,pod5/PAW11111_e05460c6_de9f2c7f_0.pod5,,`,
        `${RUN},${SHA.toUpperCase()},fastq_pass/barcode01/PAW11111_pass_barcode01_e05460c6_de9f2c7f_0.fastq.gz,barcode01,barcode01`,
        `${RUN},${SHA},fastq_pass\\barcode02\\PAW11111_pass_barcode02_e05460c6_de9f2c7f_0.fastq.gz,barcode02,patient7`,
        '',
      ].join('\r\n'),
    );

    // Assess: a Windows MinKNOW writes backslashes
    expect(manifest).toEqual({
      file: FILE,
      entries: [
        { name: `${FOLDER}fastq_pass/barcode01/PAW11111_pass_barcode01_e05460c6_de9f2c7f_0.fastq.gz`, line: 3, sha256: SHA },
        { name: `${FOLDER}fastq_pass/barcode02/PAW11111_pass_barcode02_e05460c6_de9f2c7f_0.fastq.gz`, line: 4, sha256: SHA },
      ],
      reasons: [],
    });
  });

  it('says which line is wrong: a header without the columns, a hash that is not SHA-256, a path out of the folder', () => {
    // Act
    const headless = parseManifest(FILE, `${RUN},${SHA},fastq_pass/a.fastq.gz\n`);
    const bad = parseManifest(FILE, `${HEADER}\n${RUN},${MD5},fastq_pass/a.fastq.gz,,\n${RUN},${SHA},../../etc/passwd,,\n`);

    // Assess
    expect(headless.entries).toEqual([]);
    expect(headless.reasons.map((reason) => [reason.code, reason.line, reason.expected])).toEqual([
      ['MANIFEST_LINE', 1, 'a header row naming file_hash and file_path (a MinKNOW output hash file)'],
    ]);
    expect(bad.entries).toEqual([]);
    expect(bad.reasons.map((reason) => [reason.code, reason.line])).toEqual([
      ['MANIFEST_LINE', 2],
      ['UNSAFE_PATH', 3],
    ]);
  });
});

describe('compareWithManifest', () => {
  it('reports size, MD5 and SHA-256 differences separately, each with expected vs found', () => {
    // Act
    const reasons = compareWithManifest(
      'a.fq',
      { name: 'a.fq', md5: MD5, sha256: SHA, size: 10, line: 3 },
      { md5: '0'.repeat(32), sha256: '1'.repeat(64), size: 12 },
      'x.md5',
    );

    // Assess
    expect(reasons.map(({ expected, found }) => ({ expected, found }))).toEqual([
      { expected: '10 bytes (x.md5 line 3)', found: '12 bytes' },
      { expected: `MD5 ${MD5} (x.md5 line 3)`, found: `MD5 ${'0'.repeat(32)}` },
      { expected: `SHA-256 ${SHA} (x.md5 line 3)`, found: `SHA-256 ${'1'.repeat(64)}` },
    ]);
  });
});
